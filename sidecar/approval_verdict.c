/*
 * approval_verdict.c — the verdict half of the external approval
 * protocol: the rules every verdict message satisfies, its canonical
 * string and HMAC-SHA256 signature, signing (for services and tests), and
 * strict parsing + verification of a verdict body, fail closed. Contracts
 * in approval_proto.h; wire format in docs/approval-protocol.md.
 */
#include "approval_internal.h"
#include "approval_proto.h"
#include "util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *il_verdict_decision_name(il_verdict_decision d)
{
	return d == IL_VERDICT_APPROVE ? "approve" : "deny";
}

/* A reviewer name: 1..1024 bytes of UTF-8 without control characters. */
static bool reviewer_ok(const char *s)
{
	if (!s)
		return false;
	size_t n = strnlen(s, IL_VERDICT_MAX_STR + 1);
	if (n == 0 || n > IL_VERDICT_MAX_STR || !il_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every rule a verdict message must satisfy, signed or parsed. 0 or -1. */
static int msg_check(const il_verdict_msg *m, char *err, size_t errlen)
{
	if (!il_approval_id_valid(m->request_id)) {
		il_set_err(err, errlen, "field 'request_id': must be 1..%d of [A-Za-z0-9_-]", IL_APPROVAL_ID_MAX);
		return -1;
	}
	if (m->decision != IL_VERDICT_APPROVE && m->decision != IL_VERDICT_DENY) {
		il_set_err(err, errlen, "field 'decision': unknown value");
		return -1;
	}
	if (m->nreviewers > IL_VERDICT_MAX_REVIEWERS) {
		il_set_err(err, errlen, "field 'reviewers': more than %d entries", IL_VERDICT_MAX_REVIEWERS);
		return -1;
	}
	if (m->decision == IL_VERDICT_APPROVE && m->nreviewers == 0) {
		il_set_err(err, errlen, "field 'reviewers': an approval must name at least one reviewer");
		return -1;
	}
	for (size_t i = 0; i < m->nreviewers; i++) {
		if (!reviewer_ok(m->reviewers[i])) {
			il_set_err(err, errlen, "field 'reviewers': entry %zu must be 1..%d bytes of UTF-8 "
			           "without control characters", i, IL_VERDICT_MAX_STR);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->reviewers[i], m->reviewers[j]) == 0) {
				il_set_err(err, errlen, "field 'reviewers': duplicate reviewer");
				return -1;
			}
	}
	if (!m->reason || strnlen(m->reason, IL_VERDICT_MAX_STR + 1) > IL_VERDICT_MAX_STR ||
	    !il_utf8_valid(m->reason, strlen(m->reason))) {
		il_set_err(err, errlen, "field 'reason': must be at most %d bytes of UTF-8", IL_VERDICT_MAX_STR);
		return -1;
	}
	if (!il_verdict_nonce_valid(m->nonce)) {
		il_set_err(err, errlen, "field 'nonce': must be %d..%d of [A-Za-z0-9_-]",
		           IL_VERDICT_NONCE_MIN, IL_VERDICT_NONCE_MAX);
		return -1;
	}
	if (m->issued_at_ms < 0 || m->issued_at_ms > IL_JSON_MAX_SAFE_INT ||
	    m->expires_at_ms < 0 || m->expires_at_ms > IL_JSON_MAX_SAFE_INT) {
		il_set_err(err, errlen, "fields 'issued_at'/'expires_at': out of range");
		return -1;
	}
	if (m->expires_at_ms <= m->issued_at_ms) {
		il_set_err(err, errlen, "field 'expires_at': not after issued_at");
		return -1;
	}
	if (m->expires_at_ms - m->issued_at_ms > IL_VERDICT_MAX_TTL_MS) {
		il_set_err(err, errlen, "field 'expires_at': lifetime longer than %lld ms",
		           (long long)IL_VERDICT_MAX_TTL_MS);
		return -1;
	}
	return 0;
}

/* Append "<len>:<bytes>\n" to buf (capacity checked by the caller's sizing). */
static size_t put_field(char *buf, size_t o, const char *s, size_t n)
{
	o += (size_t)sprintf(buf + o, "%zu:", n);
	memcpy(buf + o, s, n);
	o += n;
	buf[o++] = '\n';
	return o;
}

char *il_verdict_canonical(const il_verdict_msg *m, size_t *len_out)
{
	if (!m || msg_check(m, NULL, 0) != 0)
		return NULL;
	const char *sorted[IL_VERDICT_MAX_REVIEWERS] = { 0 };
	for (size_t i = 0; i < m->nreviewers; i++)
		sorted[i] = m->reviewers[i];
	qsort(sorted, m->nreviewers, sizeof sorted[0], cmp_str);

	size_t cap = 64 + strlen(m->request_id) + strlen(m->reason) + strlen(m->nonce) + 9 * 32;
	for (size_t i = 0; i < m->nreviewers; i++)
		cap += strlen(sorted[i]) + 32;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	char num[32];
	size_t o = 0;
	memcpy(buf, "interlock-verdict\n", 18);
	o = 18;
	o = put_field(buf, o, "1", 1);
	o = put_field(buf, o, m->request_id, strlen(m->request_id));
	const char *d = il_verdict_decision_name(m->decision);
	o = put_field(buf, o, d, strlen(d));
	snprintf(num, sizeof num, "%zu", m->nreviewers);
	o = put_field(buf, o, num, strlen(num));
	for (size_t i = 0; i < m->nreviewers; i++)
		o = put_field(buf, o, sorted[i], strlen(sorted[i]));
	o = put_field(buf, o, m->reason, strlen(m->reason));
	snprintf(num, sizeof num, "%lld", (long long)m->issued_at_ms);
	o = put_field(buf, o, num, strlen(num));
	snprintf(num, sizeof num, "%lld", (long long)m->expires_at_ms);
	o = put_field(buf, o, num, strlen(num));
	o = put_field(buf, o, m->nonce, strlen(m->nonce));
	buf[o] = '\0';
	if (len_out)
		*len_out = o;
	return buf;
}

/* Raw 32-byte HMAC-SHA256 of the canonical string. 0 or -1. */
static int verdict_mac(const il_verdict_msg *m, const unsigned char *key, size_t keylen,
                       unsigned char mac[32])
{
	if (!key || keylen == 0 || keylen > 4096)
		return -1;
	size_t n;
	char *canon = il_verdict_canonical(m, &n);
	if (!canon)
		return -1;
	unsigned int maclen = 0;
	unsigned char *r = HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)canon, n,
	                        mac, &maclen);
	OPENSSL_cleanse(canon, n);
	free(canon);
	return (r && maclen == 32) ? 0 : -1;
}

