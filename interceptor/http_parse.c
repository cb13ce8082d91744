/*
 * http_parse.c — bounded, incremental HTTP/1.x request-head parsing, body
 * framing and TLS SNI extraction (see http_parse.h).
 *
 * The grammar is deliberately as lenient as the most lenient common server
 * (Python's http.server splits the request line on any whitespace,
 * accepts bare LF line ends and HTTP/0.9 "GET /path"), because whatever a
 * server would take as a request must be seen as one here: a parser
 * stricter than the server would let a request through undecided.
 * Whitespace inside the request line is SP, HT, VT, FF, CR, 0x1c-0x1f,
 * 0x85 and 0xa0 (what Python's str.split() splits a Latin-1 line on).
 */
#include "http_parse.h"

#include <string.h>

enum {
	S_LEAD = 0, S_METHOD, S_WS1, S_TARGET, S_WS2, S_VERSION, S_WS3,
	S_LINE_START, S_LINE_CR, S_HDR,
};

static int il_hp_ws(unsigned char c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d && c != '\n') ||
	       (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0;
}

static int il_hp_method_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static int il_hp_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

void il_http_scan_init(il_http_scan *s)
{
	memset(s, 0, sizeof *s);
	s->state = S_LEAD;
}

int il_http_scan_feed(il_http_scan *s, const char *buf, size_t len)
{
	static const char proto[] = "HTTP/";
	while (s->pos < len) {
		unsigned char c = (unsigned char)buf[s->pos++];
		switch (s->state) {
		case S_LEAD:
			if (c == '\n' || il_hp_ws(c))
				break;
			if (!il_hp_method_char(c))
				return IL_HTTP_BAD;
			s->state = S_METHOD;
			s->tok = 1;
			break;
		case S_METHOD:
			if (il_hp_ws(c)) {
				s->state = S_WS1;
			} else if (il_hp_method_char(c) && ++s->tok <= IL_HTTP_METHOD_MAX) {
				/* still the method */
			} else {
				return IL_HTTP_BAD;
			}
			break;
		case S_WS1:
			if (c == '\n')
				return IL_HTTP_BAD;
			if (!il_hp_ws(c))
				s->state = S_TARGET;
			break;
		case S_TARGET:
		case S_WS2:
			if (c == '\n') {
				s->http09 = 1;
				s->end = s->pos;
				return IL_HTTP_DONE;
			}
			if (il_hp_ws(c)) {
				s->state = S_WS2;
			} else if (s->state == S_WS2) {
				if (c != (unsigned char)proto[0])
					return IL_HTTP_BAD;
				s->state = S_VERSION;
				s->tok = 1;
			}
			break;
		case S_VERSION:
			if (c == '\n') {
				if (s->tok < 6)
					return IL_HTTP_BAD;
				s->state = S_LINE_START;
			} else if (il_hp_ws(c)) {
				if (s->tok < 6)
					return IL_HTTP_BAD;
				s->state = S_WS3;
			} else if (s->tok < 5) {
				if (c != (unsigned char)proto[s->tok])
					return IL_HTTP_BAD;
				s->tok++;
			} else if (((c >= '0' && c <= '9') || c == '.') && s->tok < 16) {
				s->tok++;
			} else {
				return IL_HTTP_BAD;
			}
			break;
		case S_WS3:
			if (c == '\n')
				s->state = S_LINE_START;
			else if (!il_hp_ws(c))
				return IL_HTTP_BAD;
			break;
		case S_LINE_START:
			if (c == '\n') {
				s->end = s->pos;
				return IL_HTTP_DONE;
			}
			s->state = c == '\r' ? S_LINE_CR : S_HDR;
			break;
		case S_LINE_CR:
			if (c == '\n') {
				s->end = s->pos;
				return IL_HTTP_DONE;
			}
			s->state = S_HDR;
			break;
		case S_HDR:
		default:
			if (c == '\n')
				s->state = S_LINE_START;
			break;
		}
	}
	return IL_HTTP_MORE;
}

