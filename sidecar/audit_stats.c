/*
 * audit_stats.c — `interlock audit stats`: summarise an audit log.
 *
 * Reads the log line by line (it does not verify the chain; `audit verify`
 * does that) and counts what security engineers ask about a rule set in
 * production: how often people are asked, how often they say yes, how long
 * they take, which rules time out or deny, and what gets gated most.
 *
 * Definitions (also in docs/audit.md):
 *  - a *decision* is a record with event "decision", or a "break_glass_use"
 *    event that carries a decision (the action a window let through);
 *  - *sent for approval*: decided_by is "reviewer" or "timeout", or the
 *    policy's decision was "approve" and neither dry-run nor break-glass
 *    decided it; *approved*: sent for approval and the decision is "allow";
 *  - *latency* percentiles (nearest rank) cover decisions decided_by
 *    "reviewer" with a latency_ms;
 *  - *gated*: the policy's decision was approve or deny (for records without
 *    policy_decision: decided by reviewer/timeout/break-glass, or a final
 *    deny / would_deny / would_approve).
 */
#include "audit.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 100000     /* distinct keys per table; the rest count as "(other)" */
#define TOP_N 10

enum { R_DECISIONS, R_DENIED, R_TIMEOUTS, R_ASKED, R_APPROVED, R_NV };

typedef struct {
	char *key;
	uint64_t n[R_NV];
} entry;

/* A string-keyed table of counters (open addressing, FNV-1a). */
typedef struct {
	entry *slots;
	size_t cap, used;
	uint64_t other;        /* adds refused because MAX_KEYS was reached */
} table;

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int table_grow(table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	entry *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].key)
			continue;
		size_t j = fnv1a(t->slots[i].key) & (ncap - 1);
		while (ns[j].key)
			j = (j + 1) & (ncap - 1);
		ns[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
	return 0;
}

/* The entry for key, created if needed; NULL when the table is full (the
 * add is counted in t->other) or memory ran out. */
static entry *table_get(table *t, const char *key)
{
	if ((t->used + 1) * 10 > t->cap * 7 && t->used < MAX_KEYS && table_grow(t) != 0)
		return NULL;
	size_t j = fnv1a(key) & (t->cap - 1);
	while (t->slots[j].key) {
		if (strcmp(t->slots[j].key, key) == 0)
			return &t->slots[j];
		j = (j + 1) & (t->cap - 1);
	}
	if (t->used >= MAX_KEYS || !(t->slots[j].key = strdup(key))) {
		t->other++;
		return NULL;
	}
	t->used++;
	return &t->slots[j];
}

static void table_add(table *t, const char *key, int field)
{
	entry *e = table_get(t, key);
	if (e)
		e->n[field]++;
}

static void table_free(table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].key);
	free(t->slots);
}

static int sort_field;
static int entry_cmp(const void *pa, const void *pb)
{
	const entry *a = *(const entry *const *)pa, *b = *(const entry *const *)pb;
	if (a->n[sort_field] != b->n[sort_field])
		return a->n[sort_field] < b->n[sort_field] ? 1 : -1;
	return strcmp(a->key, b->key);
}

/* Entries of t sorted by n[field] descending (then key), malloc'd array of
 * pointers into t; *count entries. NULL when empty or OOM. */
static entry **table_sorted(const table *t, int field, size_t *count)
{
	*count = 0;
	if (!t->used)
		return NULL;
	entry **v = malloc(t->used * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key)
			v[(*count)++] = &t->slots[i];
	sort_field = field;
	qsort(v, *count, sizeof *v, entry_cmp);
	return v;
}

typedef struct {
	uint64_t records, decisions, bad_lines;
	uint64_t asked, approved, timeouts, denied;
	uint64_t bg_open, bg_close, bg_use_events, bg_overrides;
	uint64_t sessions, self_approval_refused, errors;
	int64_t *lat;
	size_t nlat, caplat;
	table decision, decided_by, event, rules, programs, paths, hosts;
	char first_ts[40], last_ts[40];
} stats;

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Which rule a decision is charged to: "rule" (the primary), else the first
 * of "rules", else "(default)". */
static const char *charged_rule(const cJSON *rec)
{
	const char *r = jstr(rec, "rule");
	if (r)
		return r;
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(rec, "rules");
	const cJSON *first = cJSON_IsArray(rules) ? cJSON_GetArrayItem(rules, 0) : NULL;
	return cJSON_IsString(first) ? first->valuestring : "(default)";
}

