/*
 * dryrun.c — collect the real verdicts of a dry run and report what a rule
 * set would have gated.
 *
 * Each recorded action is counted by decision (allow / would_approve /
 * would_deny) and by rule. Gated actions (approve or deny) are also kept,
 * deduplicated by a normalised key:
 *   exec     program path (argv[0] when unresolved) + argv[1..], shell-quoted
 *   delete   the absolute path
 *   connect  host:port (address when the host name is unknown), "/udp" for UDP
 *   http     METHOD scheme://host[:port]/path — the query string is dropped
 *            so that ids in it do not make every request distinct
 * Keys are bounded (IL_DRYRUN_KEY_MAX bytes) and made printable: control
 * bytes and invalid UTF-8 become '?', so the report is safe on a terminal
 * and valid JSON. At most IL_DRYRUN_MAX_DISTINCT keys are kept; later new
 * keys are still counted, and the report says how many were not listed.
 */
#include "dryrun.h"
#include "utf8.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IL_DRYRUN_KEY_MAX 512
#define PRINT_MAX_ACTIONS 50

typedef struct {
	char *key;            /* "K\x1f<normalised key>" with K the kind number; NULL = free */
	il_kind kind;
	il_decision decision; /* strictest seen */
	il_risk risk;
	char *rule;           /* primary rule id of the first sighting, NULL = defaults */
	uint64_t count;
} dr_action;

typedef struct {
	char *id;
	uint64_t matched, would_approve, would_deny;
} dr_rule;

struct il_dryrun {
	pthread_mutex_t mu;
	uint64_t total, allow, would_approve, would_deny;
	dr_action *acts;
	size_t acts_cap, acts_used;
	uint64_t not_listed;       /* gated sightings of keys refused by the cap */
	dr_rule *rules;
	size_t rules_cap, rules_used;
	uint64_t rules_dropped;
	dr_rule defaults;          /* gated by [defaults] (no primary rule) */
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

il_dryrun *il_dryrun_new(void)
{
	il_dryrun *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	pthread_mutex_init(&d->mu, NULL);
	d->defaults.id = "(defaults)";
	return d;
}

void il_dryrun_free(il_dryrun *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->acts_cap; i++) {
		free(d->acts[i].key);
		free(d->acts[i].rule);
	}
	free(d->acts);
	for (size_t i = 0; i < d->rules_cap; i++)
		free(d->rules[i].id);
	free(d->rules);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

/* ---- normalised keys -------------------------------------------------- */

/* A key under construction: two bytes of kind prefix, then at most
 * IL_DRYRUN_KEY_MAX bytes of normalised text. */
#define KB_LIMIT (IL_DRYRUN_KEY_MAX + 2)
typedef struct {
	char buf[KB_LIMIT + 1];
	size_t len;
	bool full;
} keybuf;

/* Append s (n bytes) with control bytes and invalid UTF-8 replaced by '?',
 * stopping (and marking full) at the key limit. */
static void kb_put(keybuf *k, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n && !k->full;) {
		size_t l = p[i] < 0x80 ? 1 : il_utf8_seq_len(p + i, n - i);
		if (k->len + (l ? l : 1) > KB_LIMIT) {
			k->full = true;
			break;
		}
		if (l == 0 || (l == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			k->buf[k->len++] = '?';
			i++;
		} else {
			memcpy(k->buf + k->len, p + i, l);
			k->len += l;
			i += l;
		}
	}
	k->buf[k->len] = '\0';
}

static void kb_str(keybuf *k, const char *s)
{
	if (s)
		kb_put(k, s, strlen(s));
}

/* One argv word, single-quoted when it holds anything but safe characters
 * (a quote inside becomes '\'' as in sh). */
static void kb_word(keybuf *k, const char *w)
{
	bool plain = *w != '\0';
	for (const char *c = w; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *c))
			plain = false;
	if (plain) {
		kb_str(k, w);
		return;
	}
	kb_str(k, "'");
	for (const char *c = w;;) {
		const char *q = strchr(c, '\'');
		kb_put(k, c, q ? (size_t)(q - c) : strlen(c));
		if (!q)
			break;
		kb_str(k, "'\\''");
		c = q + 1;
	}
	kb_str(k, "'");
}