int il_http_span_eq(const char *buf, il_http_span s, const char *lit)
{
	size_t n = strlen(lit);
	if (s.len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (il_hp_lower((unsigned char)buf[s.off + i]) != il_hp_lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

/* Trim HTTP optional whitespace (SP, HT, CR) from both ends of a span. */
static il_http_span il_hp_trim(const char *buf, size_t a, size_t b)
{
	while (a < b && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\r'))
		a++;
	while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r'))
		b--;
	return (il_http_span){ a, b - a };
}

/* Content-Length value: decimal digits only, at most 2^62. -1 otherwise. */
static int il_hp_parse_cl(const char *buf, il_http_span v, uint64_t *out)
{
	if (v.len == 0 || v.len > 19)
		return -1;
	uint64_t x = 0;
	for (size_t i = 0; i < v.len; i++) {
		char c = buf[v.off + i];
		if (c < '0' || c > '9')
			return -1;
		x = x * 10 + (uint64_t)(c - '0');
	}
	if (x > ((uint64_t)1 << 62))
		return -1;
	*out = x;
	return 0;
}

/* Is the last coding of a Transfer-Encoding list "chunked"? */
static int il_hp_te_chunked_last(const char *buf, il_http_span v)
{
	size_t end = v.off + v.len, start = v.off;
	for (size_t i = v.off; i < end; i++)
		if (buf[i] == ',')
			start = i + 1;
	il_http_span last = il_hp_trim(buf, start, end);
	return il_http_span_eq(buf, last, "chunked");
}

/* Walk the request line: fills method, target and version. Returns the
 * offset just after its LF, or 0 on a malformed line. */
static size_t il_hp_request_line(const char *buf, size_t len, il_http_req *r)
{
	size_t i = 0;
	while (i < len && (buf[i] == '\n' || il_hp_ws((unsigned char)buf[i])))
		i++;
	size_t m0 = i;
	while (i < len && il_hp_method_char((unsigned char)buf[i]) && !il_hp_ws((unsigned char)buf[i]))
		i++;
	if (i == m0 || i - m0 > IL_HTTP_METHOD_MAX)
		return 0;
	r->method = (il_http_span){ m0, i - m0 };
	while (i < len && buf[i] != '\n' && il_hp_ws((unsigned char)buf[i]))
		i++;
	size_t t0 = i;
	while (i < len && buf[i] != '\n' && !il_hp_ws((unsigned char)buf[i]))
		i++;
	if (i == t0)
		return 0;
	r->target = (il_http_span){ t0, i - t0 };
	while (i < len && buf[i] != '\n' && il_hp_ws((unsigned char)buf[i]))
		i++;
	size_t v0 = i;
	while (i < len && buf[i] != '\n' && !il_hp_ws((unsigned char)buf[i]))
		i++;
	size_t vlen = i - v0;
	while (i < len && buf[i] != '\n' && il_hp_ws((unsigned char)buf[i]))
		i++;
	if (i >= len || buf[i] != '\n')
		return 0;
	if (vlen == 0) {
		r->version = 9;
	} else {
		if (vlen < 6 || memcmp(buf + v0, "HTTP/", 5) != 0)
			return 0;
		int major = 0, minor = 0, dot = 0;
		for (size_t k = v0 + 5; k < v0 + vlen; k++) {
			char c = buf[k];
			if (c == '.') {
				dot++;
			} else if (c >= '0' && c <= '9') {
				int *p = dot ? &minor : &major;
				if (*p < 100)
					*p = *p * 10 + (c - '0');
			}
		}
		r->version = major * 10 + (minor > 9 ? 9 : minor);
	}
	return i + 1;
}

int il_http_parse_head(const char *buf, size_t len, il_http_req *r)
{
	memset(r, 0, sizeof *r);
	size_t i = il_hp_request_line(buf, len, r);
	if (i == 0)
		return -1;
	int have_cl = 0, have_te = 0, bad = 0, te_chunked = 0;
	uint64_t cl = 0;
	int last_framing = 0;   /* the previous header was CL/TE (a fold continues it) */
	while (i < len) {
		size_t e = i;
		while (e < len && buf[e] != '\n')
			e++;
		size_t lend = e;            /* line without LF */
		if (lend > i && buf[lend - 1] == '\r')
			lend--;
		if (lend == i)
			break;                  /* the empty line ending the head */
		if (buf[i] == ' ' || buf[i] == '\t') {
			/* obs-fold: continuation of the previous header's value */
			if (r->nhdrs > 0 && !r->truncated) {
				il_http_span *v = &r->hdr_value[r->nhdrs - 1];
				il_http_span t = il_hp_trim(buf, v->off, lend);
				*v = t;
			}
			if (last_framing)
				bad = 1;
		} else {
			size_t c = i;
			while (c < lend && buf[c] != ':')
				c++;
			last_framing = 0;
			if (c < lend) {
				il_http_span raw = { i, c - i };
				il_http_span name = il_hp_trim(buf, i, c);
				il_http_span val = il_hp_trim(buf, c + 1, lend);
				int is_cl = il_http_span_eq(buf, name, "content-length");
				int is_te = il_http_span_eq(buf, name, "transfer-encoding");
				if ((is_cl || is_te) && name.len != raw.len)
					bad = 1;    /* "Content-Length :" — servers disagree */
				if (is_cl) {
					uint64_t x = 0;
					if (il_hp_parse_cl(buf, val, &x) < 0 || (have_cl && x != cl))
						bad = 1;
					cl = x;
					have_cl = 1;
					last_framing = 1;
				} else if (is_te) {
					have_te = 1;
					te_chunked = il_hp_te_chunked_last(buf, val);
					last_framing = 1;
				} else if (il_http_span_eq(buf, name, "host")) {
					if (r->host.len == 0)
						r->host = val;
				} else if (il_http_span_eq(buf, name, "upgrade")) {
					r->upgrade = 1;
				}
				if (r->nhdrs < IL_HTTP_MAX_HDRS) {
					r->hdr_name[r->nhdrs] = name;
					r->hdr_value[r->nhdrs] = val;
					r->nhdrs++;
				} else {
					r->truncated = 1;
				}
			} else {
				/* a line without a colon: servers differ; framing unknown
				 * only if it could hide a framing header */
				il_http_span t = il_hp_trim(buf, i, lend);
				if (t.len >= 14 && (il_hp_lower((unsigned char)buf[t.off]) == 'c' ||
						    il_hp_lower((unsigned char)buf[t.off]) == 't'))
					bad = 1;
			}
		}
		i = e + 1;
	}
	if (il_http_span_eq(buf, r->method, "CONNECT"))
		r->upgrade = 1;
	if (bad || (have_cl && have_te) || (have_te && !te_chunked))
		r->body = IL_HTTP_BODY_UNKNOWN;
	else if (have_te)
		r->body = IL_HTTP_BODY_CHUNKED;
	else if (have_cl) {
		r->body = IL_HTTP_BODY_LENGTH;
		r->content_length = cl;
	} else {
		r->body = IL_HTTP_BODY_NONE;
	}
	return 0;
}

/* ---- body framing ------------------------------------------------------ */

enum {
	C_SIZE = 0, C_SIZE_MORE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF,
	C_TRAILER_START, C_TRAILER_LINE, C_TRAILER_LF,
};

void il_http_body_init(il_http_body *b, const il_http_req *r)
{
	memset(b, 0, sizeof *b);
	b->kind = r->body;
	b->cstate = C_SIZE;
	if (r->body == IL_HTTP_BODY_LENGTH)
		b->left = r->content_length;
	if (r->body == IL_HTTP_BODY_NONE || (r->body == IL_HTTP_BODY_LENGTH && b->left == 0))
		b->done = 1;
}

static int il_hp_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)il_hp_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* End of a chunk-size line: a zero size starts the trailer. */
static void il_hp_size_done(il_http_body *b)
{
	b->cstate = b->left == 0 ? C_TRAILER_START : C_DATA;
}

size_t il_http_body_feed(il_http_body *b, const char *p, size_t n)
{
	if (b->done || b->broken)
		return 0;
	if (b->kind == IL_HTTP_BODY_UNKNOWN)
		return n;
	if (b->kind == IL_HTTP_BODY_LENGTH) {
		size_t k = (uint64_t)n < b->left ? n : (size_t)b->left;
		b->left -= k;
		if (b->left == 0)
			b->done = 1;
		return k;
	}
	if (b->kind != IL_HTTP_BODY_CHUNKED) {
		b->done = 1;
		return 0;
	}
	size_t i = 0;
	while (i < n && !b->done && !b->broken) {
		unsigned char c = (unsigned char)p[i];
		switch (b->cstate) {
		case C_DATA: {
			size_t k = (uint64_t)(n - i) < b->left ? n - i : (size_t)b->left;
			b->left -= k;
			i += k;
			if (b->left == 0)
				b->cstate = C_DATA_CR;
			continue;
		}
		case C_SIZE:
		case C_SIZE_MORE: {
			int h = il_hp_hex(c);
			if (h >= 0) {
				if (++b->digits > 15) {
					b->broken = 1;
					continue;
				}
				b->left = b->left * 16 + (uint64_t)h;
				b->cstate = C_SIZE_MORE;
			} else if (b->cstate == C_SIZE) {
				b->broken = 1;
				continue;
			} else if (c == ';' || c == ' ' || c == '\t') {
				b->cstate = C_EXT;
			} else if (c == '\r') {
				b->cstate = C_SIZE_LF;
			} else if (c == '\n') {
				il_hp_size_done(b);
			} else {
				b->broken = 1;
				continue;
			}
			break;
		}
		case C_EXT:
			if (c == '\n')
				il_hp_size_done(b);
			break;
		case C_SIZE_LF:
			if (c != '\n') {
				b->broken = 1;
				continue;
			}
			il_hp_size_done(b);
			break;
		case C_DATA_CR:
			if (c == '\r') {
				b->cstate = C_DATA_LF;
			} else if (c == '\n') {
				b->cstate = C_SIZE;
				b->digits = 0;
			} else {
				b->broken = 1;
				continue;
			}
			break;
		case C_DATA_LF:
			if (c != '\n') {
				b->broken = 1;
				continue;
			}
			b->cstate = C_SIZE;
			b->digits = 0;
			break;
		case C_TRAILER_START:
			if (c == '\n')
				b->done = 1;
			else
				b->cstate = c == '\r' ? C_TRAILER_LF : C_TRAILER_LINE;
			break;
		case C_TRAILER_LF:
			if (c == '\n')
				b->done = 1;
			else
				b->cstate = C_TRAILER_LINE;
			break;
		case C_TRAILER_LINE:
		default:
			if (c == '\n')
				b->cstate = C_TRAILER_START;
			break;
		}
		i++;
	}
	return i;
}

/* ---- TLS ---------------------------------------------------------------- */

int il_tls_is_hello(const char *p, size_t n)
{
	if (n == 0 || (unsigned char)p[0] != 0x16)
		return 0;
	if (n >= 2 && (unsigned char)p[1] != 0x03)
		return 0;
	return 1;
}

static unsigned il_hp_u16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

int il_tls_sni(const char *buf, size_t n, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)buf;
	if (outsz == 0)
		return -1;
	out[0] = '\0';
	if (n < 5 || p[0] != 0x16 || p[1] != 0x03)
		return -1;
	size_t rlen = il_hp_u16(p + 3);
	size_t end = 5 + rlen < n ? 5 + rlen : n;
	size_t i = 5;
	/* handshake header: type 1 (ClientHello), 24-bit length */
	if (end < i + 4 || p[i] != 0x01)
		return -1;
	i += 4;
	i += 2 + 32;                                  /* version, random */
	if (end < i + 1)
		return -1;
	i += 1 + (size_t)p[i];                        /* session id */
	if (end < i + 2)
		return -1;
	i += 2 + il_hp_u16(p + i);                    /* cipher suites */
	if (end < i + 1)
		return -1;
	i += 1 + (size_t)p[i];                        /* compression methods */
	if (end < i + 2)
		return -1;
	size_t xend = i + 2 + il_hp_u16(p + i);
	i += 2;
	if (xend > end)
		xend = end;
	while (i + 4 <= xend) {
		unsigned type = il_hp_u16(p + i);
		size_t elen = il_hp_u16(p + i + 2);
		i += 4;
		if (i + elen > xend)
			return -1;
		if (type == 0) {
			size_t j = i + 2, lend = i + elen;
			while (j + 3 <= lend) {
				unsigned nt = p[j];
				size_t nl = il_hp_u16(p + j + 1);
				j += 3;
				if (j + nl > lend)
					return -1;
				if (nt == 0) {
					if (nl == 0 || nl >= outsz)
						return -1;
					for (size_t k = 0; k < nl; k++) {
						unsigned char c = p[j + k];
						if (c <= 0x20 || c >= 0x7f)
							return -1;
						out[k] = (char)c;
					}
					out[nl] = '\0';
					return 0;
				}
				j += nl;
			}
			return -1;
		}
		i += elen;
	}
	return -1;
}
