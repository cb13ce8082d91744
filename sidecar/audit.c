/*
 * audit.c — the hash-chained JSON Lines audit log: open (continuing an
 * existing chain), append (one write(2) + fsync per record), verify.
 *
 * Line format (docs/audit.md): the writer prints the record *body*, a JSON
 * object holding every field except "hash", with cJSON_PrintUnformatted in a
 * fixed member order, the last member being "prev". The hash is
 *     hex(SHA-256(prev_hex || body))
 * and the line written is the body with its closing '}' replaced by
 *     ,"hash":"<64 lowercase hex>"}\n
 * so a verifier recovers the body by byte surgery alone — it never has to
 * re-serialise JSON the way this writer does.
 */
#include "audit.h"
#include "utf8.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define HASH_PREFIX ",\"hash\":\""
#define HASH_SUFFIX_LEN (sizeof(HASH_PREFIX) - 1 + 64 + 2) /* ,"hash":"<64>"} */

/* Bounds on what one record may hold, so a line stays far below
 * IL_AUDIT_MAX_LINE whatever the agent passes. */
#define MAX_STR 4096           /* bytes of any one string field */
#define MAX_ARGV_BYTES 65536   /* total bytes of argv kept */
#define MAX_ARGV 1024          /* argv entries kept */

struct il_audit {
	pthread_mutex_t mu;
	int fd;
	char *path;
	uint64_t seq;          /* seq of the last record in the file */
	char last_hash[65];
	off_t size;            /* file size after the last good record */
	bool broken;           /* a failed write could not be undone */
};

/* ---- hashing ---------------------------------------------------------- */

/* hex(SHA-256(prev || body)) into out[65]. 0 ok, -1 when OpenSSL fails. */
static int chain_hash(const char *prev, const char *body, size_t body_len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(ctx, prev, 64) == 1 &&
	         EVP_DigestUpdate(ctx, body, body_len) == 1 &&
	         EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	il_hex_encode(md, 32, out);
	return 0;
}

