/*
 * approval_proto.c — the external approval protocol's message layer: the
 * create-request body, the verdict's canonical string and HMAC, strict
 * verdict parsing/verification, and the nonce replay cache. See
 * approval_proto.h for the contracts and docs/approval-protocol.md for the
 * wire format.
 */
#include "approval_proto.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SAFE_INT 9007199254740991LL   /* 2^53 - 1: exact in a JSON double */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *il_verdict_decision_name(il_verdict_decision d)
{
	return d == IL_VERDICT_APPROVE ? "approve" : "deny";
}

static const char *risk_name(il_risk r)
{
	static const char *const names[] = { "none", "low", "medium", "high", "critical" };
	return (unsigned)r < IL_ARRAY_LEN(names) ? names[r] : "none";
}

static const char *decision_name(il_decision d)
{
	switch (d) {
	case IL_ALLOW: return "allow";
	case IL_APPROVE: return "approve";
	case IL_DENY: return "deny";
	}
	return "deny";
}

/* ---------------------------------------------------------------- UTF-8 */

/*
 * Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 when the bytes
 * there are not a valid, shortest-form encoding of a Unicode scalar value.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned cp, min;
	if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
	else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
	else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
	else return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

bool il_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

/*
 * A copy of s that is valid UTF-8 of at most `max` bytes: invalid bytes
 * become U+FFFD (*lossy set), and the string is cut at a character
 * boundary (*truncated set). NULL on OOM.
 */
static char *utf8_clean(const char *s, size_t max, bool *lossy, bool *truncated)
{
	size_t n = strlen(s);
	char *out = malloc((n < max ? n : max) * 3 + 4);
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i);
		size_t w = l ? l : 3;
		if (o + w > max) {
			*truncated = true;
			break;
		}
		if (l) {
			memcpy(out + o, p + i, l);
			i += l;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			*lossy = true;
			i++;
		}
		o += w;
	}
	out[o] = '\0';
	return out;
}

/* ------------------------------------------------------- request builder */

typedef struct {
	bool lossy, truncated, oom;
} build_state;

static void add_clean(cJSON *obj, const char *key, const char *s, build_state *st)
{
	if (!s)
		return;
	char *c = utf8_clean(s, IL_REQUEST_MAX_STR, &st->lossy, &st->truncated);
	if (!c || !cJSON_AddStringToObject(obj, key, c))
		st->oom = true;
	free(c);
}

static void add_clean_item(cJSON *arr, const char *s, build_state *st)
{
	char *c = utf8_clean(s ? s : "", IL_REQUEST_MAX_STR, &st->lossy, &st->truncated);
	cJSON *item = c ? cJSON_CreateString(c) : NULL;
	if (!item || !cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		st->oom = true;
	}
	free(c);
}

static void add_int(cJSON *obj, const char *key, long long v, build_state *st)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	if (!cJSON_AddRawToObject(obj, key, buf))
		st->oom = true;
}

static void add_bool(cJSON *obj, const char *key, bool v, build_state *st)
{
	if (!cJSON_AddBoolToObject(obj, key, v))
		st->oom = true;
}

/* Header names whose values are credentials and never leave the machine. */
static bool header_is_sensitive(const char *name, size_t n)
{
	static const char *const exact[] = {
		"authorization", "proxy-authorization", "cookie", "set-cookie",
	};
	static const char *const parts[] = { "token", "secret", "api-key", "apikey",
		"password", "session", "signature", "credential" };
	for (size_t i = 0; i < IL_ARRAY_LEN(exact); i++)
		if (strlen(exact[i]) == n && strncasecmp(name, exact[i], n) == 0)
			return true;
	for (size_t i = 0; i < IL_ARRAY_LEN(parts); i++) {
		size_t pl = strlen(parts[i]);
		for (size_t j = 0; j + pl <= n; j++)
			if (strncasecmp(name + j, parts[i], pl) == 0)
				return true;
	}
	return false;
}

/* Append s to a bounded summary buffer, shell-quoting it when needed. */
static void summary_word(char *buf, size_t cap, size_t *len, const char *s, bool first)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+%@", *p))
			plain = false;
	size_t need = strlen(s) * 4 + 4;
	if (*len + need >= cap)
		return;
	if (!first)
		buf[(*len)++] = ' ';
	if (plain) {
		memcpy(buf + *len, s, strlen(s));
		*len += strlen(s);
	} else {
		buf[(*len)++] = '\'';
		for (const char *p = s; *p; p++) {
			if (*p == '\'') {
				memcpy(buf + *len, "'\\''", 4);
				*len += 4;
			} else {
				buf[(*len)++] = *p;
			}
		}
		buf[(*len)++] = '\'';
	}
	buf[*len] = '\0';
}

