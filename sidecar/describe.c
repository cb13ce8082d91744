/*
 * describe.c — escaped, bounded one-line action descriptions (describe.h).
 */
#include "describe.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of a valid UTF-8 sequence of a printable multibyte character at s
 * (0 if invalid). Control characters U+0080..U+009F are refused. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] >= 0xc2 && s[0] <= 0xdf && (s[1] & 0xc0) == 0x80)
		return (s[0] == 0xc2 && s[1] < 0xa0) ? 0 : 2;
	if (s[0] >= 0xe0 && s[0] <= 0xef && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;
		if (s[0] == 0xed && s[1] >= 0xa0)
			return 0;
		/* U+202A..U+202E, U+2066..U+2069: bidi overrides reorder text */
		if (s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae)
			return 0;
		if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80) {
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0;
		if (s[0] == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

void il_append_escaped(char *buf, size_t n, const char *s)
{
	size_t len = strlen(buf);
	if (!s)
		s = "(null)";
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		char tmp[8];
		size_t tl;
		size_t u = *p >= 0x80 ? utf8_len(p) : 0;
		if (u) {
			memcpy(tmp, p, u);
			tl = u;
			p += u;
		} else if (*p >= 0x20 && *p < 0x7f) {
			tmp[0] = (char)*p;
			tl = 1;
			p++;
		} else {
			switch (*p) {
			case '\n': memcpy(tmp, "\\n", 2); tl = 2; break;
			case '\t': memcpy(tmp, "\\t", 2); tl = 2; break;
			case '\r': memcpy(tmp, "\\r", 2); tl = 2; break;
			default: tl = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", *p); break;
			}
			p++;
		}
		if (len + tl + 4 > n) {
			if (n >= 4) {
				size_t at = len <= n - 4 ? len : n - 4;
				memcpy(buf + at, "...", 4);
			}
			return;
		}
		memcpy(buf + len, tmp, tl);
		len += tl;
		buf[len] = '\0';
	}
}

/* Append one argument, quoted when it would be ambiguous in a shell line. */
static void append_arg(char *buf, size_t n, const char *arg)
{
	bool quote = !*arg || strpbrk(arg, " \t\n'\"\\$`;&|<>*?()[]{}") != NULL;
	size_t len = strlen(buf);
	if (len && len + 1 < n) {
		buf[len++] = ' ';
		buf[len] = '\0';
	}
	if (!quote) {
		il_append_escaped(buf, n, arg);
		return;
	}
	il_append_escaped(buf, n, "'");
	/* Inside single quotes, show ' as '\'' like a shell would. */
	const char *p = arg;
	while (*p) {
		const char *q = strchr(p, '\'');
		size_t seg = q ? (size_t)(q - p) : strlen(p);
		char *tmp = strndup(p, seg);
		if (!tmp)
			return;
		il_append_escaped(buf, n, tmp);
		free(tmp);
		if (!q)
			break;
		il_append_escaped(buf, n, "'\\''");
		p = q + 1;
	}
	il_append_escaped(buf, n, "'");
}

char *il_action_describe(const il_action *a)
{
	char *buf = calloc(1, IL_DESCRIBE_MAX);
	if (!buf)
		return NULL;
	size_t n = IL_DESCRIBE_MAX;
	switch (a->kind) {
	case IL_KIND_EXEC:
		il_append_escaped(buf, n, "exec");
		if (a->argc == 0) {
			append_arg(buf, n, a->program ? a->program : "?");
			break;
		}
		/* Show the resolved program when argv[0] does not name it. */
		for (size_t i = 0; i < a->argc; i++)
			append_arg(buf, n, a->argv[i]);
		if (a->program && a->argv[0] && strcmp(a->argv[0], a->program) != 0) {
			const char *base = strrchr(a->program, '/');
			base = base ? base + 1 : a->program;
			if (strcmp(base, a->argv[0]) != 0) {
				il_append_escaped(buf, n, " [program ");
				il_append_escaped(buf, n, a->program);
				il_append_escaped(buf, n, "]");
			}
		}
		break;
	case IL_KIND_DELETE:
		if (a->del_op == IL_DEL_RENAME_OVER) {
			il_append_escaped(buf, n, "rename ");
			il_append_escaped(buf, n, a->rename_from ? a->rename_from : "?");
			il_append_escaped(buf, n, " over ");
		} else {
			il_append_escaped(buf, n, a->del_op == IL_DEL_RMDIR || a->is_dir ? "rmdir " : "delete ");
		}
		il_append_escaped(buf, n, a->path);
		break;
	case IL_KIND_CONNECT: {
		char port[16];
		snprintf(port, sizeof port, ":%u", a->port);
		il_append_escaped(buf, n, a->udp ? "connect udp " : "connect ");
		il_append_escaped(buf, n, a->host ? a->host : a->addr);
		il_append_escaped(buf, n, port);
		if (a->host && a->addr) {
			il_append_escaped(buf, n, " (");
			il_append_escaped(buf, n, a->addr);
			il_append_escaped(buf, n, ")");
		}
		break;
	}
	case IL_KIND_HTTP:
		if (!a->url_visible || !a->method) {
			/* an opaque request: only where it goes is known */
			char port[16];
			snprintf(port, sizeof port, ":%u", a->port);
			il_append_escaped(buf, n, "http (url not visible) ");
			il_append_escaped(buf, n, a->host ? a->host : a->addr ? a->addr : "?");
			il_append_escaped(buf, n, port);
			break;
		}
		il_append_escaped(buf, n, "http ");
		il_append_escaped(buf, n, a->method);
		il_append_escaped(buf, n, " ");
		il_append_escaped(buf, n, a->url ? a->url : a->host ? a->host : "?");
		break;
	default:
		il_append_escaped(buf, n, "unknown action");
		break;
	}
	return buf;
}
