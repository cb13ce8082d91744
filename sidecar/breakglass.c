/*
 * breakglass.c — the break-glass credential (key file + PBKDF2 verifier) and
 * the override window the sidecar opens when it is presented.
 *
 * Key file:      64 lowercase hex digits (32 random bytes) and a newline,
 *                mode 0600 (or 0640 for an operators' group).
 * Verifier file: one JSON object
 *   {"v":1,"kdf":"pbkdf2-hmac-sha256","iterations":N,"salt":"<hex>","verifier":"<hex>"}
 *   where verifier = PBKDF2-HMAC-SHA256(secret bytes, salt bytes, N, 32).
 * docs/break-glass.md describes the whole design and its limits.
 */
#include "breakglass.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define BG_ITERATIONS 100000u
#define BG_MIN_ITERATIONS 10000u
#define BG_MAX_ITERATIONS 10000000u
#define BG_SALT_BYTES 16
#define BG_MAX_SALT 64
#define BG_MAX_RULES 64
#define BG_MAX_RULE_ID 128

struct il_bg_verifier {
	unsigned iterations;
	unsigned char salt[BG_MAX_SALT];
	size_t saltlen;
	unsigned char hash[32];
};

static int random_bytes(unsigned char *b, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static int derive(const unsigned char *secret, const unsigned char *salt, size_t saltlen,
                  unsigned iterations, unsigned char out[32])
{
	return PKCS5_PBKDF2_HMAC((const char *)secret, IL_BG_SECRET_BYTES, salt, (int)saltlen,
	                         (int)iterations, EVP_sha256(), 32, out) == 1 ? 0 : -1;
}

/* Create `path` exclusively with `mode` and write `text` durably. 0 or -1
 * with err; a partially written file is removed. */
static int write_new_file(const char *path, mode_t mode, const char *text, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		il_set_err(err, errlen, "%s: %s", path,
		           errno == EEXIST ? "already exists (refusing to overwrite)" : strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) != 0 || il_write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
		il_set_err(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) != 0) {
		il_set_err(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int il_breakglass_keygen(const char *key_path, const char *verifier_path, char *err, size_t errlen)
{
	struct stat st;
	if (!key_path || !verifier_path) {
		il_set_err(err, errlen, "keygen: both --key and --verifier are required");
		return -1;
	}
	if (lstat(key_path, &st) == 0 || lstat(verifier_path, &st) == 0) {
		il_set_err(err, errlen, "%s: already exists (refusing to overwrite)",
		           lstat(key_path, &st) == 0 ? key_path : verifier_path);
		return -1;
	}
	unsigned char secret[IL_BG_SECRET_BYTES], salt[BG_SALT_BYTES], hash[32];
	char secret_hex[IL_BG_SECRET_HEX + 2], salt_hex[2 * BG_SALT_BYTES + 1], hash_hex[65];
	int rc = -1;
	if (random_bytes(secret, sizeof secret) != 0 || random_bytes(salt, sizeof salt) != 0) {
		il_set_err(err, errlen, "keygen: no randomness: %s", strerror(errno));
		goto out;
	}
	if (derive(secret, salt, sizeof salt, BG_ITERATIONS, hash) != 0) {
		il_set_err(err, errlen, "keygen: PBKDF2 failed");
		goto out;
	}
	il_hex_encode(secret, sizeof secret, secret_hex);
	strcat(secret_hex, "\n");
	il_hex_encode(salt, sizeof salt, salt_hex);
	il_hex_encode(hash, sizeof hash, hash_hex);
	char vtext[256];
	snprintf(vtext, sizeof vtext,
	         "{\"v\":1,\"kdf\":\"pbkdf2-hmac-sha256\",\"iterations\":%u,\"salt\":\"%s\","
	         "\"verifier\":\"%s\"}\n", BG_ITERATIONS, salt_hex, hash_hex);
	if (write_new_file(key_path, 0600, secret_hex, err, errlen) != 0)
		goto out;
	if (write_new_file(verifier_path, 0644, vtext, err, errlen) != 0) {
		unlink(key_path);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(secret_hex, sizeof secret_hex);
	return rc;
}

il_bg_verifier *il_bg_verifier_load(const char *path, char *err, size_t errlen)
{
	cleanup_fd int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		il_set_err(err, errlen, "break-glass verifier %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		il_set_err(err, errlen, "break-glass verifier %s: not a regular file", path);
		return NULL;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		il_set_err(err, errlen, "break-glass verifier %s: writable by group or other (mode %04o); "
		           "anyone who can write it can mint a credential", path,
		           (unsigned)(st.st_mode & 07777));
		return NULL;
	}
	char text[1024];
	ssize_t n;
	do
		n = read(fd, text, sizeof text - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		il_set_err(err, errlen, "break-glass verifier %s: %s", path, strerror(errno));
		return NULL;
	}
	text[n] = '\0';
	cJSON *j = cJSON_Parse(text);
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(j, "v");
	const cJSON *kdf = cJSON_GetObjectItemCaseSensitive(j, "kdf");
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, "iterations");
	const cJSON *salt = cJSON_GetObjectItemCaseSensitive(j, "salt");
	const cJSON *hash = cJSON_GetObjectItemCaseSensitive(j, "verifier");
	il_bg_verifier *v = calloc(1, sizeof *v);
	const char *why = NULL;
	if (!v)
		why = "out of memory";
	else if (!cJSON_IsObject(j) || (size_t)n == sizeof text - 1)
		why = "not a verifier file (expected one JSON object)";
	else if (!cJSON_IsNumber(ver) || ver->valuedouble != 1)
		why = "unsupported format version";
	else if (!cJSON_IsString(kdf) || strcmp(kdf->valuestring, "pbkdf2-hmac-sha256") != 0)
		why = "unsupported kdf (want \"pbkdf2-hmac-sha256\")";
	else if (!cJSON_IsNumber(it) || it->valuedouble < BG_MIN_ITERATIONS ||
	         it->valuedouble > BG_MAX_ITERATIONS ||
	         it->valuedouble != (double)(unsigned)it->valuedouble)
		why = "iterations out of range";
	else if (!cJSON_IsString(salt) || strlen(salt->valuestring) < 16 ||
	         strlen(salt->valuestring) > 2 * BG_MAX_SALT || strlen(salt->valuestring) % 2 ||
	         il_hex_decode(salt->valuestring, v->salt, strlen(salt->valuestring) / 2) != 0)
		why = "bad salt";
	else if (!cJSON_IsString(hash) || il_hex_decode(hash->valuestring, v->hash, 32) != 0)
		why = "bad verifier hash";
	if (why) {
		il_set_err(err, errlen, "break-glass verifier %s: %s", path, why);
		cJSON_Delete(j);
		free(v);
		return NULL;
	}
	v->iterations = (unsigned)it->valuedouble;
	v->saltlen = strlen(salt->valuestring) / 2;
	cJSON_Delete(j);
	return v;
}

void il_bg_verifier_free(il_bg_verifier *v)
{
	if (v)
		OPENSSL_cleanse(v, sizeof *v);
	free(v);
}

int il_bg_verifier_check(const il_bg_verifier *v, const char *secret_hex)
{
	unsigned char secret[IL_BG_SECRET_BYTES], got[32];
	if (!v || il_hex_decode(secret_hex, secret, sizeof secret) != 0)
		return 0;
	int ok = derive(secret, v->salt, v->saltlen, v->iterations, got) == 0 &&
	         CRYPTO_memcmp(got, v->hash, sizeof got) == 0;
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(got, sizeof got);
	return ok ? 1 : 0;
}

int il_breakglass_read_key(const char *key_path, char *secret_hex, size_t n, char *err, size_t errlen)
{
	if (n < IL_BG_SECRET_HEX + 1) {
		il_set_err(err, errlen, "break-glass key: buffer too small");
		return -1;
	}
	cleanup_fd int fd = open(key_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		il_set_err(err, errlen, "break-glass key %s: %s", key_path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		il_set_err(err, errlen, "break-glass key %s: not a regular file", key_path);
		return -1;
	}
	if (st.st_mode & (S_IRWXO | S_IWGRP)) {
		il_set_err(err, errlen, "break-glass key %s: accessible by others or group-writable "
		           "(mode %04o); it must be 0600, or 0640 for an operators' group", key_path,
		           (unsigned)(st.st_mode & 07777));
		return -1;
	}
	char buf[256];
	ssize_t r;
	do
		r = read(fd, buf, sizeof buf - 1);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		il_set_err(err, errlen, "break-glass key %s: %s", key_path, strerror(errno));
		return -1;
	}
	size_t len = (size_t)r;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	int rc = 0;
	if (len != IL_BG_SECRET_HEX) {
		rc = -1;
	} else {
		for (size_t i = 0; i < len; i++) {
			int h = il_hex_value(buf[i]);
			if (h < 0) {
				rc = -1;
				break;
			}
			secret_hex[i] = "0123456789abcdef"[h];
		}
	}
	OPENSSL_cleanse(buf, sizeof buf);
	if (rc != 0) {
		OPENSSL_cleanse(secret_hex, n);
		il_set_err(err, errlen, "break-glass key %s: not a key file (expected %d hex digits)",
		           key_path, IL_BG_SECRET_HEX);
		return -1;
	}
	secret_hex[IL_BG_SECRET_HEX] = '\0';
	return 0;
}

bool il_bg_window_covers(const il_bg_window *w, const il_verdict *v, int64_t now_mono_ms)
{
	if (!w || !v || now_mono_ms >= w->expires_mono_ms)
		return false;
	if (v->decision != IL_APPROVE && v->decision != IL_DENY)
		return false;
	if (!v->break_glass_ok)
		return false;
	/* Belt and braces: the flag must agree with every deciding rule. */
	for (size_t i = 0; i < v->nmatched && i < IL_MAX_MATCHES; i++) {
		const il_rule *r = v->matched[i].rule;
		if (!r || (r->decision != IL_ALLOW && !r->break_glass))
			return false;
	}
	if (w->nrules == 0)
		return true;
	if (!v->primary || !v->primary->id)
		return false;
	for (size_t i = 0; i < w->nrules; i++)
		if (w->rules[i] && strcmp(w->rules[i], v->primary->id) == 0)
			return true;
	return false;
}

void il_bg_window_clear(il_bg_window *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nrules; i++)
		free(w->rules[i]);
	free(w->rules);
	memset(w, 0, sizeof *w);
}

/* Copy the optional "rules" array of req into w. 0 or -1 with err. */
static int copy_rules(il_bg_window *w, const cJSON *rules, char *err, size_t errlen)
{
	if (!rules || cJSON_IsNull(rules))
		return 0;
	if (!cJSON_IsArray(rules)) {
		il_set_err(err, errlen, "\"rules\" must be an array of rule ids");
		return -1;
	}
	int n = cJSON_GetArraySize(rules);
	if (n > BG_MAX_RULES) {
		il_set_err(err, errlen, "too many rules (at most %d)", BG_MAX_RULES);
		return -1;
	}
	if (n == 0)
		return 0;
	w->rules = calloc((size_t)n, sizeof *w->rules);
	if (!w->rules) {
		il_set_err(err, errlen, "out of memory");
		return -1;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, rules) {
		if (!cJSON_IsString(it) || !it->valuestring[0] ||
		    strlen(it->valuestring) > BG_MAX_RULE_ID) {
			il_set_err(err, errlen, "\"rules\" entries must be rule ids of 1..%d bytes",
			           BG_MAX_RULE_ID);
			return -1;
		}
		if (!(w->rules[w->nrules] = strdup(it->valuestring))) {
			il_set_err(err, errlen, "out of memory");
			return -1;
		}
		w->nrules++;
	}
	return 0;
}

int il_bg_window_open(il_bg_window *out, const il_bg_verifier *v, const cJSON *req,
                      int64_t max_ms, const char *who, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (max_ms <= 0)
		max_ms = IL_BG_DEFAULT_MAX_MS;
	char b1[32], b2[32];
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op");
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(req, "reason");
	const cJSON *for_ms = cJSON_GetObjectItemCaseSensitive(req, "for_ms");
	const cJSON *secret = cJSON_GetObjectItemCaseSensitive(req, "secret");
	if (!v) {
		il_set_err(err, errlen, "break-glass is not configured on this sidecar (no verifier)");
		return -1;
	}
	if (!cJSON_IsObject(req) || !cJSON_IsString(op) || strcmp(op->valuestring, "break_glass") != 0) {
		il_set_err(err, errlen, "not a break_glass request");
		return -1;
	}
	if (!cJSON_IsString(reason) || !reason->valuestring[0] ||
	    strlen(reason->valuestring) >= sizeof out->reason) {
		il_set_err(err, errlen, "a reason of 1..%zu bytes is required", sizeof out->reason - 1);
		return -1;
	}
	if (!cJSON_IsNumber(for_ms) || for_ms->valuedouble < 1 ||
	    for_ms->valuedouble != (double)(int64_t)for_ms->valuedouble) {
		il_set_err(err, errlen, "\"for_ms\" must be a positive whole number of milliseconds");
		return -1;
	}
	if (for_ms->valuedouble > (double)max_ms) {
		il_set_err(err, errlen, "requested window %s exceeds this sidecar's maximum %s",
		           il_format_duration((int64_t)for_ms->valuedouble, b1, sizeof b1),
		           il_format_duration(max_ms, b2, sizeof b2));
		return -1;
	}
	if (!cJSON_IsString(secret) || il_bg_verifier_check(v, secret->valuestring) != 1) {
		il_set_err(err, errlen, "invalid break-glass credential");
		return -1;
	}
	if (copy_rules(out, cJSON_GetObjectItemCaseSensitive(req, "rules"), err, errlen) != 0) {
		il_bg_window_clear(out);
		return -1;
	}
	unsigned char id[16];
	if (random_bytes(id, sizeof id) != 0) {
		il_set_err(err, errlen, "no randomness: %s", strerror(errno));
		il_bg_window_clear(out);
		return -1;
	}
	memcpy(out->id, "bg-", 3);
	il_hex_encode(id, sizeof id, out->id + 3);
	snprintf(out->reason, sizeof out->reason, "%s", reason->valuestring);
	snprintf(out->opened_by, sizeof out->opened_by, "%s", who ? who : "unknown");
	int64_t dur = (int64_t)for_ms->valuedouble;
	out->opened_wall_ms = il_now_wall_ms();
	out->expires_wall_ms = out->opened_wall_ms + dur;
	out->expires_mono_ms = il_now_mono_ms() + dur;
	return 0;
}

int il_bg_window_check_rules(const il_bg_window *w, const il_policy *p, char *err, size_t errlen)
{
	for (size_t i = 0; i < w->nrules; i++) {
		const il_rule *r = il_policy_find_rule(p, w->rules[i]);
		if (!r) {
			il_set_err(err, errlen, "no rule '%s' in the loaded policy", w->rules[i]);
			return -1;
		}
		if (!r->break_glass) {
			il_set_err(err, errlen, "rule '%s' has break_glass = false: break-glass cannot "
			           "override it", w->rules[i]);
			return -1;
		}
	}
	return 0;
}

cJSON *il_bg_window_json(const il_bg_window *w)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *rules = cJSON_CreateArray();
	if (!o || !rules) {
		cJSON_Delete(o);
		cJSON_Delete(rules);
		return NULL;
	}
	cJSON_AddStringToObject(o, "override_id", w->id);
	cJSON_AddStringToObject(o, "reason", w->reason);
	cJSON_AddNumberToObject(o, "opened_wall_ms", (double)w->opened_wall_ms);
	cJSON_AddNumberToObject(o, "expires_wall_ms", (double)w->expires_wall_ms);
	for (size_t i = 0; i < w->nrules; i++)
		cJSON_AddItemToArray(rules, cJSON_CreateString(w->rules[i]));
	cJSON_AddItemToObject(o, "rules", rules);
	cJSON_AddStringToObject(o, "opened_by", w->opened_by);
	return o;
}