static void count_gated(stats *s, const cJSON *rec)
{
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(rec, "action");
	const char *kind = jstr(act, "kind");
	if (streq(kind, "exec")) {
		const char *p = jstr(act, "program");
		if (!p) {
			const cJSON *argv = cJSON_GetObjectItemCaseSensitive(act, "argv");
			const cJSON *a0 = cJSON_IsArray(argv) ? cJSON_GetArrayItem(argv, 0) : NULL;
			p = cJSON_IsString(a0) ? a0->valuestring : NULL;
		}
		if (p)
			table_add(&s->programs, p, 0);
	} else if (streq(kind, "delete")) {
		const char *p = jstr(act, "path");
		if (p)
			table_add(&s->paths, p, 0);
	} else if (streq(kind, "connect") || streq(kind, "http")) {
		const char *h = jstr(act, "host");
		if (!h)
			h = jstr(act, "addr");
		if (h)
			table_add(&s->hosts, h, 0);
	}
}

static void count_decision(stats *s, const cJSON *rec)
{
	const char *dec = jstr(rec, "decision");
	const char *by = jstr(rec, "decided_by");
	const char *pol = jstr(rec, "policy_decision");
	const char *rule = charged_rule(rec);
	s->decisions++;
	table_add(&s->decision, dec ? dec : "(none)", 0);
	table_add(&s->decided_by, by ? by : "(none)", 0);
	entry *re = table_get(&s->rules, rule);
	if (re)
		re->n[R_DECISIONS]++;

	bool dry = streq(by, "dry-run"), bg = streq(by, "break-glass");
	bool asked = streq(by, "reviewer") || streq(by, "timeout") ||
	             (streq(pol, "approve") && !dry && !bg);
	if (asked) {
		s->asked++;
		if (re)
			re->n[R_ASKED]++;
		if (streq(dec, "allow")) {
			s->approved++;
			if (re)
				re->n[R_APPROVED]++;
		}
	}
	if (streq(by, "timeout")) {
		s->timeouts++;
		if (re)
			re->n[R_TIMEOUTS]++;
	} else if (streq(dec, "deny")) {
		s->denied++;
		if (re)
			re->n[R_DENIED]++;
	}
	if (bg)
		s->bg_overrides++;
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(rec, "latency_ms");
	if (streq(by, "reviewer") && cJSON_IsNumber(lat) && lat->valuedouble >= 0 &&
	    lat->valuedouble < 9.2e15) {
		if (s->nlat == s->caplat) {
			size_t nc = s->caplat ? s->caplat * 2 : 256;
			int64_t *nl = realloc(s->lat, nc * sizeof *nl);
			if (nl) {
				s->lat = nl;
				s->caplat = nc;
			}
		}
		if (s->nlat < s->caplat)
			s->lat[s->nlat++] = (int64_t)lat->valuedouble;
	}
	bool gated = pol ? (streq(pol, "approve") || streq(pol, "deny"))
	                 : (asked || bg || streq(dec, "deny") || streq(dec, "would_deny") ||
	                    streq(dec, "would_approve"));
	if (gated)
		count_gated(s, rec);
}