/* One line a reviewer (or a chat message) can show: "rm -rf /srv/data". */
static void action_summary(const il_action *a, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	switch (a->kind) {
	case IL_KIND_EXEC:
		if (a->argc == 0 && a->program)
			summary_word(buf, cap, &len, a->program, true);
		for (size_t i = 0; i < a->argc && a->argv; i++)
			summary_word(buf, cap, &len, a->argv[i] ? a->argv[i] : "", i == 0);
		break;
	case IL_KIND_DELETE:
		snprintf(buf, cap, "%s %s%s%s",
		         a->del_op == IL_DEL_RMDIR ? "rmdir" :
		         a->del_op == IL_DEL_RENAME_OVER ? "rename over" : "unlink",
		         a->path ? a->path : "?",
		         a->del_op == IL_DEL_RENAME_OVER && a->rename_from ? " from " : "",
		         a->del_op == IL_DEL_RENAME_OVER && a->rename_from ? a->rename_from : "");
		break;
	case IL_KIND_CONNECT:
		snprintf(buf, cap, "connect %s %s%s%s:%u", a->udp ? "udp" : "tcp",
		         a->host ? a->host : "", a->host ? " " : "", a->addr ? a->addr : "?", a->port);
		break;
	case IL_KIND_HTTP:
		snprintf(buf, cap, "%s %s", a->method ? a->method : "?",
		         a->url ? a->url : (a->host ? a->host : "?"));
		break;
	default:
		snprintf(buf, cap, "unknown action");
	}
}

static void build_action(cJSON *act, const il_action *a, build_state *st)
{
	add_clean(act, "kind", il_kind_name(a->kind), st);
	char *summary = malloc(IL_REQUEST_MAX_STR);
	if (!summary) {
		st->oom = true;
		return;
	}
	action_summary(a, summary, IL_REQUEST_MAX_STR);
	add_clean(act, "summary", summary, st);
	free(summary);

	switch (a->kind) {
	case IL_KIND_EXEC: {
		add_clean(act, "program", a->program, st);
		cJSON *argv = cJSON_AddArrayToObject(act, "argv");
		if (!argv) {
			st->oom = true;
			break;
		}
		size_t n = a->argv ? a->argc : 0;
		if (n > IL_REQUEST_MAX_ARGV) {
			n = IL_REQUEST_MAX_ARGV;
			st->truncated = true;
		}
		for (size_t i = 0; i < n; i++)
			add_clean_item(argv, a->argv[i], st);
		add_int(act, "argc", (long long)a->argc, st);
		break;
	}
	case IL_KIND_DELETE:
		add_clean(act, "path", a->path, st);
		add_bool(act, "is_dir", a->is_dir, st);
		add_clean(act, "op", a->del_op == IL_DEL_RMDIR ? "rmdir" :
		                     a->del_op == IL_DEL_RENAME_OVER ? "rename_over" : "unlink", st);
		if (a->del_op == IL_DEL_RENAME_OVER)
			add_clean(act, "rename_from", a->rename_from, st);
		break;
	case IL_KIND_CONNECT:
	case IL_KIND_HTTP:
		add_clean(act, "host", a->host, st);
		add_clean(act, "addr", a->addr, st);
		add_int(act, "port", (long long)a->port, st);
		if (a->kind == IL_KIND_CONNECT) {
			add_clean(act, "transport", a->udp ? "udp" : "tcp", st);
			break;
		}
		add_clean(act, "method", a->method, st);
		add_clean(act, "scheme", a->scheme, st);
		add_clean(act, "url", a->url, st);
		add_clean(act, "url_path", a->url_path, st);
		add_clean(act, "query", a->query, st);
		add_bool(act, "url_visible", a->url_visible, st);
		add_int(act, "body_len", (long long)a->body_len, st);
		if (a->headers && a->nheaders) {
			cJSON *hs = cJSON_AddArrayToObject(act, "headers");
			if (!hs) {
				st->oom = true;
				break;
			}
			for (size_t i = 0; i < a->nheaders && i < 256; i++) {
				const char *h = a->headers[i] ? a->headers[i] : "";
				const char *colon = strchr(h, ':');
				if (colon && header_is_sensitive(h, (size_t)(colon - h))) {
					size_t nl = (size_t)(colon - h);
					char *r = malloc(nl + 16);
					if (!r) {
						st->oom = true;
						break;
					}
					memcpy(r, h, nl);
					memcpy(r + nl, ": [redacted]", 13);
					add_clean_item(hs, r, st);
					free(r);
				} else {
					add_clean_item(hs, h, st);
				}
			}
		}
		break;
	default:
		break;
	}
	add_clean(act, "cwd", a->cwd, st);
	add_int(act, "pid", (long long)a->pid, st);
	add_int(act, "ppid", (long long)a->ppid, st);
	add_int(act, "uid", (long long)a->uid, st);
}