static bool is_hex64(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ---- record building -------------------------------------------------- */

/* A copy of s that is valid UTF-8 (invalid bytes become U+FFFD) and at most
 * about `max` bytes long ("…[truncated]" marks a cut). NULL on OOM. */
static char *clean_str(const char *s, size_t max)
{
	static const char cut[] = "...[truncated]";
	size_t len = strlen(s);
	size_t cap = (len < max ? len : max) * 3 + sizeof(cut);
	char *o = malloc(cap);
	if (!o)
		return NULL;
	size_t j = 0, i = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (i < len) {
		if (j >= max) {
			memcpy(o + j, cut, sizeof(cut));
			return o;
		}
		size_t n = il_utf8_seq_len(p + i, len - i);
		if (n == 0) {
			memcpy(o + j, "\xEF\xBF\xBD", 3);
			j += 3;
			i++;
		} else {
			memcpy(o + j, p + i, n);
			j += n;
			i += n;
		}
	}
	o[j] = '\0';
	return o;
}

/* Builder helpers: each adds one member (null for a NULL string) and
 * clears *ok when cJSON could not allocate. */
static void add_str(cJSON *o, const char *k, const char *v, bool *ok)
{
	if (!v) {
		if (!cJSON_AddNullToObject(o, k))
			*ok = false;
		return;
	}
	char *c = clean_str(v, MAX_STR);
	if (!c || !cJSON_AddStringToObject(o, k, c))
		*ok = false;
	free(c);
}

static void add_num(cJSON *o, const char *k, double v, bool *ok)
{
	if (!cJSON_AddNumberToObject(o, k, v))
		*ok = false;
}

static void add_bool(cJSON *o, const char *k, bool v, bool *ok)
{
	if (!cJSON_AddBoolToObject(o, k, v))
		*ok = false;
}

static void add_item(cJSON *o, const char *k, cJSON *item, bool *ok)
{
	if (!item || !cJSON_AddItemToObject(o, k, item)) {
		cJSON_Delete(item);
		*ok = false;
	}
}

static const char *del_op_name(il_delete_op op)
{
	switch (op) {
	case IL_DEL_UNLINK: return "unlink";
	case IL_DEL_RMDIR: return "rmdir";
	case IL_DEL_RENAME_OVER: return "rename_over";
	}
	return "unknown";
}

static const char *risk_name(il_risk r)
{
	switch (r) {
	case IL_RISK_NONE: return "none";
	case IL_RISK_LOW: return "low";
	case IL_RISK_MEDIUM: return "medium";
	case IL_RISK_HIGH: return "high";
	case IL_RISK_CRITICAL: return "critical";
	}
	return "unknown";
}

static const char *decision_name(il_decision d)
{
	switch (d) {
	case IL_ALLOW: return "allow";
	case IL_APPROVE: return "approve";
	case IL_DENY: return "deny";
	}
	return "unknown";
}

/* The "action" member: kind plus the fields of that kind. HTTP headers are
 * deliberately not logged (they carry credentials). */
static cJSON *action_json(const il_action *a, bool *ok)
{
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		*ok = false;
		return NULL;
	}
	add_str(o, "kind", il_kind_name(a->kind), ok);
	switch (a->kind) {
	case IL_KIND_EXEC: {
		add_str(o, "program", a->program, ok);
		cJSON *argv = cJSON_CreateArray();
		size_t bytes = 0, i;
		for (i = 0; argv && a->argv && i < a->argc && i < MAX_ARGV; i++) {
			const char *s = a->argv[i] ? a->argv[i] : "";
			size_t l = strlen(s);
			if (bytes + l > MAX_ARGV_BYTES)
				break;
			bytes += l;
			char *c = clean_str(s, MAX_STR);
			cJSON *it = c ? cJSON_CreateString(c) : NULL;
			free(c);
			if (!it || !cJSON_AddItemToArray(argv, it)) {
				cJSON_Delete(it);
				*ok = false;
				break;
			}
		}
		add_item(o, "argv", argv, ok);
		if (a->argv && i < a->argc)
			add_num(o, "argc", (double)a->argc, ok);
		break;
	}
	case IL_KIND_DELETE:
		add_str(o, "path", a->path, ok);
		add_bool(o, "is_dir", a->is_dir, ok);
		add_str(o, "op", del_op_name(a->del_op), ok);
		if (a->del_op == IL_DEL_RENAME_OVER)
			add_str(o, "rename_from", a->rename_from, ok);
		break;
	case IL_KIND_CONNECT:
		add_str(o, "host", a->host, ok);
		add_str(o, "addr", a->addr, ok);
		add_num(o, "port", a->port, ok);
		add_str(o, "proto", a->udp ? "udp" : "tcp", ok);
		break;
	case IL_KIND_HTTP:
		add_str(o, "method", a->method, ok);
		add_str(o, "url", a->url, ok);
		add_str(o, "host", a->host, ok);
		add_str(o, "addr", a->addr, ok);
		add_num(o, "port", a->port, ok);
		add_bool(o, "url_visible", a->url_visible, ok);
		if (a->body_len >= 0)
			add_num(o, "body_len", (double)a->body_len, ok);
		break;
	case IL_KIND_NONE:
		break;
	}
	return o;
}

/* RFC 3339 UTC with milliseconds: 2026-11-21T09:07:32.123Z */
static void format_ts(int64_t wall_ms, char buf[32])
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03dZ", (int)(wall_ms % 1000));
}

/* The record body (everything but "hash") as a malloc'd string, members in
 * the documented order. NULL on OOM. */