static void count_record(stats *s, const cJSON *rec)
{
	const char *ev = jstr(rec, "event");
	const char *ts = jstr(rec, "ts");
	s->records++;
	if (ts) {
		if (!s->first_ts[0])
			snprintf(s->first_ts, sizeof s->first_ts, "%s", ts);
		snprintf(s->last_ts, sizeof s->last_ts, "%s", ts);
	}
	if (!ev || streq(ev, "decision")) {
		count_decision(s, rec);
		return;
	}
	table_add(&s->event, ev, 0);
	/* an action let through by a break-glass window is a decision too */
	if (streq(ev, "break_glass_use") && jstr(rec, "decision"))
		count_decision(s, rec);
	if (streq(ev, "break_glass_open"))
		s->bg_open++;
	else if (streq(ev, "break_glass_close"))
		s->bg_close++;
	else if (streq(ev, "break_glass_use"))
		s->bg_use_events++;
	else if (streq(ev, "session_start"))
		s->sessions++;
	else if (streq(ev, "self_approval_refused"))
		s->self_approval_refused++;
	else if (streq(ev, "error"))
		s->errors++;
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted latencies; -1 when there are none. */
static int64_t percentile(const stats *s, unsigned p)
{
	if (!s->nlat)
		return -1;
	size_t rank = (s->nlat * p + 99) / 100;
	if (rank == 0)
		rank = 1;
	return s->lat[rank - 1];
}

static void print_counts(FILE *out, const char *label, const table *t)
{
	size_t n;
	cleanup_free entry **v = table_sorted(t, 0, &n);
	fprintf(out, "  %-22s", label);
	if (!n)
		fputs("-", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s %" PRIu64, i ? ", " : "", v[i]->key, v[i]->n[0]);
	fputc('\n', out);
}

static void print_top(FILE *out, const char *label, const table *t)
{
	size_t n;
	cleanup_free entry **v = table_sorted(t, 0, &n);
	if (!n)
		return;
	fprintf(out, "\ntop gated %s:\n", label);
	for (size_t i = 0; i < n && i < TOP_N; i++)
		fprintf(out, "  %8" PRIu64 "  %s\n", v[i]->n[0], v[i]->key);
}

static void print_text(const stats *s, const char *path, FILE *out)
{
	char b1[32], b2[32];
	fprintf(out, "audit stats: %s\n", path);
	fprintf(out, "  %-22s%" PRIu64 " (%" PRIu64 " decisions, %" PRIu64 " events)\n", "records",
	        s->records, s->decisions, s->records - s->decisions);
	if (s->first_ts[0])
		fprintf(out, "  %-22s%s .. %s\n", "period", s->first_ts, s->last_ts);
	print_counts(out, "decisions", &s->decision);
	print_counts(out, "decided by", &s->decided_by);
	fprintf(out, "  %-22s%" PRIu64 " sent for approval, %" PRIu64 " approved", "approvals",
	        s->asked, s->approved);
	if (s->asked)
		fprintf(out, " (approval rate %.1f%%)", 100.0 * (double)s->approved / (double)s->asked);
	fputc('\n', out);
	if (s->nlat)
		fprintf(out, "  %-22sp50 %s, p95 %s (%zu human decisions)\n", "decision latency",
		        il_format_duration(percentile(s, 50), b1, sizeof b1),
		        il_format_duration(percentile(s, 95), b2, sizeof b2), s->nlat);
	else
		fprintf(out, "  %-22s- (no human decisions)\n", "decision latency");
	fprintf(out, "  %-22s%" PRIu64 " timeouts, %" PRIu64 " denials\n", "denied", s->timeouts,
	        s->denied);
	fprintf(out, "  %-22s%" PRIu64 " windows opened, %" PRIu64 " closed, %" PRIu64
	        " decisions overridden, %" PRIu64 " use events\n", "break-glass", s->bg_open,
	        s->bg_close, s->bg_overrides, s->bg_use_events);
	fprintf(out, "  %-22s%" PRIu64 " sessions, %" PRIu64 " self-approvals refused, %" PRIu64
	        " errors\n", "events", s->sessions, s->self_approval_refused, s->errors);
	if (s->bad_lines)
		fprintf(out, "  %-22s%" PRIu64 " (skipped; run 'interlock audit verify')\n",
		        "unparsable lines", s->bad_lines);

	size_t n;
	cleanup_free entry **v = table_sorted(&s->rules, R_DECISIONS, &n);
	if (n) {
		fprintf(out, "\nper rule:\n  %-32s %9s %8s %8s %8s %8s\n", "rule", "decisions", "asked",
		        "approved", "timeouts", "denials");
		for (size_t i = 0; i < n; i++)
			fprintf(out, "  %-32s %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64
			        "\n", v[i]->key, v[i]->n[R_DECISIONS], v[i]->n[R_ASKED],
			        v[i]->n[R_APPROVED], v[i]->n[R_TIMEOUTS], v[i]->n[R_DENIED]);
	}
	print_top(out, "programs", &s->programs);
	print_top(out, "paths", &s->paths);
	print_top(out, "hosts", &s->hosts);
}

static cJSON *counts_json(const table *t, size_t limit)
{
	cJSON *o = cJSON_CreateObject();
	size_t n;
	cleanup_free entry **v = table_sorted(t, 0, &n);
	for (size_t i = 0; o && i < n && i < limit; i++)
		cJSON_AddNumberToObject(o, v[i]->key, (double)v[i]->n[0]);
	return o;
}

static cJSON *top_json(const table *t)
{
	cJSON *a = cJSON_CreateArray();
	size_t n;
	cleanup_free entry **v = table_sorted(t, 0, &n);
	for (size_t i = 0; a && i < n && i < TOP_N; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "key", v[i]->key);
		cJSON_AddNumberToObject(e, "count", (double)v[i]->n[0]);
		cJSON_AddItemToArray(a, e);
	}
	return a;
}

/* 0 ok, -1 OOM. */
static int print_json(const stats *s, const char *path, FILE *out)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return -1;
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddNumberToObject(o, "records", (double)s->records);
	cJSON_AddNumberToObject(o, "decisions", (double)s->decisions);
	cJSON_AddNumberToObject(o, "unparsable_lines", (double)s->bad_lines);
	cJSON_AddItemToObject(o, "first_ts", s->first_ts[0] ? cJSON_CreateString(s->first_ts) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "last_ts", s->last_ts[0] ? cJSON_CreateString(s->last_ts) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "by_decision", counts_json(&s->decision, SIZE_MAX));
	cJSON_AddItemToObject(o, "by_decided_by", counts_json(&s->decided_by, SIZE_MAX));
	cJSON_AddItemToObject(o, "events", counts_json(&s->event, SIZE_MAX));
	cJSON_AddNumberToObject(o, "sent_for_approval", (double)s->asked);
	cJSON_AddNumberToObject(o, "approved", (double)s->approved);
	if (s->asked)
		cJSON_AddNumberToObject(o, "approval_rate", (double)s->approved / (double)s->asked);
	else
		cJSON_AddNullToObject(o, "approval_rate");
	cJSON *lat = cJSON_AddObjectToObject(o, "human_latency_ms");
	cJSON_AddNumberToObject(lat, "count", (double)s->nlat);
	if (s->nlat) {
		cJSON_AddNumberToObject(lat, "p50", (double)percentile(s, 50));
		cJSON_AddNumberToObject(lat, "p95", (double)percentile(s, 95));
	} else {
		cJSON_AddNullToObject(lat, "p50");
		cJSON_AddNullToObject(lat, "p95");
	}
	cJSON_AddNumberToObject(o, "timeouts", (double)s->timeouts);
	cJSON_AddNumberToObject(o, "denials", (double)s->denied);
	cJSON *rules = cJSON_AddObjectToObject(o, "rules");
	size_t n;
	cleanup_free entry **v = table_sorted(&s->rules, R_DECISIONS, &n);
	for (size_t i = 0; rules && i < n; i++) {
		cJSON *r = cJSON_AddObjectToObject(rules, v[i]->key);
		cJSON_AddNumberToObject(r, "decisions", (double)v[i]->n[R_DECISIONS]);
		cJSON_AddNumberToObject(r, "sent_for_approval", (double)v[i]->n[R_ASKED]);
		cJSON_AddNumberToObject(r, "approved", (double)v[i]->n[R_APPROVED]);
		cJSON_AddNumberToObject(r, "timeouts", (double)v[i]->n[R_TIMEOUTS]);
		cJSON_AddNumberToObject(r, "denials", (double)v[i]->n[R_DENIED]);
	}
	cJSON_AddItemToObject(o, "top_programs", top_json(&s->programs));
	cJSON_AddItemToObject(o, "top_paths", top_json(&s->paths));
	cJSON_AddItemToObject(o, "top_hosts", top_json(&s->hosts));
	cJSON *bg = cJSON_AddObjectToObject(o, "break_glass");
	cJSON_AddNumberToObject(bg, "windows_opened", (double)s->bg_open);
	cJSON_AddNumberToObject(bg, "windows_closed", (double)s->bg_close);
	cJSON_AddNumberToObject(bg, "decisions_overridden", (double)s->bg_overrides);
	cJSON_AddNumberToObject(bg, "use_events", (double)s->bg_use_events);
	cJSON_AddNumberToObject(o, "sessions", (double)s->sessions);
	cJSON_AddNumberToObject(o, "self_approvals_refused", (double)s->self_approval_refused);
	cJSON_AddNumberToObject(o, "errors", (double)s->errors);
	char *txt = cJSON_Print(o);
	cJSON_Delete(o);
	if (!txt)
		return -1;
	fprintf(out, "%s\n", txt);
	free(txt);
	return 0;
}