static void normalise(const il_action *a, keybuf *k)
{
	char num[32];
	k->buf[0] = (char)('0' + (a->kind & 7));
	k->buf[1] = '\x1f';
	k->buf[2] = '\0';
	k->len = 2;
	k->full = false;
	switch (a->kind) {
	case IL_KIND_EXEC:
		kb_word(k, a->program ? a->program : a->argc && a->argv && a->argv[0] ? a->argv[0] : "?");
		for (size_t i = 1; a->argv && i < a->argc && !k->full; i++) {
			kb_str(k, " ");
			kb_word(k, a->argv[i] ? a->argv[i] : "");
		}
		break;
	case IL_KIND_DELETE:
		kb_str(k, a->path ? a->path : "?");
		break;
	case IL_KIND_CONNECT:
		kb_str(k, a->host ? a->host : a->addr ? a->addr : "?");
		snprintf(num, sizeof num, ":%u%s", a->port, a->udp ? "/udp" : "");
		kb_str(k, num);
		break;
	case IL_KIND_HTTP:
		kb_str(k, a->method ? a->method : "?");
		kb_str(k, " ");
		if (a->url && a->url_visible) {
			const char *q = strpbrk(a->url, "?#");
			kb_put(k, a->url, q ? (size_t)(q - a->url) : strlen(a->url));
		} else {
			kb_str(k, a->scheme ? a->scheme : "https");
			kb_str(k, "://");
			kb_str(k, a->host ? a->host : a->addr ? a->addr : "?");
			snprintf(num, sizeof num, ":%u", a->port);
			kb_str(k, num);
		}
		break;
	case IL_KIND_NONE:
		kb_str(k, "?");
		break;
	}
	if (k->full) {
		/* mark the cut so two long keys differing only past the cut show it */
		size_t at = k->len > KB_LIMIT - 3 ? KB_LIMIT - 3 : k->len;
		while (at > 2 && ((unsigned char)k->buf[at] & 0xC0) == 0x80)
			at--;
		memcpy(k->buf + at, "...", 4);
		k->len = at + 3;
	}
}

/* ---- tables ----------------------------------------------------------- */

static int acts_grow(il_dryrun *d)
{
	size_t ncap = d->acts_cap ? d->acts_cap * 2 : 256;
	dr_action *n = calloc(ncap, sizeof *n);
	if (!n)
		return -1;
	for (size_t i = 0; i < d->acts_cap; i++) {
		if (!d->acts[i].key)
			continue;
		size_t j = fnv1a(d->acts[i].key) & (ncap - 1);
		while (n[j].key)
			j = (j + 1) & (ncap - 1);
		n[j] = d->acts[i];
	}
	free(d->acts);
	d->acts = n;
	d->acts_cap = ncap;
	return 0;
}

/* Find or insert the gated action `key`; NULL when capped or out of memory. */
static dr_action *acts_get(il_dryrun *d, const char *key, bool *created)
{
	*created = false;
	if ((d->acts_used + 1) * 10 > d->acts_cap * 6 && d->acts_used < IL_DRYRUN_MAX_DISTINCT &&
	    acts_grow(d) != 0)
		return NULL;
	if (!d->acts_cap)
		return NULL;
	size_t j = fnv1a(key) & (d->acts_cap - 1);
	while (d->acts[j].key) {
		if (strcmp(d->acts[j].key, key) == 0)
			return &d->acts[j];
		j = (j + 1) & (d->acts_cap - 1);
	}
	if (d->acts_used >= IL_DRYRUN_MAX_DISTINCT || !(d->acts[j].key = strdup(key)))
		return NULL;
	d->acts_used++;
	*created = true;
	return &d->acts[j];
}