static char *build_body(const il_audit_record *r, uint64_t seq, const char *prev)
{
	bool ok = true;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	const il_action *a = r->action;
	const il_verdict *v = r->verdict;
	char ts[32];
	format_ts(il_now_wall_ms(), ts);

	add_num(o, "v", IL_AUDIT_FORMAT_VERSION, &ok);
	add_num(o, "seq", (double)seq, &ok);
	add_str(o, "ts", ts, &ok);
	add_str(o, "event", r->event ? r->event : "decision", &ok);
	add_str(o, "request_id", r->request_id, &ok);
	add_str(o, "session", a && a->session ? a->session : r->session, &ok);
	add_str(o, "agent_id", a && a->agent_id ? a->agent_id : r->agent_id, &ok);
	if (a) {
		add_num(o, "pid", a->pid, &ok);
		add_num(o, "ppid", a->ppid, &ok);
		add_num(o, "uid", a->uid, &ok);
	} else {
		add_str(o, "pid", NULL, &ok);
		add_str(o, "ppid", NULL, &ok);
		add_str(o, "uid", NULL, &ok);
	}
	add_str(o, "cwd", a ? a->cwd : NULL, &ok);
	add_str(o, "program", a && a->kind == IL_KIND_EXEC ? a->program : NULL, &ok);
	if (a)
		add_item(o, "action", action_json(a, &ok), &ok);
	else
		add_str(o, "action", NULL, &ok);
	if (v) {
		cJSON *rules = cJSON_CreateArray();
		for (size_t i = 0; rules && i < v->nmatched && i < IL_MAX_MATCHES; i++) {
			const il_rule *ru = v->matched[i].rule;
			char *c = ru && ru->id ? clean_str(ru->id, 256) : NULL;
			cJSON *it = c ? cJSON_CreateString(c) : NULL;
			free(c);
			if (!it || !cJSON_AddItemToArray(rules, it)) {
				cJSON_Delete(it);
				ok = false;
			}
		}
		add_item(o, "rules", rules, &ok);
		add_str(o, "rule", v->primary ? v->primary->id : NULL, &ok);
		add_str(o, "risk", risk_name(v->risk), &ok);
		add_str(o, "policy_decision", decision_name(v->decision), &ok);
	} else {
		add_item(o, "rules", cJSON_CreateArray(), &ok);
		add_str(o, "rule", NULL, &ok);
		add_str(o, "risk", NULL, &ok);
		add_str(o, "policy_decision", NULL, &ok);
	}
	add_str(o, "policy_version", r->policy_version, &ok);
	add_str(o, "decision", r->decision, &ok);
	add_str(o, "decided_by", r->decided_by, &ok);
	add_str(o, "reviewer", r->reviewer, &ok);
	add_str(o, "reason", r->reason, &ok);
	if (r->latency_ms >= 0)
		add_num(o, "latency_ms", (double)r->latency_ms, &ok);
	else
		add_str(o, "latency_ms", NULL, &ok);
	add_str(o, "override_id", r->override_id, &ok);
	add_str(o, "detail", r->detail, &ok);
	add_str(o, "prev", prev, &ok);

	char *body = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return body;
}

/* ---- one line: parse and check its own hash --------------------------- */

typedef struct {
	uint64_t seq;
	char prev[65];
	char hash[65];
} line_info;

/* Check one complete line (without its '\n'): the hash suffix is in place,
 * the body parses as a JSON object of format version 1 with an integral
 * seq >= 1 and a hex prev, and the stated hash matches the body. 0 ok, -1
 * with the reason in why. */
