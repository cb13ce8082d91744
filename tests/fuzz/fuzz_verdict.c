/*
 * fuzz_verdict.c — libFuzzer target for the verdict verifier: arbitrary
 * bytes must never crash, leak or be accepted unless they carry a valid
 * signature. Every accepted input must re-sign to a body that verifies
 * again (round trip), and must name the expected request.
 */
#include "approval_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY "fuzz-key-0123456789abcdef0123456789"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	il_verdict_msg m;
	char err[256];
	const int64_t now = 1700000001000LL;
	if (il_verdict_parse_verify((const char *)data, size, "r-0123456789ab",
	                            (const unsigned char *)KEY, strlen(KEY), now, &m, err,
	                            sizeof err) != 0) {
		if (m.request_id || m.reason || m.nreviewers)
			abort();   /* a rejected verdict must leave *out empty */
		return 0;
	}
	if (strcmp(m.request_id, "r-0123456789ab") != 0)
		abort();
	char *again = il_verdict_sign_json(&m, (const unsigned char *)KEY, strlen(KEY), err, sizeof err);
	if (!again)
		abort();
	il_verdict_msg m2;
	if (il_verdict_parse_verify(again, strlen(again), "r-0123456789ab", (const unsigned char *)KEY,
	                            strlen(KEY), now, &m2, err, sizeof err) != 0)
		abort();
	if (m2.decision != m.decision || m2.nreviewers != m.nreviewers)
		abort();
	il_verdict_msg_free(&m2);
	free(again);
	il_verdict_msg_free(&m);
	return 0;
}