static int rules_grow(il_dryrun *d)
{
	size_t ncap = d->rules_cap ? d->rules_cap * 2 : 64;
	dr_rule *n = calloc(ncap, sizeof *n);
	if (!n)
		return -1;
	for (size_t i = 0; i < d->rules_cap; i++) {
		if (!d->rules[i].id)
			continue;
		size_t j = fnv1a(d->rules[i].id) & (ncap - 1);
		while (n[j].id)
			j = (j + 1) & (ncap - 1);
		n[j] = d->rules[i];
	}
	free(d->rules);
	d->rules = n;
	d->rules_cap = ncap;
	return 0;
}

static dr_rule *rules_get(il_dryrun *d, const char *id)
{
	if ((d->rules_used + 1) * 10 > d->rules_cap * 6 && d->rules_used < IL_DRYRUN_MAX_RULES &&
	    rules_grow(d) != 0)
		return NULL;
	if (!d->rules_cap)
		return NULL;
	size_t j = fnv1a(id) & (d->rules_cap - 1);
	while (d->rules[j].id) {
		if (strcmp(d->rules[j].id, id) == 0)
			return &d->rules[j];
		j = (j + 1) & (d->rules_cap - 1);
	}
	if (d->rules_used >= IL_DRYRUN_MAX_RULES || !(d->rules[j].id = strdup(id))) {
		d->rules_dropped++;
		return NULL;
	}
	d->rules_used++;
	return &d->rules[j];
}

void il_dryrun_record(il_dryrun *d, const il_action *a, const il_verdict *v)
{
	if (!d || !a || !v)
		return;
	keybuf k;
	bool gated = v->decision == IL_APPROVE || v->decision == IL_DENY;
	if (gated)
		normalise(a, &k);
	pthread_mutex_lock(&d->mu);
	d->total++;
	if (v->decision == IL_APPROVE)
		d->would_approve++;
	else if (v->decision == IL_DENY)
		d->would_deny++;
	else
		d->allow++;
	for (size_t i = 0; i < v->nmatched && i < IL_MAX_MATCHES; i++) {
		const il_rule *r = v->matched[i].rule;
		dr_rule *dr = r && r->id ? rules_get(d, r->id) : NULL;
		if (dr)
			dr->matched++;
	}
	if (gated) {
		dr_rule *pr = v->primary && v->primary->id ? rules_get(d, v->primary->id) : &d->defaults;
		if (pr) {
			if (v->decision == IL_APPROVE)
				pr->would_approve++;
			else
				pr->would_deny++;
		}
		bool created;
		dr_action *e = acts_get(d, k.buf, &created);
		if (!e) {
			d->not_listed++;
		} else {
			if (created) {
				e->kind = a->kind;
				e->decision = v->decision;
				e->risk = v->risk;
				e->rule = v->primary && v->primary->id ? strdup(v->primary->id) : NULL;
			} else if (v->decision > e->decision) {
				e->decision = v->decision;
			}
			if (v->risk > e->risk)
				e->risk = v->risk;
			e->count++;
		}
	}
	pthread_mutex_unlock(&d->mu);
}

/* ---- reporting -------------------------------------------------------- */

static const char *dr_decision(il_decision x)
{
	return x == IL_APPROVE ? "would_approve" : x == IL_DENY ? "would_deny" : "allow";
}

static const char *dr_kind(il_kind k)
{
	return il_kind_name(k);
}

static int act_cmp(const void *pa, const void *pb)
{
	const dr_action *a = *(const dr_action *const *)pa, *b = *(const dr_action *const *)pb;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->key, b->key);
}

static int rule_cmp(const void *pa, const void *pb)
{
	const dr_rule *a = *(const dr_rule *const *)pa, *b = *(const dr_rule *const *)pb;
	uint64_t ga = a->would_approve + a->would_deny, gb = b->would_approve + b->would_deny;
	if (ga != gb)
		return ga < gb ? 1 : -1;
	if (a->matched != b->matched)
		return a->matched < b->matched ? 1 : -1;
	return strcmp(a->id, b->id);
}

