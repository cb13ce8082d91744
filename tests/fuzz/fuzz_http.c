/*
 * fuzz_http.c — libFuzzer target for the shim's HTTP request-head parser
 * (interceptor/http_parse.c, linked through sidecar/http_parse_core.c).
 *
 * The first two bytes of the input choose split points; the rest is a
 * byte stream as a client would write it. Checks, aborting on violation:
 *  - the scanner gives the same verdict and head length whether the stream
 *    is fed whole or in three pieces (a request line split across writes
 *    is still seen whole);
 *  - a head the scanner accepts, the parser accepts, and every span it
 *    returns lies inside the head;
 *  - body framing consumes the same bytes fed whole or split, never more
 *    than it was given;
 *  - the SNI reader stays in bounds and returns a NUL-terminated name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_span(il_http_span s, size_t len)
{
	if (s.off > len || s.len > len - s.off)
		abort();
}

static size_t body_split(const il_http_req *r, const char *p, size_t n, size_t cut, int *done)
{
	il_http_body b;
	il_http_body_init(&b, r);
	size_t a = il_http_body_feed(&b, p, cut < n ? cut : n);
	if (a > (cut < n ? cut : n))
		abort();
	size_t total = a;
	if (a == (cut < n ? cut : n) && cut < n) {
		size_t c = il_http_body_feed(&b, p + cut, n - cut);
		if (c > n - cut)
			abort();
		total += c;
	}
	*done = b.done;
	return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t c1 = data[0], c2 = data[1];
	const char *p = (const char *)data + 2;
	size_t n = size - 2;
	if (n > IL_HTTP_HEAD_MAX * 2)
		n = IL_HTTP_HEAD_MAX * 2;

	il_http_scan whole;
	il_http_scan_init(&whole);
	int rw = il_http_scan_feed(&whole, p, n);

	il_http_scan part;
	il_http_scan_init(&part);
	size_t a = c1 < n ? c1 : n;
	size_t b = a + c2 < n ? a + c2 : n;
	int rp = il_http_scan_feed(&part, p, a);
	if (rp == IL_HTTP_MORE)
		rp = il_http_scan_feed(&part, p, b);
	if (rp == IL_HTTP_MORE)
		rp = il_http_scan_feed(&part, p, n);
	if (rp != rw)
		abort();
	if (rw == IL_HTTP_DONE) {
		if (part.end != whole.end || whole.end > n || whole.end == 0)
			abort();
		static il_http_req r;
		if (il_http_parse_head(p, whole.end, &r) != 0)
			abort();
		check_span(r.method, whole.end);
		check_span(r.target, whole.end);
		check_span(r.host, whole.end);
		if (r.method.len == 0 || r.target.len == 0 || r.nhdrs > IL_HTTP_MAX_HDRS)
			abort();
		for (unsigned i = 0; i < r.nhdrs; i++) {
			check_span(r.hdr_name[i], whole.end);
			check_span(r.hdr_value[i], whole.end);
		}
		const char *body = p + whole.end;
		size_t bn = n - whole.end;
		int d1, d2;
		size_t k1 = body_split(&r, body, bn, bn, &d1);
		size_t k2 = body_split(&r, body, bn, c1 ^ c2, &d2);
		if (k1 > bn || (r.body != IL_HTTP_BODY_CHUNKED && (k1 != k2 || d1 != d2)))
			abort();
		/* chunked: a split may only stop a broken stream earlier, never run on */
		if (r.body == IL_HTTP_BODY_CHUNKED && d1 && (k1 != k2 || !d2))
			abort();
	} else if (rw == IL_HTTP_BAD) {
		/* never report a head that parses as not-a-request */
	} else {
		static il_http_req r;
		(void)il_http_parse_head(p, n, &r);
	}
	char sni[256];
	if (il_tls_sni(p, n, sni, sizeof sni) == 0 && strlen(sni) >= sizeof sni)
		abort();
	(void)il_tls_is_hello(p, n);
	return 0;
}