static int check_line(const char *line, size_t len, line_info *li, char *why, size_t n)
{
	if (len == 0) {
		il_set_err(why, n, "empty line");
		return -1;
	}
	if (memchr(line, '\0', len)) {
		il_set_err(why, n, "NUL byte in record");
		return -1;
	}
	size_t pre = sizeof(HASH_PREFIX) - 1;
	if (len < HASH_SUFFIX_LEN + 2 || line[len - 1] != '}' || line[len - 2] != '"' ||
	    memcmp(line + len - HASH_SUFFIX_LEN, HASH_PREFIX, pre) != 0 ||
	    !is_hex64(line + len - HASH_SUFFIX_LEN + pre, 64)) {
		cJSON *j = cJSON_ParseWithLength(line, len);
		il_set_err(why, n, j ? "record does not end with its \"hash\" member"
		                     : "not a valid JSON record");
		cJSON_Delete(j);
		return -1;
	}
	memcpy(li->hash, line + len - HASH_SUFFIX_LEN + pre, 64);
	li->hash[64] = '\0';

	size_t blen = len - HASH_SUFFIX_LEN + 1;
	char *body = malloc(blen + 1);
	if (!body) {
		il_set_err(why, n, "out of memory");
		return -1;
	}
	memcpy(body, line, blen - 1);
	body[blen - 1] = '}';
	body[blen] = '\0';

	int rc = -1;
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(body, &end, 1);
	cJSON *v = j ? cJSON_GetObjectItemCaseSensitive(j, "v") : NULL;
	cJSON *seq = j ? cJSON_GetObjectItemCaseSensitive(j, "seq") : NULL;
	cJSON *prev = j ? cJSON_GetObjectItemCaseSensitive(j, "prev") : NULL;
	char calc[65];
	if (!cJSON_IsObject(j)) {
		il_set_err(why, n, "not a valid JSON record");
	} else if (cJSON_GetObjectItem(j, "hash")) {
		il_set_err(why, n, "more than one \"hash\" member");
	} else if (!cJSON_IsNumber(v) || v->valuedouble != IL_AUDIT_FORMAT_VERSION) {
		il_set_err(why, n, "unsupported record format version (want \"v\":%d)",
		           IL_AUDIT_FORMAT_VERSION);
	} else if (!cJSON_IsNumber(seq) || !(seq->valuedouble >= 1 && seq->valuedouble <= 9007199254740992.0) ||
	           seq->valuedouble != (double)(uint64_t)seq->valuedouble) {
		il_set_err(why, n, "missing or invalid \"seq\"");
	} else if (!cJSON_IsString(prev) || !is_hex64(prev->valuestring, strlen(prev->valuestring))) {
		il_set_err(why, n, "missing or invalid \"prev\"");
	} else if (chain_hash(prev->valuestring, body, blen, calc) != 0) {
		il_set_err(why, n, "SHA-256 unavailable");
	} else if (strcmp(calc, li->hash) != 0) {
		il_set_err(why, n, "hash mismatch: the record was edited");
	} else {
		li->seq = (uint64_t)seq->valuedouble;
		memcpy(li->prev, prev->valuestring, 65);
		rc = 0;
	}
	cJSON_Delete(j);
	free(body);
	return rc;
}

/* ---- open / append / close -------------------------------------------- */

/* Find and check the last record of the open log fd (size bytes). Sets
 * seq/hash; 0 or -1 with err. */
static int load_tail(il_audit *a, char *err, size_t errlen)
{
	size_t want = a->size > (off_t)(IL_AUDIT_MAX_LINE + 1) ? IL_AUDIT_MAX_LINE + 1 : (size_t)a->size;
	off_t from = a->size - (off_t)want;
	cleanup_free char *buf = malloc(want);
	if (!buf) {
		il_set_err(err, errlen, "audit log %s: out of memory", a->path);
		return -1;
	}
	size_t got = 0;
	while (got < want) {
		ssize_t r = pread(a->fd, buf + got, want - got, from + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			il_set_err(err, errlen, "audit log %s: read: %s", a->path,
			           r < 0 ? strerror(errno) : "unexpected end of file");
			return -1;
		}
		got += (size_t)r;
	}
	if (buf[want - 1] != '\n') {
		il_set_err(err, errlen,
		           "audit log %s: the last record is incomplete (no trailing newline): the log was "
		           "truncated or a write was interrupted; run 'interlock audit verify %s', keep the "
		           "file as evidence and start a new log elsewhere", a->path, a->path);
		return -1;
	}
	size_t end = want - 1, start = end;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	if (start == 0 && from > 0) {
		il_set_err(err, errlen, "audit log %s: the last record is longer than %d bytes", a->path,
		           IL_AUDIT_MAX_LINE);
		return -1;
	}
	line_info li;
	char why[256];
	if (check_line(buf + start, end - start, &li, why, sizeof why) != 0) {
		il_set_err(err, errlen,
		           "audit log %s: the last record is damaged (%s); refusing to continue the chain — "
		           "run 'interlock audit verify %s'", a->path, why, a->path);
		return -1;
	}
	a->seq = li.seq;
	memcpy(a->last_hash, li.hash, 65);
	return 0;
}

/* fsync the directory holding path, so a newly created log survives a crash. */
static void sync_parent_dir(const char *path)
{
	cleanup_free char *dir = strdup(path);
	if (!dir)
		return;
	char *slash = strrchr(dir, '/');
	const char *d = ".";
	if (slash) {
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		d = dir;
	}
	cleanup_fd int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
	/* cppcheck-suppress memleak ; dir is cleanup_free (freed on scope exit) */
}

