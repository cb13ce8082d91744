/*
 * buf.c — growable strings and HTML escaping for the approval service's
 * pages and JSON bodies.
 */
#include "service.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_reserve(sbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void sb_putn(sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_put(sbuf *b, const char *s)
{
	if (s)
		sb_putn(b, s, strlen(s));
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Every agent-supplied string reaches a page through here: the five
 * characters that can change HTML structure become entities, so a payload
 * renders as text in element content and in quoted attributes alike. */
void sb_html(sbuf *b, const char *s)
{
	if (!s)
		return;
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '&': sb_put(b, "&amp;"); break;
		case '<': sb_put(b, "&lt;"); break;
		case '>': sb_put(b, "&gt;"); break;
		case '"': sb_put(b, "&quot;"); break;
		case '\'': sb_put(b, "&#39;"); break;
		default: sb_putn(b, p, 1);
		}
	}
}

char *sb_take(sbuf *b, size_t *len)
{
	if (!b->p)
		sb_reserve(b, 0), b->p[0] = '\0';
	char *p = b->p;
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void sb_free(sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