char *il_approval_request_json(const il_action *a, const il_verdict *v,
                               const il_approval_ctx *ctx)
{
	if (!a || !v || !ctx || !il_approval_id_valid(ctx->request_id) ||
	    ctx->created_wall_ms < 0 || ctx->deadline_wall_ms <= ctx->created_wall_ms ||
	    ctx->deadline_wall_ms > MAX_SAFE_INT)
		return NULL;
	build_state st = { 0 };
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return NULL;
	add_int(root, "version", IL_APPROVAL_PROTO_VERSION, &st);
	add_clean(root, "request_id", ctx->request_id, &st);
	add_int(root, "created_at", (long long)ctx->created_wall_ms, &st);
	add_int(root, "deadline", (long long)ctx->deadline_wall_ms, &st);
	add_clean(root, "session", ctx->session ? ctx->session : (a->session ? a->session : ""), &st);
	add_clean(root, "agent_id", ctx->agent_id ? ctx->agent_id : (a->agent_id ? a->agent_id : ""), &st);
	add_clean(root, "host", ctx->hostname ? ctx->hostname : "", &st);
	add_clean(root, "requester", ctx->requester ? ctx->requester : "", &st);
	add_clean(root, "policy_version", ctx->policy_version ? ctx->policy_version : "", &st);
	add_clean(root, "risk", risk_name(v->risk), &st);
	add_int(root, "approvals_required", v->approvals ? (long long)v->approvals : 1, &st);
	add_int(root, "timeout_ms", (long long)v->timeout_ms, &st);

	cJSON *approvers = cJSON_AddArrayToObject(root, "approvers");
	cJSON *esc = cJSON_AddArrayToObject(root, "escalation");
	cJSON *rules = cJSON_AddArrayToObject(root, "rules");
	cJSON *act = cJSON_AddObjectToObject(root, "action");
	if (!approvers || !esc || !rules || !act) {
		cJSON_Delete(root);
		return NULL;
	}
	const il_rule *p = v->primary;
	if (p) {
		for (size_t i = 0; i < p->napprovers; i++)
			add_clean_item(approvers, p->approvers[i], &st);
		for (size_t i = 0; i < p->nescalate; i++) {
			cJSON *e = cJSON_CreateObject();
			if (!e || !cJSON_AddItemToArray(esc, e)) {
				cJSON_Delete(e);
				st.oom = true;
				break;
			}
			add_int(e, "after_ms", (long long)p->escalate[i].after_ms, &st);
			add_clean(e, "to", p->escalate[i].to ? p->escalate[i].to : "", &st);
		}
	}
	for (size_t i = 0; i < v->nmatched && i < IL_MAX_MATCHES; i++) {
		const il_rule *r = v->matched[i].rule;
		if (!r)
			continue;
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(rules, o)) {
			cJSON_Delete(o);
			st.oom = true;
			break;
		}
		add_clean(o, "id", r->id ? r->id : "", &st);
		add_clean(o, "description", r->description ? r->description : "", &st);
		add_clean(o, "risk", risk_name(r->risk), &st);
		add_clean(o, "decision", decision_name(r->decision), &st);
		add_clean(o, "why", v->matched[i].why, &st);
	}
	add_bool(root, "rules_truncated", v->truncated, &st);
	build_action(act, a, &st);
	add_bool(act, "lossy", st.lossy, &st);
	add_bool(act, "truncated", st.truncated, &st);

	char *out = st.oom ? NULL : cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

