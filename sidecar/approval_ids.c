/*
 * approval_ids.c — request ids and verdict nonces of the approval
 * protocol: their character set and length rules, and fresh random ones
 * (CSPRNG, lower-case hex). Contracts in approval_proto.h.
 */
#include "approval_proto.h"
#include "util.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

/* Is s min..max characters of [A-Za-z0-9_-]? (NULL: no) */
static bool charset_ok(const char *s, size_t min, size_t max)
{
	if (!s)
		return false;
	size_t n = 0;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		if (n >= max)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return n >= min;
}

bool il_approval_id_valid(const char *id)
{
	return charset_ok(id, 1, IL_APPROVAL_ID_MAX);
}

bool il_verdict_nonce_valid(const char *nonce)
{
	return charset_ok(nonce, IL_VERDICT_NONCE_MIN, IL_VERDICT_NONCE_MAX);
}

int il_approval_random_hex(char *buf, size_t bufsize, size_t nbytes)
{
	unsigned char raw[64];
	if (!buf || nbytes == 0 || nbytes > sizeof raw || bufsize < 2 * nbytes + 1)
		return -1;
	if (RAND_bytes(raw, (int)nbytes) != 1)
		return -1;
	il_hex_encode(raw, nbytes, buf);
	OPENSSL_cleanse(raw, sizeof raw);
	return 0;
}
