/*
 * auth.c — reviewer passwords (PBKDF2-HMAC-SHA256 with a random salt),
 * hashing of session tokens, constant-time comparison of secrets.
 */
#include "service.h"
#include "util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decode a non-empty even-length hex string of at most 2*max digits into
 * out: the number of bytes, or -1 (anything but hex digits is refused). */
static int from_hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n % 2 || n / 2 > max || il_hex_decode(s, out, n / 2) != 0)
		return -1;
	return (int)(n / 2);
}

char *password_hash(const char *password, unsigned iterations)
{
	unsigned char salt[16], dk[32];
	if (iterations < 1000 || RAND_bytes(salt, sizeof salt) != 1)
		return NULL;
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, (int)iterations,
	                      EVP_sha256(), sizeof dk, dk) != 1)
		return NULL;
	char sh[33], dh[65];
	il_hex_encode(salt, sizeof salt, sh);
	il_hex_encode(dk, sizeof dk, dh);
	return xasprintf("pbkdf2-sha256$%u$%s$%s", iterations, sh, dh);
}

/* Parse "pbkdf2-sha256$ITER$SALT$HASH", derive, compare in constant time.
 * Any malformed encoding verifies nothing. */
bool password_verify(const char *password, const char *encoded)
{
	if (!password || !encoded || strncmp(encoded, "pbkdf2-sha256$", 14) != 0)
		return false;
	char buf[512];
	if (strlen(encoded) >= sizeof buf)
		return false;
	strcpy(buf, encoded + 14);
	char *iter_s = buf, *salt_s = strchr(iter_s, '$');
	if (!salt_s)
		return false;
	*salt_s++ = '\0';
	char *hash_s = strchr(salt_s, '$');
	if (!hash_s)
		return false;
	*hash_s++ = '\0';
	int64_t iter;
	if (il_parse_i64(iter_s, 1000, 10000000, &iter) != 0)
		return false;
	unsigned char salt[64], want[64], got[64];
	int sl = from_hex(salt_s, salt, sizeof salt);
	int hl = from_hex(hash_s, want, sizeof want);
	if (sl < 8 || hl < 16)
		return false;
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sl, (int)iter, EVP_sha256(),
	                      hl, got) != 1)
		return false;
	return CRYPTO_memcmp(got, want, (size_t)hl) == 0;
}

/* Compare digests, so neither the contents nor the length leak by timing. */
bool secret_equal(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)a, strlen(a), da);
	SHA256((const unsigned char *)b, strlen(b), db);
	return CRYPTO_memcmp(da, db, sizeof da) == 0 && strlen(a) == strlen(b);
}
