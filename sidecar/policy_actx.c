/*
 * policy_actx.c — the facts the matcher derives from one action, once per
 * il_policy_decide() call: program basenames, the lower-cased host and its
 * parsed address, the port (scheme default when absent), and on first use
 * the normalised URL path, the canonical URL and the joined command line.
 * All of it in fixed buffers of the stack context; nothing allocated.
 */
#include "policy_actx.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *base_name(const char *p)
{
	if (!p)
		return NULL;
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Normalise a URL path: decode %XX of unreserved characters, drop empty
 * and "." segments, resolve "..". false when it does not fit. */
static bool norm_path(const char *in, char *out, size_t n)
{
	char dec[4096];
	size_t d = 0;
	for (const char *p = in; *p; p++) {
		int c = (unsigned char)*p;
		if (c == '%' && il_hex_value(p[1]) >= 0 && il_hex_value(p[2]) >= 0) {
			int v = il_hex_value(p[1]) * 16 + il_hex_value(p[2]);
			if (unreserved(v)) {
				c = v;
				p += 2;
			}
		}
		if (d + 1 >= sizeof(dec))
			return false;
		dec[d++] = (char)c;
	}
	dec[d] = '\0';
	bool trailing = d > 0 && dec[d - 1] == '/';
	size_t o = 0;
	const char *p = dec;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			if (o + 1 + len + 1 >= n)
				return false;
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
	}
	if (o == 0 || (trailing && o + 2 < n && out[o - 1] != '/'))
		out[o++] = '/';
	out[o] = '\0';
	return true;
}

const char *il_actx_path(il_actx *x)
{
	if (x->path_state == 0) {
		x->path_state = 2;
		if (x->a->url_path && norm_path(x->a->url_path, x->path, sizeof(x->path)))
			x->path_state = 1;
	}
	return x->path_state == 1 ? x->path : NULL;
}

static unsigned default_port(const char *scheme)
{
	if (!scheme)
		return 0;
	if (strcasecmp(scheme, "https") == 0)
		return 443;
	if (strcasecmp(scheme, "http") == 0)
		return 80;
	return 0;
}

const char *il_actx_url(il_actx *x)
{
	if (x->url_state)
		return x->url_state == 1 ? x->url : NULL;
	x->url_state = 2;
	const il_action *a = x->a;
	const char *path = il_actx_path(x);
	if (a->scheme && x->host_ok && path) {
		char port[16] = "";
		if (x->port && x->port != default_port(a->scheme))
			snprintf(port, sizeof(port), ":%u", x->port);
		char scheme[16];
		size_t i;
		for (i = 0; a->scheme[i] && i + 1 < sizeof(scheme); i++)
			scheme[i] = (char)tolower((unsigned char)a->scheme[i]);
		scheme[i] = '\0';
		int w = snprintf(x->url, sizeof(x->url), "%s://%s%s%s%s%s", scheme, x->host, port, path,
		                 a->query ? "?" : "", a->query ? a->query : "");
		if (w > 0 && (size_t)w < sizeof(x->url))
			x->url_state = 1;
	} else if (a->url && strlen(a->url) < sizeof(x->url)) {
		memcpy(x->url, a->url, strlen(a->url) + 1);
		x->url_state = 1;
	}
	return x->url_state == 1 ? x->url : NULL;
}

const char *il_actx_cmd(il_actx *x)
{
	if (x->cmd_state == 0) {
		x->cmd_state = 1;
		size_t o = 0;
		size_t argc = x->a->argv ? x->a->argc : 0;
		for (size_t i = 0; i < argc; i++) {
			const char *s = x->a->argv[i] ? x->a->argv[i] : "";
			size_t len = strlen(s);
			if (o + len + 2 > sizeof(x->cmd)) {
				x->cmd_state = 2;
				break;
			}
			if (i)
				x->cmd[o++] = ' ';
			memcpy(x->cmd + o, s, len);
			o += len;
		}
		x->cmd[o] = '\0';
	}
	return x->cmd_state == 1 ? x->cmd : NULL;
}

void il_actx_prepare(il_actx *x, const il_action *a)
{
	memset(x, 0, offsetof(il_actx, url));
	x->path_state = 0;
	x->cmd_state = 0;
	x->nwhy = 0;
	x->a = a;
	if (a->kind == IL_KIND_EXEC) {
		x->argv0 = (a->argc > 0 && a->argv) ? a->argv[0] : NULL;
		x->prog_path = a->program ? a->program : x->argv0;
		x->prog_base = base_name(x->prog_path);
		x->argv0_base = base_name(x->argv0);
	}
	if (a->kind == IL_KIND_CONNECT || a->kind == IL_KIND_HTTP) {
		if (a->host && *a->host) {
			size_t n = strlen(a->host);
			while (n > 0 && a->host[n - 1] == '.')
				n--;
			if (n > 0 && n < sizeof(x->host)) {
				for (size_t i = 0; i < n; i++)
					x->host[i] = (char)tolower((unsigned char)a->host[i]);
				x->host[n] = '\0';
				x->host_ok = true;
			}
		}
		if (a->addr && il_ip_parse(a->addr, &x->ip) == 0)
			x->ip_ok = true;
		else if (x->host_ok && il_ip_parse(x->host, &x->ip) == 0)
			x->ip_ok = true;
		x->port = a->port;
		if (!x->port && a->kind == IL_KIND_HTTP)
			x->port = default_port(a->scheme);
		x->visible = a->url_visible || a->url || a->url_path;
	}
}

