/*
 * shim_hints.c — skipping the question for deletes, execs and HTTP
 * requests no rule can gate.
 *
 * `rm -rf` of a large tree makes one delete per file, and a round trip to
 * the sidecar per file costs several times the delete itself. Once per
 * process the shim asks the sidecar for its delete hints (IL_MSG_HINTS,
 * protocol.h): the path globs of every delete rule (allow rules too: what
 * a rule matches is audited), or "ask about everything" when no screen is
 * sound (a non-allow default, a rule matching by regex or on all paths,
 * dry-run, auditing every allow). A delete whose absolute path cannot
 * match any hint glob is then allowed without asking.
 *
 * The screen over-approximates: a glob is reduced to its literal runs
 * (the text between wildcards, with the '/' next to a "**" dropped since
 * "a/ **" also matches "a"), which must occur in the path in order,
 * anchored at the start or the end when the glob starts or ends with
 * literal text. Anything the screen does not understand (classes, escapes,
 * ${CWD}) is a wildcard. Every path a glob matches passes the screen, so
 * the screen can only ask too often, never too rarely.
 *
 * HTTP requests are screened per rule: the sidecar sends, for every http
 * rule, its method globs, its host globs and the hosts its url globs imply
 * (a group per rule; an empty list constrains nothing). A request skips
 * the round trip only when every rule is ruled out by one of its lists:
 * no glob of it may match the request's method or host, compared without
 * regard to ASCII case as the rules' matcher does. Only subjects the
 * sidecar certainly sees the same way count (an opaque request has no
 * method; a host is used lower-cased without trailing dots; a URL host
 * only when the canonical URL will be built, see il_hints_skip_http).
 * Without any http rule the old IL_T_HINT_HTTP_FREE flag says it all.
 *
 * State is process-wide and written once (unknown, fetching, done, with
 * flags: screen deletes, HTTP free, screen HTTP, screen execs). A fork child
 * keeps its parent's (same sidecar, same policy). Fetching happens only
 * outside vfork children and signal handlers: on a process's first delete
 * or HTTP request, or before its first fork() — so that a shell's
 * children, whose execs may not fetch anything, can screen their exec by
 * program name (exec rules name the programs they gate). Until then every
 * action is asked about.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

#define IL_HINTS_BUF (32u * 1024u)
#define IL_HINTS_MAX 512u

enum { IL_HS_UNKNOWN = 0, IL_HS_FETCHING, IL_HS_DONE };

/* Written once by the fetching thread, then published by il_hs_state
 * (release); readers check the state (acquire) before the rest. */
static _Atomic int il_hs_state;
static char il_hs_buf[IL_HINTS_BUF];
static uint32_t il_hs_off[IL_HINTS_MAX], il_hs_len[IL_HINTS_MAX];   /* delete globs */
static unsigned il_hs_n;
static uint32_t il_hp_off[IL_HINTS_MAX], il_hp_len[IL_HINTS_MAX];   /* program globs */
static unsigned il_hp_n;
static int il_hs_del_screen, il_hs_http_free, il_hs_exec_screen;
/* The HTTP screen: one group per http rule; its globs are the contiguous
 * range [il_hh_first[r], il_hh_end[r]) of il_hh_off/len/type. */
static uint32_t il_hh_off[IL_HINT_HTTP_MAX_GLOBS], il_hh_len[IL_HINT_HTTP_MAX_GLOBS];
static uint16_t il_hh_type[IL_HINT_HTTP_MAX_GLOBS];
static unsigned il_hh_n;
static unsigned il_hh_first[IL_HINT_HTTP_MAX_RULES], il_hh_end[IL_HINT_HTTP_MAX_RULES];
static unsigned il_hh_rules;
static int il_hh_screen, il_hh_bad;

/* One u32 field value, or -1 when the field is not 4 bytes. */
static long il_hs_u32(const il_wire_field *f, size_t off)
{
	uint32_t v;
	if (f->len != sizeof v)
		return -1;
	memcpy(&v, il_hs_buf + off, sizeof v);
	return (long)v;
}

/* Parse a HINTS payload into the tables and flags. 0, or -1 when it is
 * malformed (then the caller clears everything: nothing it said counts). */