int il_verdict_mac_hex(const il_verdict_msg *m, const unsigned char *key, size_t keylen,
                       char hex[65])
{
	unsigned char mac[32];
	if (verdict_mac(m, key, keylen, mac) != 0)
		return -1;
	il_hex_encode(mac, sizeof mac, hex);
	return 0;
}

char *il_verdict_sign_json(const il_verdict_msg *m, const unsigned char *key, size_t keylen,
                           char *err, size_t errlen)
{
	if (!m || msg_check(m, err, errlen) != 0)
		return NULL;
	char hex[65];
	if (il_verdict_mac_hex(m, key, keylen, hex) != 0) {
		il_set_err(err, errlen, "cannot compute the signature (key empty or too long)");
		return NULL;
	}
	bool oom = false;
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return NULL;
	if (!il_json_add_int(root, "version", IL_APPROVAL_PROTO_VERSION))
		oom = true;
	if (!cJSON_AddStringToObject(root, "request_id", m->request_id) ||
	    !cJSON_AddStringToObject(root, "decision", il_verdict_decision_name(m->decision)))
		oom = true;
	cJSON *revs = cJSON_AddArrayToObject(root, "reviewers");
	if (!revs)
		oom = true;
	for (size_t i = 0; revs && i < m->nreviewers; i++) {
		cJSON *s = cJSON_CreateString(m->reviewers[i]);
		if (!s || !cJSON_AddItemToArray(revs, s)) {
			cJSON_Delete(s);
			oom = true;
		}
	}
	if (!cJSON_AddStringToObject(root, "reason", m->reason))
		oom = true;
	if (!il_json_add_int(root, "issued_at", (long long)m->issued_at_ms) ||
	    !il_json_add_int(root, "expires_at", (long long)m->expires_at_ms))
		oom = true;
	if (!cJSON_AddStringToObject(root, "nonce", m->nonce) ||
	    !cJSON_AddStringToObject(root, "signature", hex))
		oom = true;
	char *out = oom ? NULL : cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!out)
		il_set_err(err, errlen, "out of memory");
	return out;
}

/* --------------------------------------------------- verdict: parsing */

void il_verdict_msg_free(il_verdict_msg *m)
{
	if (!m)
		return;
	free(m->request_id);
	for (size_t i = 0; i < m->nreviewers && i < IL_VERDICT_MAX_REVIEWERS; i++)
		free(m->reviewers[i]);
	free(m->reason);
	memset(m, 0, sizeof *m);
}