int il_audit_stats(const char *path, FILE *out, bool json)
{
	cleanup_file FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "interlock: audit stats: %s: %s\n", path, strerror(errno));
		return 1;
	}
	stats s;
	memset(&s, 0, sizeof s);
	char *buf = NULL;
	size_t cap = 0, len;
	bool nl;
	int r, rc = 0;
	while ((r = il_audit_next_line(f, &buf, &cap, &len, &nl)) > 0) {
		cJSON *rec = cJSON_ParseWithLength(buf, len);
		if (cJSON_IsObject(rec))
			count_record(&s, rec);
		else
			s.bad_lines++;
		cJSON_Delete(rec);
	}
	free(buf);
	if (r < 0) {
		fprintf(stderr, "interlock: audit stats: %s: read error or line longer than %d bytes\n",
		        path, IL_AUDIT_MAX_LINE);
		rc = 1;
	} else {
		if (s.nlat)
			qsort(s.lat, s.nlat, sizeof *s.lat, i64_cmp);
		if (json) {
			if (print_json(&s, path, out) != 0) {
				fprintf(stderr, "interlock: audit stats: out of memory\n");
				rc = 1;
			}
		} else {
			print_text(&s, path, out);
		}
	}
	free(s.lat);
	table *tables[] = { &s.decision, &s.decided_by, &s.event, &s.rules, &s.programs,
	                    &s.paths, &s.hosts };
	for (size_t i = 0; i < IL_ARRAY_LEN(tables); i++)
		table_free(tables[i]);
	return rc;
}