il_audit *il_audit_open(const char *path, char *err, size_t errlen)
{
	if (!path || !*path) {
		il_set_err(err, errlen, "audit log: empty path");
		return NULL;
	}
	int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
	bool created = false;
	cleanup_fd int fd = open(path, flags);
	if (fd < 0 && errno == ENOENT) {
		fd = open(path, flags | O_CREAT | O_EXCL, 0600);
		created = fd >= 0;
		if (fd < 0 && errno == EEXIST)
			fd = open(path, flags);
	}
	if (fd < 0) {
		il_set_err(err, errlen, "audit log %s: %s", path,
		           errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		il_set_err(err, errlen, "audit log %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		il_set_err(err, errlen, "audit log %s: not a regular file", path);
		return NULL;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		il_set_err(err, errlen, "audit log %s: writable by group or other (mode %04o); "
		           "fix with chmod 600", path, (unsigned)(st.st_mode & 07777));
		return NULL;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		il_set_err(err, errlen, "audit log %s: %s", path,
		           errno == EWOULDBLOCK ? "already in use by another interlock process"
		           : strerror(errno));
		return NULL;
	}
	il_audit *a = calloc(1, sizeof *a);
	if (!a || !(a->path = strdup(path))) {
		free(a);
		il_set_err(err, errlen, "audit log %s: out of memory", path);
		return NULL;
	}
	a->fd = fd;
	a->size = st.st_size;
	memcpy(a->last_hash, ZERO_HASH, 65);
	if (a->size > 0 && load_tail(a, err, errlen) != 0) {
		free(a->path);
		free(a);
		return NULL;
	}
	if (created)
		sync_parent_dir(path);
	pthread_mutex_init(&a->mu, NULL);
	steal_fd(&fd);
	return a;
}

/* Undo a failed append: cut the file back to the last good record. If that
 * fails the log is marked broken (every later append fails). */
static void rollback(il_audit *a)
{
	if (ftruncate(a->fd, a->size) != 0 || fsync(a->fd) != 0)
		a->broken = true;
}

int il_audit_append(il_audit *a, const il_audit_record *r, char *err, size_t errlen)
{
	if (!a || !r) {
		il_set_err(err, errlen, "audit log: no log or record");
		return -1;
	}
	pthread_mutex_lock(&a->mu);
	int rc = -1;
	char *body = NULL, *line = NULL;
	if (a->broken) {
		il_set_err(err, errlen, "audit log %s: unusable since an earlier write failed and could not "
		           "be undone", a->path);
		goto out;
	}
	body = build_body(r, a->seq + 1, a->last_hash);
	if (!body) {
		il_set_err(err, errlen, "audit log %s: out of memory building a record", a->path);
		goto out;
	}
	size_t blen = strlen(body);
	char hash[65];
	if (blen < 2 || body[blen - 1] != '}' || chain_hash(a->last_hash, body, blen, hash) != 0) {
		il_set_err(err, errlen, "audit log %s: cannot hash the record", a->path);
		goto out;
	}
	size_t len = blen - 1 + HASH_SUFFIX_LEN + 1;
	if (len > IL_AUDIT_MAX_LINE) {
		il_set_err(err, errlen, "audit log %s: record too large (%zu bytes)", a->path, len);
		goto out;
	}
	line = malloc(len + 1);
	if (!line) {
		il_set_err(err, errlen, "audit log %s: out of memory", a->path);
		goto out;
	}
	snprintf(line, len + 1, "%.*s" HASH_PREFIX "%s\"}\n", (int)(blen - 1), body, hash);

	ssize_t w;
	do
		w = write(a->fd, line, len);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != len) {
		int e = w < 0 ? errno : ENOSPC;
		rollback(a);
		il_set_err(err, errlen, "audit log %s: %s%s", a->path, strerror(e),
		           w >= 0 ? " (short write)" : "");
		goto out;
	}
	if (fsync(a->fd) != 0) {
		int e = errno;
		rollback(a);
		il_set_err(err, errlen, "audit log %s: fsync: %s", a->path, strerror(e));
		goto out;
	}
	a->size += (off_t)len;
	a->seq++;
	memcpy(a->last_hash, hash, 65);
	rc = 0;
out:
	pthread_mutex_unlock(&a->mu);
	free(body);
	free(line);
	return rc;
}

uint64_t il_audit_seq(il_audit *a)
{
	pthread_mutex_lock(&a->mu);
	uint64_t s = a->seq;
	pthread_mutex_unlock(&a->mu);
	return s;
}

void il_audit_last_hash(il_audit *a, char buf[65])
{
	pthread_mutex_lock(&a->mu);
	memcpy(buf, a->last_hash, 65);
	pthread_mutex_unlock(&a->mu);
}

void il_audit_test_set_fd(il_audit *a, int fd)
{
	pthread_mutex_lock(&a->mu);
	close(a->fd);
	a->fd = fd;
	pthread_mutex_unlock(&a->mu);
}

void il_audit_close(il_audit *a)
{
	if (!a)
		return;
	close(a->fd);
	pthread_mutex_destroy(&a->mu);
	free(a->path);
	free(a);
}

/* ---- reading lines and verifying -------------------------------------- */

int il_audit_next_line(FILE *f, char **buf, size_t *cap, size_t *len, bool *nl)
{
	size_t n = 0;
	int c;
	*nl = false;
	while ((c = getc_unlocked(f)) != EOF) {
		if (n + 2 > *cap) {
			if (*cap >= (size_t)IL_AUDIT_MAX_LINE + 2)
				return -1;
			size_t nc = *cap ? *cap * 2 : 4096;
			if (nc > (size_t)IL_AUDIT_MAX_LINE + 2)
				nc = (size_t)IL_AUDIT_MAX_LINE + 2;
			char *nb = realloc(*buf, nc);
			if (!nb)
				return -1;
			*buf = nb;
			*cap = nc;
		}
		if (c == '\n') {
			*nl = true;
			break;
		}
		(*buf)[n++] = (char)c;
	}
	if (n == 0 && !*nl) {
		if (ferror(f))
			return -1;
		return 0;
	}
	(*buf)[n] = '\0';
	*len = n;
	return 1;
}

int il_audit_verify(const char *path, FILE *out)
{
	cleanup_file FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(out, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	char *buf = NULL;
	size_t cap = 0, len = 0;
	bool nl;
	uint64_t lineno = 0, expect_seq = 1;
	char prev_hash[65] = ZERO_HASH;
	int rc = 0, r;
	while ((r = il_audit_next_line(f, &buf, &cap, &len, &nl)) > 0) {
		lineno++;
		line_info li;
		char why[256];
		if (!nl) {
			fprintf(out, "%s:%" PRIu64 ": truncated record (partial last line without newline)\n",
			        path, lineno);
			rc = 1;
			break;
		}
		if (check_line(buf, len, &li, why, sizeof why) != 0) {
			fprintf(out, "%s:%" PRIu64 ": %s\n", path, lineno, why);
			rc = 1;
			break;
		}
		if (li.seq != expect_seq) {
			if (lineno == 1)
				fprintf(out, "%s:1: first record has seq %" PRIu64 ", not 1: the head of the "
				        "log was deleted\n", path, li.seq);
			else
				fprintf(out, "%s:%" PRIu64 ": seq %" PRIu64 " where %" PRIu64 " was expected: "
				        "a record was dropped, inserted or reordered\n", path, lineno, li.seq,
				        expect_seq);
			rc = 1;
			break;
		}
		if (strcmp(li.prev, prev_hash) != 0) {
			fprintf(out, "%s:%" PRIu64 ": \"prev\" does not match the previous record's hash: "
			        "%s\n", path, lineno,
			        lineno == 1 ? "the head of the log was replaced"
			                    : "a record was dropped or replaced");
			rc = 1;
			break;
		}
		memcpy(prev_hash, li.hash, 65);
		expect_seq++;
	}
	if (r < 0 && rc == 0) {
		fprintf(out, "%s:%" PRIu64 ": %s\n", path, lineno + 1,
		        ferror(f) ? "read error" : "line too long or out of memory");
		rc = 1;
	}
	free(buf);
	if (rc == 0)
		fprintf(out, "audit: %" PRIu64 " records verified, chain intact\n", lineno);
	return rc;
}