/* A JSON number that is an integer in [0, 2^53). */
static bool json_int(const cJSON *it, int64_t *out)
{
	if (!cJSON_IsNumber(it))
		return false;
	double d = it->valuedouble;
	if (!(d >= 0 && d <= (double)IL_JSON_MAX_SAFE_INT) || d != (double)(int64_t)d)
		return false;
	*out = (int64_t)d;
	return true;
}

enum {
	F_VERSION, F_REQUEST_ID, F_DECISION, F_REVIEWERS, F_REASON, F_ISSUED, F_EXPIRES,
	F_NONCE, F_SIGNATURE, F_COUNT
};
static const char *const field_names[F_COUNT] = {
	"version", "request_id", "decision", "reviewers", "reason", "issued_at",
	"expires_at", "nonce", "signature",
};

/* Parse the already-typed fields into *m. 0 or -1 with err. */
static int parse_fields(const cJSON *f[F_COUNT], il_verdict_msg *m, unsigned char sig[32],
                        char *err, size_t errlen)
{
	for (int i = 0; i < F_COUNT; i++)
		if (!f[i]) {
			il_set_err(err, errlen, "missing field '%s'", field_names[i]);
			return -1;
		}
	int64_t version;
	if (!json_int(f[F_VERSION], &version)) {
		il_set_err(err, errlen, "field 'version': expected an integer");
		return -1;
	}
	if (version != IL_APPROVAL_PROTO_VERSION) {
		il_set_err(err, errlen, "field 'version': unsupported protocol version %lld", (long long)version);
		return -1;
	}
	static const int strs[] = { F_REQUEST_ID, F_DECISION, F_REASON, F_NONCE, F_SIGNATURE };
	for (size_t i = 0; i < IL_ARRAY_LEN(strs); i++)
		if (!cJSON_IsString(f[strs[i]]) || !f[strs[i]]->valuestring) {
			il_set_err(err, errlen, "field '%s': expected a string", field_names[strs[i]]);
			return -1;
		}
	if (!cJSON_IsArray(f[F_REVIEWERS])) {
		il_set_err(err, errlen, "field 'reviewers': expected an array of strings");
		return -1;
	}
	if (!json_int(f[F_ISSUED], &m->issued_at_ms) || !json_int(f[F_EXPIRES], &m->expires_at_ms)) {
		il_set_err(err, errlen, "field '%s': expected an integer (Unix milliseconds)",
		           json_int(f[F_ISSUED], &m->issued_at_ms) ? "expires_at" : "issued_at");
		return -1;
	}
	const char *d = f[F_DECISION]->valuestring;
	if (strcmp(d, "approve") == 0)
		m->decision = IL_VERDICT_APPROVE;
	else if (strcmp(d, "deny") == 0)
		m->decision = IL_VERDICT_DENY;
	else {
		il_set_err(err, errlen, "field 'decision': unknown value (want \"approve\" or \"deny\")");
		return -1;
	}
	size_t n = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, f[F_REVIEWERS]) {
		if (n >= IL_VERDICT_MAX_REVIEWERS) {
			il_set_err(err, errlen, "field 'reviewers': more than %d entries", IL_VERDICT_MAX_REVIEWERS);
			return -1;
		}
		if (!cJSON_IsString(r) || !r->valuestring) {
			il_set_err(err, errlen, "field 'reviewers': expected an array of strings");
			return -1;
		}
		if (strlen(r->valuestring) > IL_VERDICT_MAX_STR) {
			il_set_err(err, errlen, "field 'reviewers': entry longer than %d bytes", IL_VERDICT_MAX_STR);
			return -1;
		}
		if (!(m->reviewers[n] = strdup(r->valuestring))) {
			il_set_err(err, errlen, "out of memory");
			return -1;
		}
		m->nreviewers = ++n;
	}
	const char *rid = f[F_REQUEST_ID]->valuestring;
	const char *reason = f[F_REASON]->valuestring;
	const char *nonce = f[F_NONCE]->valuestring;
	if (strlen(rid) > IL_APPROVAL_ID_MAX) {
		il_set_err(err, errlen, "field 'request_id': longer than %d bytes", IL_APPROVAL_ID_MAX);
		return -1;
	}
	if (strlen(reason) > IL_VERDICT_MAX_STR) {
		il_set_err(err, errlen, "field 'reason': longer than %d bytes", IL_VERDICT_MAX_STR);
		return -1;
	}
	if (!il_verdict_nonce_valid(nonce)) {
		il_set_err(err, errlen, "field 'nonce': must be %d..%d of [A-Za-z0-9_-]",
		           IL_VERDICT_NONCE_MIN, IL_VERDICT_NONCE_MAX);
		return -1;
	}
	memcpy(m->nonce, nonce, strlen(nonce) + 1);
	if (!(m->request_id = strdup(rid)) || !(m->reason = strdup(reason))) {
		il_set_err(err, errlen, "out of memory");
		return -1;
	}
	const char *s = f[F_SIGNATURE]->valuestring;
	if (strspn(s, "0123456789abcdef") != 64 || il_hex_decode(s, sig, 32) != 0) {
		il_set_err(err, errlen, "field 'signature': expected 64 lower-case hex digits");
		return -1;
	}
	return 0;
}