/* ----------------------------------------------------- verdict: checking */

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
		set_err(err, errlen, "field 'request_id': must be 1..%d of [A-Za-z0-9_-]", IL_APPROVAL_ID_MAX);
		return -1;
	}
	if (m->decision != IL_VERDICT_APPROVE && m->decision != IL_VERDICT_DENY) {
		set_err(err, errlen, "field 'decision': unknown value");
		return -1;
	}
	if (m->nreviewers > IL_VERDICT_MAX_REVIEWERS) {
		set_err(err, errlen, "field 'reviewers': more than %d entries", IL_VERDICT_MAX_REVIEWERS);
		return -1;
	}
	if (m->decision == IL_VERDICT_APPROVE && m->nreviewers == 0) {
		set_err(err, errlen, "field 'reviewers': an approval must name at least one reviewer");
		return -1;
	}
	for (size_t i = 0; i < m->nreviewers; i++) {
		if (!reviewer_ok(m->reviewers[i])) {
			set_err(err, errlen, "field 'reviewers': entry %zu must be 1..%d bytes of UTF-8 "
			        "without control characters", i, IL_VERDICT_MAX_STR);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->reviewers[i], m->reviewers[j]) == 0) {
				set_err(err, errlen, "field 'reviewers': duplicate reviewer");
				return -1;
			}
	}
	if (!m->reason || strnlen(m->reason, IL_VERDICT_MAX_STR + 1) > IL_VERDICT_MAX_STR ||
	    !il_utf8_valid(m->reason, strlen(m->reason))) {
		set_err(err, errlen, "field 'reason': must be at most %d bytes of UTF-8", IL_VERDICT_MAX_STR);
		return -1;
	}
	if (!il_verdict_nonce_valid(m->nonce)) {
		set_err(err, errlen, "field 'nonce': must be %d..%d of [A-Za-z0-9_-]",
		        IL_VERDICT_NONCE_MIN, IL_VERDICT_NONCE_MAX);
		return -1;
	}
	if (m->issued_at_ms < 0 || m->issued_at_ms > MAX_SAFE_INT ||
	    m->expires_at_ms < 0 || m->expires_at_ms > MAX_SAFE_INT) {
		set_err(err, errlen, "fields 'issued_at'/'expires_at': out of range");
		return -1;
	}
	if (m->expires_at_ms <= m->issued_at_ms) {
		set_err(err, errlen, "field 'expires_at': not after issued_at");
		return -1;
	}
	if (m->expires_at_ms - m->issued_at_ms > IL_VERDICT_MAX_TTL_MS) {
		set_err(err, errlen, "field 'expires_at': lifetime longer than %lld ms",
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
	const char *sorted[IL_VERDICT_MAX_REVIEWERS];
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
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

char *il_verdict_sign_json(const il_verdict_msg *m, const unsigned char *key, size_t keylen,
                           char *err, size_t errlen)
{
	if (!m || msg_check(m, err, errlen) != 0)
		return NULL;
	char hex[65];
	if (il_verdict_mac_hex(m, key, keylen, hex) != 0) {
		set_err(err, errlen, "cannot compute the signature (key empty or too long)");
		return NULL;
	}
	build_state st = { 0 };
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return NULL;
	add_int(root, "version", IL_APPROVAL_PROTO_VERSION, &st);
	if (!cJSON_AddStringToObject(root, "request_id", m->request_id) ||
	    !cJSON_AddStringToObject(root, "decision", il_verdict_decision_name(m->decision)))
		st.oom = true;
	cJSON *revs = cJSON_AddArrayToObject(root, "reviewers");
	if (!revs)
		st.oom = true;
	for (size_t i = 0; revs && i < m->nreviewers; i++) {
		cJSON *s = cJSON_CreateString(m->reviewers[i]);
		if (!s || !cJSON_AddItemToArray(revs, s)) {
			cJSON_Delete(s);
			st.oom = true;
		}
	}
	if (!cJSON_AddStringToObject(root, "reason", m->reason))
		st.oom = true;
	add_int(root, "issued_at", (long long)m->issued_at_ms, &st);
	add_int(root, "expires_at", (long long)m->expires_at_ms, &st);
	if (!cJSON_AddStringToObject(root, "nonce", m->nonce) ||
	    !cJSON_AddStringToObject(root, "signature", hex))
		st.oom = true;
	char *out = st.oom ? NULL : cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!out)
		set_err(err, errlen, "out of memory");
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
	if (!(d >= 0 && d <= (double)MAX_SAFE_INT) || d != (double)(int64_t)d)
		return false;
	*out = (int64_t)d;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
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
			set_err(err, errlen, "missing field '%s'", field_names[i]);
			return -1;
		}
	int64_t version;
	if (!json_int(f[F_VERSION], &version)) {
		set_err(err, errlen, "field 'version': expected an integer");
		return -1;
	}
	if (version != IL_APPROVAL_PROTO_VERSION) {
		set_err(err, errlen, "field 'version': unsupported protocol version %lld", (long long)version);
		return -1;
	}
	static const int strs[] = { F_REQUEST_ID, F_DECISION, F_REASON, F_NONCE, F_SIGNATURE };
	for (size_t i = 0; i < IL_ARRAY_LEN(strs); i++)
		if (!cJSON_IsString(f[strs[i]]) || !f[strs[i]]->valuestring) {
			set_err(err, errlen, "field '%s': expected a string", field_names[strs[i]]);
			return -1;
		}
	if (!cJSON_IsArray(f[F_REVIEWERS])) {
		set_err(err, errlen, "field 'reviewers': expected an array of strings");
		return -1;
	}
	if (!json_int(f[F_ISSUED], &m->issued_at_ms) || !json_int(f[F_EXPIRES], &m->expires_at_ms)) {
		set_err(err, errlen, "field '%s': expected an integer (Unix milliseconds)",
		        json_int(f[F_ISSUED], &m->issued_at_ms) ? "expires_at" : "issued_at");
		return -1;
	}
	const char *d = f[F_DECISION]->valuestring;
	if (strcmp(d, "approve") == 0)
		m->decision = IL_VERDICT_APPROVE;
	else if (strcmp(d, "deny") == 0)
		m->decision = IL_VERDICT_DENY;
	else {
		set_err(err, errlen, "field 'decision': unknown value (want \"approve\" or \"deny\")");
		return -1;
	}
	size_t n = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, f[F_REVIEWERS]) {
		if (n >= IL_VERDICT_MAX_REVIEWERS) {
			set_err(err, errlen, "field 'reviewers': more than %d entries", IL_VERDICT_MAX_REVIEWERS);
			return -1;
		}
		if (!cJSON_IsString(r) || !r->valuestring) {
			set_err(err, errlen, "field 'reviewers': expected an array of strings");
			return -1;
		}
		if (strlen(r->valuestring) > IL_VERDICT_MAX_STR) {
			set_err(err, errlen, "field 'reviewers': entry longer than %d bytes", IL_VERDICT_MAX_STR);
			return -1;
		}
		if (!(m->reviewers[n] = strdup(r->valuestring))) {
			set_err(err, errlen, "out of memory");
			return -1;
		}
		m->nreviewers = ++n;
	}
	const char *rid = f[F_REQUEST_ID]->valuestring;
	const char *reason = f[F_REASON]->valuestring;
	const char *nonce = f[F_NONCE]->valuestring;
	if (strlen(rid) > IL_APPROVAL_ID_MAX) {
		set_err(err, errlen, "field 'request_id': longer than %d bytes", IL_APPROVAL_ID_MAX);
		return -1;
	}
	if (strlen(reason) > IL_VERDICT_MAX_STR) {
		set_err(err, errlen, "field 'reason': longer than %d bytes", IL_VERDICT_MAX_STR);
		return -1;
	}
	if (!il_verdict_nonce_valid(nonce)) {
		set_err(err, errlen, "field 'nonce': must be %d..%d of [A-Za-z0-9_-]",
		        IL_VERDICT_NONCE_MIN, IL_VERDICT_NONCE_MAX);
		return -1;
	}
	memcpy(m->nonce, nonce, strlen(nonce) + 1);
	if (!(m->request_id = strdup(rid)) || !(m->reason = strdup(reason))) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	const char *s = f[F_SIGNATURE]->valuestring;
	if (strlen(s) != 64) {
		set_err(err, errlen, "field 'signature': expected 64 lower-case hex digits");
		return -1;
	}
	for (size_t i = 0; i < 32; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			set_err(err, errlen, "field 'signature': expected 64 lower-case hex digits");
			return -1;
		}
		sig[i] = (unsigned char)(hi << 4 | lo);
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
	set_err(err, errlen, "internal error");
	if (!body || !out || !expected_request_id || !key || keylen == 0) {
		set_err(err, errlen, "missing body, request id or key");
		return -1;
	}
	if (len > IL_VERDICT_MAX_BODY) {
		set_err(err, errlen, "verdict body larger than %u bytes", IL_VERDICT_MAX_BODY);
		return -1;
	}
	if (memchr(body, '\0', len)) {
		set_err(err, errlen, "verdict body contains a NUL byte");
		return -1;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!root) {
		set_err(err, errlen, "verdict body is not valid JSON (truncated or malformed)");
		return -1;
	}
	int rc = -1;
	for (const char *p = end; p && p < body + len; p++)
		if (!strchr(" \t\r\n", *p)) {
			set_err(err, errlen, "trailing data after the JSON object");
			goto out;
		}
	if (!cJSON_IsObject(root)) {
		set_err(err, errlen, "verdict body is not a JSON object");
		goto out;
	}
	const cJSON *f[F_COUNT] = { 0 };
	const cJSON *it;
	cJSON_ArrayForEach(it, root) {
		for (int i = 0; i < F_COUNT; i++) {
			if (!it->string || strcmp(it->string, field_names[i]) != 0)
				continue;
			if (f[i]) {
				set_err(err, errlen, "duplicate field '%s'", field_names[i]);
				goto out;
			}
			f[i] = it;
		}
	}
	unsigned char sig[32], mac[32];
	if (parse_fields(f, &m, sig, err, errlen) != 0)
		goto out;
	if (strcmp(m.request_id, expected_request_id) != 0) {
		set_err(err, errlen, "request_id mismatch: verdict is for another request");
		goto out;
	}
	if (msg_check(&m, err, errlen) != 0)
		goto out;
	if (verdict_mac(&m, key, keylen, mac) != 0) {
		set_err(err, errlen, "cannot compute the signature");
		goto out;
	}
	if (CRYPTO_memcmp(mac, sig, 32) != 0) {
		set_err(err, errlen, "signature mismatch: forged or altered verdict");
		goto out;
	}
	if (m.issued_at_ms > now_wall_ms + IL_VERDICT_MAX_SKEW_MS) {
		set_err(err, errlen, "verdict issued in the future (clock skew over %lld ms)",
		        (long long)IL_VERDICT_MAX_SKEW_MS);
		goto out;
	}
	if (now_wall_ms >= m.expires_at_ms) {
		set_err(err, errlen, "verdict expired");
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

/* ---------------------------------------------------------- replay cache */

typedef struct {
	char nonce[IL_VERDICT_NONCE_MAX + 1];
	int64_t expires_at_ms;     /* 0: empty slot */
} replay_slot;

struct il_replay_cache {
	pthread_mutex_t lock;
	size_t cap;
	replay_slot *slots;
};

il_replay_cache *il_replay_cache_new(size_t capacity)
{
	if (capacity == 0 || capacity > (1u << 20))
		return NULL;
	il_replay_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->slots = calloc(capacity, sizeof *c->slots);
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->cap = capacity;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void il_replay_cache_free(il_replay_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c);
}

int il_replay_cache_check_add(il_replay_cache *c, const char *nonce, int64_t expires_at_ms,
                              int64_t now_wall_ms, char *err, size_t errlen)
{
	if (!c || !il_verdict_nonce_valid(nonce)) {
		set_err(err, errlen, "no replay cache or invalid nonce");
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	replay_slot *free_slot = NULL;
	int rc = 0;
	for (size_t i = 0; i < c->cap; i++) {
		replay_slot *s = &c->slots[i];
		if (s->expires_at_ms != 0 && s->expires_at_ms <= now_wall_ms)
			s->expires_at_ms = 0;  /* expired: its verdict is refused anyway */
		if (s->expires_at_ms == 0) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (strcmp(s->nonce, nonce) == 0) {
			set_err(err, errlen, "nonce replayed: this verdict was already used");
			rc = -1;
			goto out;
		}
	}
	if (!free_slot) {
		set_err(err, errlen, "replay cache full of unexpired nonces; refusing verdict");
		rc = -1;
		goto out;
	}
	snprintf(free_slot->nonce, sizeof free_slot->nonce, "%s", nonce);
	free_slot->expires_at_ms = expires_at_ms > 0 ? expires_at_ms : 1;
out:
	pthread_mutex_unlock(&c->lock);
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

int il_approval_random_hex(char *buf, size_t bufsize, size_t nbytes)
{
	unsigned char raw[64];
	if (!buf || nbytes == 0 || nbytes > sizeof raw || bufsize < 2 * nbytes + 1)
		return -1;
	if (RAND_bytes(raw, (int)nbytes) != 1)
		return -1;
	for (size_t i = 0; i < nbytes; i++)
		snprintf(buf + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof raw);
	return 0;
}