/* Sorted views of the tables (malloc'd pointer arrays; NULL when empty). */
static const dr_action **sorted_acts(const il_dryrun *d, size_t *n)
{
	*n = 0;
	const dr_action **v = d->acts_used ? malloc(d->acts_used * sizeof *v) : NULL;
	if (!v)
		return NULL;
	for (size_t i = 0; i < d->acts_cap; i++)
		if (d->acts[i].key)
			v[(*n)++] = &d->acts[i];
	qsort(v, *n, sizeof *v, act_cmp);
	return v;
}

static const dr_rule **sorted_rules(const il_dryrun *d, size_t *n)
{
	*n = 0;
	const dr_rule **v = malloc((d->rules_used + 1) * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < d->rules_cap; i++)
		if (d->rules[i].id)
			v[(*n)++] = &d->rules[i];
	if (d->defaults.would_approve || d->defaults.would_deny)
		v[(*n)++] = &d->defaults;
	qsort(v, *n, sizeof *v, rule_cmp);
	return v;
}

/* Events per hour of runtime; negative when runtime is unknown. */
static double per_hour(uint64_t n, int64_t runtime_ms)
{
	return runtime_ms > 0 ? (double)n * 3600000.0 / (double)runtime_ms : -1.0;
}

static size_t distinct_with(const il_dryrun *d, il_decision x)
{
	size_t n = 0;
	for (size_t i = 0; i < d->acts_cap; i++)
		if (d->acts[i].key && d->acts[i].decision == x)
			n++;
	return n;
}

void il_dryrun_print(const il_dryrun *d, FILE *out, int64_t runtime_ms)
{
	il_dryrun *m = (il_dryrun *)d;   /* the mutex is the only thing touched */
	char dur[32];
	pthread_mutex_lock(&m->mu);
	fprintf(out, "\ninterlock dry-run report");
	if (runtime_ms > 0)
		fprintf(out, " (agent ran %s)", il_format_duration(runtime_ms, dur, sizeof dur));
	fprintf(out, "\n  %-16s %8" PRIu64 "\n", "actions decided", d->total);
	fprintf(out, "  %-16s %8" PRIu64 "\n", "allow", d->allow);
	fprintf(out, "  %-16s %8" PRIu64 "   (%zu distinct)\n", "would_approve", d->would_approve,
	        distinct_with(d, IL_APPROVE));
	fprintf(out, "  %-16s %8" PRIu64 "   (%zu distinct)\n", "would_deny", d->would_deny,
	        distinct_with(d, IL_DENY));
	double ph = per_hour(d->would_approve, runtime_ms);
	if (ph >= 0)
		fprintf(out, "  estimate: %.1f approval requests per hour of agent runtime\n", ph);
	else
		fprintf(out, "  estimate: approvals per hour unknown (no runtime)\n");

	size_t n;
	cleanup_free const dr_rule **rv = sorted_rules(d, &n);
	if (n) {
		fprintf(out, "\n  %-36s %8s %14s %11s\n", "rule", "matched", "would_approve",
		        "would_deny");
		for (size_t i = 0; rv && i < n; i++)
			fprintf(out, "  %-36s %8" PRIu64 " %14" PRIu64 " %11" PRIu64 "\n", rv[i]->id,
			        rv[i]->matched, rv[i]->would_approve, rv[i]->would_deny);
		if (d->rules_dropped)
			fprintf(out, "  (more than %d rules matched; %" PRIu64 " matches not itemised)\n",
			        IL_DRYRUN_MAX_RULES, d->rules_dropped);
	}
	cleanup_free const dr_action **av = sorted_acts(d, &n);
	if (n) {
		fprintf(out, "\n  would have been gated (distinct actions, most frequent first):\n");
		fprintf(out, "  %7s  %-13s %-7s %-24s %s\n", "count", "decision", "kind", "rule", "action");
		for (size_t i = 0; av && i < n && i < PRINT_MAX_ACTIONS; i++)
			fprintf(out, "  %7" PRIu64 "  %-13s %-7s %-24s %s\n", av[i]->count,
			        dr_decision(av[i]->decision), dr_kind(av[i]->kind),
			        av[i]->rule ? av[i]->rule : "(defaults)", av[i]->key + 2);
		if (n > PRINT_MAX_ACTIONS)
			fprintf(out, "  ... and %zu more distinct actions (write the JSON report for all)\n",
			        n - PRINT_MAX_ACTIONS);
	}
	if (d->not_listed)
		fprintf(out, "  note: only the first %d distinct gated actions are kept; %" PRIu64
		        " later gated actions are counted above but not listed\n",
		        IL_DRYRUN_MAX_DISTINCT, d->not_listed);
	fflush(out);
	pthread_mutex_unlock(&m->mu);
}

