/*
 * approval_request.c — the create-request body of the external approval
 * protocol (POST /v1/requests): the action with its full context, cleaned
 * to valid, bounded UTF-8 with credentials redacted, plus the matched
 * rules, risk, approvers and escalation. Contracts in approval_proto.h;
 * wire format in docs/approval-protocol.md.
 */
#include "approval_internal.h"
#include "approval_proto.h"
#include "utf8.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool il_json_add_int(cJSON *obj, const char *key, long long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	return cJSON_AddRawToObject(obj, key, buf) != NULL;
}

/* ---------------------------------------------------------------- UTF-8 */

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
		size_t l = il_utf8_seq_len(p + i, n - i);
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
	if (!il_json_add_int(obj, key, v))
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
	    ctx->deadline_wall_ms > IL_JSON_MAX_SAFE_INT)
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
	add_clean(root, "risk", il_risk_name(v->risk), &st);
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
		add_clean(o, "risk", il_risk_name(r->risk), &st);
		add_clean(o, "decision", il_decision_name(r->decision), &st);
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
