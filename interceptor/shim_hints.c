/*
 * shim_hints.c — skipping the question for deletes no rule can gate.
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
 * State is process-wide and written once: 0 unknown, 1 fetching, 2 ask
 * about everything, 3 screen with the globs. A fork child keeps its
 * parent's (same sidecar, same policy). Fetching happens only outside
 * vfork children and signal handlers (the caller says so); until it has
 * happened every delete is asked about.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

#define IL_HINTS_BUF (32u * 1024u)
#define IL_HINTS_MAX 512u

enum { IL_HS_UNKNOWN = 0, IL_HS_FETCHING, IL_HS_ASK, IL_HS_SCREEN, IL_HS_HTTPONLY };

static _Atomic int il_hs_state;
static char il_hs_buf[IL_HINTS_BUF];
static uint32_t il_hs_off[IL_HINTS_MAX], il_hs_len[IL_HINTS_MAX];
static unsigned il_hs_n;
static int il_hs_http_free;   /* written before the state is published */

/* Parse a HINTS payload into the tables. IL_HS_SCREEN or IL_HS_ASK. */
static int il_hs_parse(size_t len)
{
	uint32_t mode = IL_HINT_ASK;
	int have_mode = 0;
	size_t off = 0;
	il_hs_n = 0;
	while (off < len) {
		il_wire_field f;
		if (len - off < sizeof f)
			return -1;
		memcpy(&f, il_hs_buf + off, sizeof f);
		off += sizeof f;
		if (f.len > len - off)
			return -1;
		if (f.tag == IL_T_HINT_MODE) {
			if (f.len != sizeof mode)
				return -1;
			memcpy(&mode, il_hs_buf + off, sizeof mode);
			have_mode = 1;
		} else if (f.tag == IL_T_HINT_HTTP_FREE) {
			uint32_t v;
			if (f.len != sizeof v)
				return -1;
			memcpy(&v, il_hs_buf + off, sizeof v);
			il_hs_http_free = v == 1;
		} else if (f.tag == IL_T_HINT_GLOB) {
			if (il_hs_n == IL_HINTS_MAX || memchr(il_hs_buf + off, '\0', f.len))
				return -1;
			il_hs_off[il_hs_n] = (uint32_t)off;
			il_hs_len[il_hs_n] = f.len;
			il_hs_n++;
		}
		off += f.len;
	}
	if (!have_mode)
		return -1;
	return mode == IL_HINT_SCREEN ? IL_HS_SCREEN : IL_HS_ASK;
}

void il_hints_prepare(int depth)
{
	if (atomic_load_explicit(&il_hs_state, memory_order_acquire) != IL_HS_UNKNOWN)
		return;
	/* not from a signal handler, nor a vfork child (which shares these
	 * tables with its parent and must not write them) */
	if (depth != 1 || !il_conn_cacheable(getpid()))
		return;
	int expect = IL_HS_UNKNOWN;
	if (!atomic_compare_exchange_strong(&il_hs_state, &expect, IL_HS_FETCHING))
		return;
	size_t len = 0;
	int st = IL_HS_ASK;
	il_hs_http_free = 0;
	if (il_hints_fetch(il_hs_buf, sizeof il_hs_buf, &len) == 0)
		st = il_hs_parse(len);
	if (st < 0) {   /* malformed: nothing it said counts */
		st = IL_HS_ASK;
		il_hs_http_free = 0;
	}
	if (st == IL_HS_ASK)
		il_hs_n = 0;
	/* (the HTTP answer stands on its own: a sidecar may screen HTTP and
	 * still ask about every delete) */
	if (st == IL_HS_ASK && il_hs_http_free)
		st = IL_HS_HTTPONLY;
	atomic_store_explicit(&il_hs_state, st, memory_order_release);
}

/* Find `lit` (n bytes) in s[from..slen) — the leftmost place, or -1. */
static long il_hs_find(const char *s, size_t slen, size_t from, const char *lit, size_t n)
{
	if (n == 0)
		return (long)from;
	for (size_t i = from; i + n <= slen; i++)
		if (s[i] == lit[0] && memcmp(s + i, lit, n) == 0)
			return (long)i;
	return -1;
}

/*
 * May glob g (n bytes) match path s? Over-approximates (see the top).
 */
static int il_hs_may_match(const char *g, size_t n, const char *s)
{
	size_t slen = strlen(s), pos = 0, i = 0;
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
			if (!(rl == slen && memcmp(s, g + start, rl) == 0))
				return 0;
		} else if (anchored_start) {
			if (rl > slen || memcmp(s, g + start, rl) != 0)
				return 0;
			pos = rl;
		} else if (anchored_end) {
			if (rl > slen || slen - rl < pos || memcmp(s + slen - rl, g + start, rl) != 0)
				return 0;
			pos = slen;
		} else {
			long at = il_hs_find(s, slen, pos, g + start, rl);
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

int il_hints_skip_delete(const char *abs_path)
{
	if (atomic_load_explicit(&il_hs_state, memory_order_acquire) != IL_HS_SCREEN)
		return 0;
	for (unsigned k = 0; k < il_hs_n; k++)
		if (il_hs_may_match(il_hs_buf + il_hs_off[k], il_hs_len[k], abs_path))
			return 0;
	return 1;
}

int il_hints_skip_http(void)
{
	int st = atomic_load_explicit(&il_hs_state, memory_order_acquire);
	return (st == IL_HS_SCREEN || st == IL_HS_HTTPONLY) && il_hs_http_free;
}