/* The report as JSON (caller holds the mutex). NULL on OOM. */
static char *report_json(const il_dryrun *d, int64_t runtime_ms)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "runtime_ms", (double)runtime_ms);
	cJSON_AddNumberToObject(o, "total", (double)d->total);
	cJSON *bd = cJSON_AddObjectToObject(o, "by_decision");
	cJSON_AddNumberToObject(bd, "allow", (double)d->allow);
	cJSON_AddNumberToObject(bd, "would_approve", (double)d->would_approve);
	cJSON_AddNumberToObject(bd, "would_deny", (double)d->would_deny);
	double ph = per_hour(d->would_approve, runtime_ms);
	if (ph >= 0)
		cJSON_AddNumberToObject(o, "approvals_per_hour", ph);
	else
		cJSON_AddNullToObject(o, "approvals_per_hour");
	size_t n;
	cleanup_free const dr_rule **rv = sorted_rules(d, &n);
	cJSON *rules = cJSON_AddArrayToObject(o, "rules");
	for (size_t i = 0; rv && rules && i < n; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "id", rv[i]->id);
		cJSON_AddNumberToObject(r, "matched", (double)rv[i]->matched);
		cJSON_AddNumberToObject(r, "would_approve", (double)rv[i]->would_approve);
		cJSON_AddNumberToObject(r, "would_deny", (double)rv[i]->would_deny);
		cJSON_AddItemToArray(rules, r);
	}
	cleanup_free const dr_action **av = sorted_acts(d, &n);
	cJSON *gated = cJSON_AddArrayToObject(o, "gated");
	for (size_t i = 0; av && gated && i < n; i++) {
		cJSON *g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "kind", dr_kind(av[i]->kind));
		cJSON_AddStringToObject(g, "action", av[i]->key + 2);
		cJSON_AddStringToObject(g, "decision", dr_decision(av[i]->decision));
		if (av[i]->rule)
			cJSON_AddStringToObject(g, "rule", av[i]->rule);
		else
			cJSON_AddNullToObject(g, "rule");
		cJSON_AddNumberToObject(g, "count", (double)av[i]->count);
		cJSON_AddItemToArray(gated, g);
	}
	cJSON_AddNumberToObject(o, "distinct_gated", (double)d->acts_used);
	cJSON_AddBoolToObject(o, "capped", d->not_listed > 0);
	cJSON_AddNumberToObject(o, "not_listed", (double)d->not_listed);
	cJSON_AddNumberToObject(o, "max_distinct", IL_DRYRUN_MAX_DISTINCT);
	char *txt = cJSON_Print(o);
	cJSON_Delete(o);
	return txt;
}

int il_dryrun_write_json(const il_dryrun *d, const char *path, int64_t runtime_ms, char *err, size_t errlen)
{
	il_dryrun *m = (il_dryrun *)d;
	pthread_mutex_lock(&m->mu);
	char *txt = report_json(d, runtime_ms);
	pthread_mutex_unlock(&m->mu);
	if (!txt) {
		il_set_err(err, errlen, "dry-run report %s: out of memory", path);
		return -1;
	}
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 8);
	if (!tmp) {
		free(txt);
		il_set_err(err, errlen, "dry-run report %s: out of memory", path);
		return -1;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", 8);
	int fd = mkostemp(tmp, O_CLOEXEC);
	int rc = -1;
	if (fd < 0) {
		il_set_err(err, errlen, "dry-run report %s: %s", path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || il_write_all(fd, txt, strlen(txt)) != 0 ||
	    il_write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
		il_set_err(err, errlen, "dry-run report %s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		il_set_err(err, errlen, "dry-run report %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(txt);
	return rc;
}