static int il_hs_parse(size_t len)
{
	size_t off = 0;
	int have_mode = 0;
	while (off < len) {
		il_wire_field f;
		if (len - off < sizeof f)
			return -1;
		memcpy(&f, il_hs_buf + off, sizeof f);
		off += sizeof f;
		if (f.len > len - off)
			return -1;
		long v;
		switch (f.tag) {
		case IL_T_HINT_MODE:
			if ((v = il_hs_u32(&f, off)) < 0)
				return -1;
			il_hs_del_screen = v == IL_HINT_SCREEN;
			have_mode = 1;
			break;
		case IL_T_HINT_HTTP_FREE:
			if ((v = il_hs_u32(&f, off)) < 0)
				return -1;
			il_hs_http_free = v == 1;
			break;
		case IL_T_HINT_EXEC_SCREEN:
			if ((v = il_hs_u32(&f, off)) < 0)
				return -1;
			il_hs_exec_screen = v == 1;
			break;
		case IL_T_HINT_HTTP_SCREEN:
			if ((v = il_hs_u32(&f, off)) < 0)
				return -1;
			il_hh_screen = v == 1;
			break;
		case IL_T_HINT_HTTP_RULE:
			if (il_hs_u32(&f, off) < 0)
				return -1;
			if (il_hh_rules == IL_HINT_HTTP_MAX_RULES) {
				il_hh_bad = 1;   /* over the bound: no HTTP screen */
				break;
			}
			il_hh_first[il_hh_rules] = il_hh_end[il_hh_rules] = il_hh_n;
			il_hh_rules++;
			break;
		case IL_T_HINT_HTTP_METHOD:
		case IL_T_HINT_HTTP_HOST:
		case IL_T_HINT_HTTP_URL_HOST:
			if (memchr(il_hs_buf + off, '\0', f.len))
				return -1;
			if (il_hh_rules == 0 || il_hh_n == IL_HINT_HTTP_MAX_GLOBS) {
				il_hh_bad = 1;   /* outside a group, or over the bound */
				break;
			}
			il_hh_off[il_hh_n] = (uint32_t)off;
			il_hh_len[il_hh_n] = f.len;
			il_hh_type[il_hh_n] = f.tag;
			il_hh_n++;
			il_hh_end[il_hh_rules - 1] = il_hh_n;
			break;
		case IL_T_HINT_GLOB:
		case IL_T_HINT_PROGRAM: {
			int prog = f.tag == IL_T_HINT_PROGRAM;
			unsigned *n = prog ? &il_hp_n : &il_hs_n;
			if (*n == IL_HINTS_MAX || memchr(il_hs_buf + off, '\0', f.len))
				return -1;
			(prog ? il_hp_off : il_hs_off)[*n] = (uint32_t)off;
			(prog ? il_hp_len : il_hs_len)[*n] = f.len;
			(*n)++;
			break;
		}
		default:
			break;   /* unknown fields are ignored */
		}
		off += f.len;
	}
	return have_mode ? 0 : -1;
}

void il_hints_prepare(int depth)
{
	if (atomic_load_explicit(&il_hs_state, memory_order_acquire) != IL_HS_UNKNOWN)
		return;
	/* not from a signal handler, nor a vfork child (which shares these
	 * tables with its parent and must not write them) */
	if (depth != 1 || !il_cfg.active || il_cfg.broken || !il_conn_cacheable(getpid()))
		return;
	int expect = IL_HS_UNKNOWN;
	if (!atomic_compare_exchange_strong(&il_hs_state, &expect, IL_HS_FETCHING))
		return;
	size_t len = 0;
	il_hs_n = il_hp_n = il_hh_n = il_hh_rules = 0;
	il_hs_del_screen = il_hs_http_free = il_hs_exec_screen = il_hh_screen = il_hh_bad = 0;
	if (il_hints_fetch(il_hs_buf, sizeof il_hs_buf, &len) < 0 || il_hs_parse(len) < 0) {
		/* unreachable or malformed: ask about everything */
		il_hs_n = il_hp_n = il_hh_n = il_hh_rules = 0;
		il_hs_del_screen = il_hs_http_free = il_hs_exec_screen = il_hh_screen = 0;
	}
	if (il_hh_bad)
		il_hh_screen = 0;
	atomic_store_explicit(&il_hs_state, IL_HS_DONE, memory_order_release);
}