int il_verdict_parse_verify(const char *body, size_t len, const char *expected_request_id,
                            const unsigned char *key, size_t keylen, int64_t now_wall_ms,
                            il_verdict_msg *out, char *err, size_t errlen)
{
	il_verdict_msg m;
	memset(&m, 0, sizeof m);
	if (out)
		memset(out, 0, sizeof *out);
	il_set_err(err, errlen, "internal error");
	if (!body || !out || !expected_request_id || !key || keylen == 0) {
		il_set_err(err, errlen, "missing body, request id or key");
		return -1;
	}
	if (len > IL_VERDICT_MAX_BODY) {
		il_set_err(err, errlen, "verdict body larger than %u bytes", IL_VERDICT_MAX_BODY);
		return -1;
	}
	if (memchr(body, '\0', len)) {
		il_set_err(err, errlen, "verdict body contains a NUL byte");
		return -1;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!root) {
		il_set_err(err, errlen, "verdict body is not valid JSON (truncated or malformed)");
		return -1;
	}
	int rc = -1;
	for (const char *p = end; p && p < body + len; p++)
		if (!strchr(" \t\r\n", *p)) {
			il_set_err(err, errlen, "trailing data after the JSON object");
			goto out;
		}
	if (!cJSON_IsObject(root)) {
		il_set_err(err, errlen, "verdict body is not a JSON object");
		goto out;
	}
	const cJSON *f[F_COUNT] = { 0 };
	const cJSON *it;
	cJSON_ArrayForEach(it, root) {
		for (int i = 0; i < F_COUNT; i++) {
			if (!it->string || strcmp(it->string, field_names[i]) != 0)
				continue;
			if (f[i]) {
				il_set_err(err, errlen, "duplicate field '%s'", field_names[i]);
				goto out;
			}
			f[i] = it;
		}
	}
	unsigned char sig[32], mac[32];
	if (parse_fields(f, &m, sig, err, errlen) != 0)
		goto out;
	if (strcmp(m.request_id, expected_request_id) != 0) {
		il_set_err(err, errlen, "request_id mismatch: verdict is for another request");
		goto out;
	}
	if (msg_check(&m, err, errlen) != 0)
		goto out;
	if (verdict_mac(&m, key, keylen, mac) != 0) {
		il_set_err(err, errlen, "cannot compute the signature");
		goto out;
	}
	if (CRYPTO_memcmp(mac, sig, 32) != 0) {
		il_set_err(err, errlen, "signature mismatch: forged or altered verdict");
		goto out;
	}
	if (m.issued_at_ms > now_wall_ms + IL_VERDICT_MAX_SKEW_MS) {
		il_set_err(err, errlen, "verdict issued in the future (clock skew over %lld ms)",
		           (long long)IL_VERDICT_MAX_SKEW_MS);
		goto out;
	}
	if (now_wall_ms >= m.expires_at_ms) {
		il_set_err(err, errlen, "verdict expired");
		goto out;
	}
	*out = m;
	memset(&m, 0, sizeof m);
	if (err && errlen)
		err[0] = '\0';
	rc = 0;
out:
	il_verdict_msg_free(&m);
	cJSON_Delete(root);
	return rc;
}

int il_verdict_accept(const char *body, size_t len, const char *expected_request_id,
                      const unsigned char *key, size_t keylen, int64_t now_wall_ms,
                      il_replay_cache *cache, il_verdict_msg *out, char *err, size_t errlen)
{
	if (il_verdict_parse_verify(body, len, expected_request_id, key, keylen, now_wall_ms,
	                            out, err, errlen) != 0)
		return -1;
	if (il_replay_cache_check_add(cache, out->nonce, out->expires_at_ms, now_wall_ms,
	                              err, errlen) != 0) {
		il_verdict_msg_free(out);
		return -1;
	}
	return 0;
}