static int il_hs_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Are a[0..n) and b[0..n) equal (ASCII letters in any case with nocase)? */
static int il_hs_eq(const char *a, const char *b, size_t n, int nocase)
{
	if (!nocase)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (il_hs_lower((unsigned char)a[i]) != il_hs_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Find `lit` (n bytes) in s[from..slen) — the leftmost place, or -1. */
static long il_hs_find(const char *s, size_t slen, size_t from, const char *lit, size_t n,
                       int nocase)
{
	if (n == 0)
		return (long)from;
	for (size_t i = from; i + n <= slen; i++)
		if (il_hs_eq(s + i, lit, n, nocase))
			return (long)i;
	return -1;
}

/*
 * May glob g (n bytes) match s[0..slen)? Over-approximates (see the top);
 * with nocase ASCII letters compare in any case (the rules' IL_GLOB_NOCASE
 * globs: HTTP methods and hosts).
 */
static int il_hs_may_match_n(const char *g, size_t n, const char *s, size_t slen, int nocase)
{
	size_t pos = 0, i = 0;
	int first = 1;
	/* ${CWD} is a wildcard here */
	if (n >= 6 && memcmp(g, "${CWD}", 6) == 0) {
		i = 6;
		first = 0;
	}
	while (i < n) {
		/* one literal run: up to the next wildcard */
		size_t start = i;
		while (i < n && g[i] != '*' && g[i] != '?' && g[i] != '[' && g[i] != '\\')
			i++;
		size_t end = i;
		int before_dstar = i + 1 < n && g[i] == '*' && g[i + 1] == '*';
		if (before_dstar && end > start && g[end - 1] == '/')
			end--;   /* "a/ **" matches "a" */
		if (!first && start < end && g[start] == '/' && start >= 2 &&
		    g[start - 1] == '*' && g[start - 2] == '*')
			start++;   /* "** /b" may match with no directory at all */
		size_t rl = end > start ? end - start : 0;
		int anchored_start = first && start == 0;
		int anchored_end = i == n;
		if (anchored_start && anchored_end) {
			if (!(rl == slen && il_hs_eq(s, g + start, rl, nocase)))
				return 0;
		} else if (anchored_start) {
			if (rl > slen || !il_hs_eq(s, g + start, rl, nocase))
				return 0;
			pos = rl;
		} else if (anchored_end) {
			if (rl > slen || slen - rl < pos || !il_hs_eq(s + slen - rl, g + start, rl, nocase))
				return 0;
			pos = slen;
		} else {
			long at = il_hs_find(s, slen, pos, g + start, rl, nocase);
			if (at < 0)
				return 0;
			pos = (size_t)at + rl;
		}
		first = 0;
		/* skip the wildcard: "*"/"**", "?", a class, an escape */
		if (i >= n)
			break;
		if (g[i] == '\\') {
			i += 2;
		} else if (g[i] == '[') {
			size_t j = i + 1;
			if (j < n && (g[j] == '!' || g[j] == '^'))
				j++;
			if (j < n && g[j] == ']')
				j++;
			while (j < n && g[j] != ']')
				j++;
			i = j < n ? j + 1 : n;
		} else {
			while (i < n && (g[i] == '*' || g[i] == '?'))
				i++;
		}
		if (i > n)
			i = n;
	}
	return 1;
}

/* il_hs_may_match_n over a NUL-terminated subject, case-sensitively. */
static int il_hs_may_match(const char *g, size_t n, const char *s)
{
	return il_hs_may_match_n(g, n, s, strlen(s), 0);
}

static int il_hs_done(void)
{
	return atomic_load_explicit(&il_hs_state, memory_order_acquire) == IL_HS_DONE;
}

int il_hints_skip_delete(const char *abs_path)
{
	if (!il_hs_done() || !il_hs_del_screen)
		return 0;
	size_t slen = strlen(abs_path);   /* once: `rm -rf` screens every file */
	for (unsigned k = 0; k < il_hs_n; k++)
		if (il_hs_may_match_n(il_hs_buf + il_hs_off[k], il_hs_len[k], abs_path, slen, 0))
			return 0;
	return 1;
}

/* Does some glob of type `type` in [from, to) of the HTTP screen possibly
 * match s[0..slen)? -1 when the range holds no glob of that type (the rule
 * does not constrain it). */
static int il_hh_any(unsigned from, unsigned to, uint16_t type, const char *s, size_t slen)
{
	int seen = 0;
	for (unsigned k = from; k < to; k++) {
		if (il_hh_type[k] != type)
			continue;
		seen = 1;
		if (il_hs_may_match_n(il_hs_buf + il_hh_off[k], il_hh_len[k], s, slen, 1))
			return 1;
	}
	return seen ? 0 : -1;
}

static int il_hh_is_http_scheme(const char *sc)
{
	size_t n = sc ? strlen(sc) : 0;
	return (n == 4 && il_hs_eq(sc, "http", 4, 1)) || (n == 5 && il_hs_eq(sc, "https", 5, 1));
}

/*
 * May the request r match no http rule? The sidecar's matcher
 * (sidecar/policy_match.c) sees the method only when the URL is visible,
 * the host lower-cased without trailing dots (1..255 bytes, else unknown),
 * and the canonical URL scheme://host[:port]/path[?query] only when the
 * scheme and host are known and the path is normalisable and short. The
 * screen uses a subject only where the sidecar certainly sees the same;
 * an unknown subject rules nothing out.
 */
int il_hints_skip_http(const il_req *r)
{
	if (!il_hs_done())
		return 0;
	if (il_hs_http_free)
		return 1;
	if (!il_hh_screen || !r)
		return 0;
	const char *method = r->url_visible && r->method ? r->method : NULL;
	const char *host = r->host;
	size_t hl = host ? strlen(host) : 0;
	while (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (hl == 0 || hl >= 256)
		host = NULL;
	/* the URL's host is the host when the canonical URL is built and
	 * the host cannot be confused with what follows it */
	int url_ok = host && method && r->url_path && r->url_path[0] && strlen(r->url_path) < 3000 &&
	             (!r->query || strlen(r->query) < 3000) && il_hh_is_http_scheme(r->scheme) &&
	             !memchr(host, '/', hl) && !memchr(host, ':', hl);
	for (unsigned k = 0; k < il_hh_rules; k++) {
		unsigned a = il_hh_first[k], b = il_hh_end[k];
		if (method && il_hh_any(a, b, IL_T_HINT_HTTP_METHOD, method, strlen(method)) == 0)
			continue;
		if (host && il_hh_any(a, b, IL_T_HINT_HTTP_HOST, host, hl) == 0)
			continue;
		if (url_ok && il_hh_any(a, b, IL_T_HINT_HTTP_URL_HOST, host, hl) == 0)
			continue;
		return 0;   /* this rule may match: ask */
	}
	return 1;
}

/* The basename of a path (the whole string when it has no '/'). */
static const char *il_hs_base(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/*
 * May an exec of `program` (resolved, absolute) with this argv[0] match a
 * rule? Rules match a program glob against the resolved path or an
 * absolute argv[0], or against the basename of either: all four are
 * screened. Uses only the published tables: safe in a vfork child.
 */
int il_hints_skip_exec(const char *program, const char *argv0)
{
	if (!il_hs_done() || !il_hs_exec_screen || !program)
		return 0;
	const char *cands[4] = { program, il_hs_base(program), argv0, argv0 ? il_hs_base(argv0) : NULL };
	for (unsigned k = 0; k < il_hp_n; k++)
		for (int c = 0; c < 4; c++)
			if (cands[c] && il_hs_may_match(il_hs_buf + il_hp_off[k], il_hp_len[k], cands[c]))
				return 0;
	return 1;
}

/* Before fork(): a shell about to start children fetches the hints once,
 * so that its children's execs (which run where nothing may be fetched)
 * can be screened. */
static void il_hints_prefork(void)
{
	il_hints_prepare(1);
}

void il_hints_init(void)
{
	pthread_atfork(il_hints_prefork, NULL, NULL);
}
