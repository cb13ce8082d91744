/*
 * glob.c — compile and match shell-style globs with '**' (see glob.h).
 *
 * A pattern compiles to an array of tokens; matching simulates the NFA
 * whose states are token indices (plus one accepting state), so the cost
 * is bounded by len(subject) x len(pattern) whatever the pattern, and the
 * state set lives on the stack.
 */
#include "glob.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { T_CHAR = 1, T_ANY, T_CLASS, T_STAR, T_DSTAR };

struct il_glob_tok {
	uint8_t type;
	uint8_t c;            /* T_CHAR (lower-cased when NOCASE) */
	bool skip_next;       /* T_DSTAR: entering may also skip the '/' after it */
	bool tail_accept;     // T_CHAR '/': entering may accept (trailing "/**")
	uint64_t set[4];      /* T_CLASS: 256-bit membership */
};

#define NWORDS ((IL_GLOB_MAX_TOKENS + 1 + 63) / 64)
typedef struct { uint64_t w[NWORDS]; } stateset;

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static void set_add(uint64_t *set, unsigned c)
{
	set[c >> 6] |= (uint64_t)1 << (c & 63);
}

static bool set_has(const uint64_t *set, unsigned c)
{
	return (set[c >> 6] >> (c & 63)) & 1;
}

bool il_glob_has_magic(const char *pat)
{
	return strpbrk(pat, "*?[\\") != NULL;
}

size_t il_glob_escape(const char *s, char *out, size_t n)
{
	size_t o = strlen(out);
	for (; *s; s++) {
		bool esc = strchr("*?[]\\", *s) != NULL;
		if (o + (esc ? 2 : 1) + 1 > n)
			return (size_t)-1;
		if (esc)
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
	return o;
}

/* Parse one bracket expression starting after '['. Returns the number of
 * pattern bytes consumed (through ']'), or 0 when unterminated/invalid. */
static size_t parse_class(const char *p, il_glob_tok *t, unsigned flags)
{
	const char *start = p;
	bool neg = false;
	if (*p == '!' || *p == '^') {
		neg = true;
		p++;
	}
	uint64_t set[4] = { 0, 0, 0, 0 };
	bool first = true;
	while (*p && (first || *p != ']')) {
		unsigned char lo = (unsigned char)*p;
		if (lo == '\\') {
			if (!p[1])
				return 0;
			lo = (unsigned char)*++p;
		}
		p++;
		unsigned char hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			p++;
			hi = (unsigned char)*p;
			if (hi == '\\') {
				if (!p[1])
					return 0;
				hi = (unsigned char)*++p;
			}
			p++;
			if (hi < lo)
				return 0;
		}
		for (unsigned c = lo; c <= hi; c++) {
			set_add(set, c);
			if (flags & IL_GLOB_NOCASE) {
				set_add(set, (unsigned)lc((int)c));
				set_add(set, (unsigned)toupper((int)c));
			}
		}
		first = false;
	}
	if (*p != ']')
		return 0;
	p++;
	for (int i = 0; i < 4; i++)
		t->set[i] = neg ? ~set[i] : set[i];
	t->set[0] &= ~(uint64_t)1;   /* NUL never matches */
	if (flags & IL_GLOB_PATH)
		t->set['/' >> 6] &= ~((uint64_t)1 << ('/' & 63));
	return (size_t)(p - start);
}

static bool skippable(const il_glob *g, size_t i)
{
	return i > 0 && g->toks[i - 1].type == T_DSTAR && g->toks[i - 1].skip_next;
}

/* Derive the literal prefix/suffix and minimum length used for quick rejects. */
static void compute_hints(il_glob *g)
{
	size_t n = g->ntoks;
	size_t i = 0;
	while (i < n && g->toks[i].type == T_CHAR && !g->toks[i].tail_accept && !skippable(g, i))
		i++;
	g->prefix = malloc(i + 1);
	if (g->prefix) {
		for (size_t k = 0; k < i; k++)
			g->prefix[k] = (char)g->toks[k].c;
		g->prefix[i] = '\0';
		g->prefix_len = i;
	}
	bool all_literal = (i == n);
	size_t j = n;
	while (j > i && g->toks[j - 1].type == T_CHAR && !g->toks[j - 1].tail_accept &&
	       !skippable(g, j - 1))
		j--;
	if (all_literal)
		j = n;
	g->suffix = malloc(n - j + 1);
	if (g->suffix) {
		for (size_t k = j; k < n; k++)
			g->suffix[k - j] = (char)g->toks[k].c;
		g->suffix[n - j] = '\0';
		g->suffix_len = n - j;
	}
	size_t min = 0;
	for (size_t k = 0; k < n; k++) {
		uint8_t ty = g->toks[k].type;
		if ((ty == T_CHAR || ty == T_ANY || ty == T_CLASS) && !skippable(g, k) &&
		    !g->toks[k].tail_accept)
			min++;
	}
	g->min_len = min;
	g->literal = all_literal;
	if (all_literal) {
		g->lit = g->prefix;
		g->lit_len = g->prefix_len;
	}
}

int il_glob_compile(il_glob *g, const char *pat, unsigned flags, char *err, size_t errlen)
{
	memset(g, 0, sizeof(*g));
	g->flags = flags;
	const char *p = pat;
	if (strncmp(p, "${CWD}", 6) == 0) {
		g->cwd_prefix = true;
		p += 6;
	}
	size_t cap = strlen(p) + 1;
	if (cap > IL_GLOB_MAX_TOKENS + 1)
		cap = IL_GLOB_MAX_TOKENS + 1;
	il_glob_tok *toks = calloc(cap, sizeof(*toks));
	if (!toks) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t n = 0;
	while (*p) {
		if (n >= IL_GLOB_MAX_TOKENS) {
			snprintf(err, errlen, "pattern longer than %d elements", IL_GLOB_MAX_TOKENS);
			free(toks);
			return -1;
		}
		il_glob_tok *t = &toks[n];
		size_t off = (size_t)(p - pat);
		if (*p == '*') {
			size_t run = 0;
			while (p[run] == '*')
				run++;
			t->type = run >= 2 ? T_DSTAR : T_STAR;
			if (t->type == T_DSTAR) {
				bool after_sep = (n == 0 && !g->cwd_prefix) ||
				                 (n > 0 && toks[n - 1].type == T_CHAR && toks[n - 1].c == '/');
				if (after_sep && p[run] == '/')
					t->skip_next = true;
				if (n > 0 && toks[n - 1].type == T_CHAR && toks[n - 1].c == '/' && p[run] == '\0')
					toks[n - 1].tail_accept = true;
				// "${CWD}/**": the '/' right after the prefix gets tail_accept
				// through the rule above, because it is a token of its own.
			}
			p += run;
		} else if (*p == '?') {
			t->type = T_ANY;
			p++;
		} else if (*p == '[') {
			t->type = T_CLASS;
			size_t used = parse_class(p + 1, t, flags);
			if (used == 0) {
				snprintf(err, errlen, "unterminated or invalid '[' at offset %zu", off);
				free(toks);
				return -1;
			}
			p += 1 + used;
		} else {
			if (*p == '\\') {
				if (!p[1]) {
					snprintf(err, errlen, "trailing '\\' at offset %zu", off);
					free(toks);
					return -1;
				}
				p++;
			}
			t->type = T_CHAR;
			t->c = (uint8_t)((flags & IL_GLOB_NOCASE) ? lc((unsigned char)*p) : (unsigned char)*p);
			p++;
		}
		n++;
	}
	g->toks = toks;
	g->ntoks = n;
	compute_hints(g);
	g->source = strdup(pat);
	g->has_slash = strchr(pat, '/') != NULL;
	if (!g->prefix || !g->suffix || !g->source) {
		il_glob_free(g);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void il_glob_free(il_glob *g)
{
	if (!g)
		return;
	free(g->toks);
	free(g->prefix);
	free(g->suffix);
	free(g->source);
	memset(g, 0, sizeof(*g));
}

/* Enter state i (after a transition or at the start) with its epsilon closure. */
static void enter(const il_glob *g, stateset *s, size_t i)
{
	size_t n = g->ntoks;
	if (i > n)
		return;
	const il_glob_tok *t = i < n ? &g->toks[i] : NULL;
	bool already = (s->w[i >> 6] >> (i & 63)) & 1;
	if (already && !(t && t->type == T_DSTAR && t->skip_next))
		return;
	s->w[i >> 6] |= (uint64_t)1 << (i & 63);
	if (!t)
		return;
	if (t->type == T_STAR || t->type == T_DSTAR)
		enter(g, s, i + 1);
	if (t->type == T_DSTAR && t->skip_next)
		enter(g, s, i + 2);
	if (t->type == T_CHAR && t->tail_accept)
		enter(g, s, n);
}

/* A star state consumed a character: stay, or leave it. */
static void stay(const il_glob *g, stateset *s, size_t i)
{
	s->w[i >> 6] |= (uint64_t)1 << (i & 63);
	enter(g, s, i + 1);
}

static bool nfa_match(const il_glob *g, const char *s)
{
	bool path = g->flags & IL_GLOB_PATH;
	bool nocase = g->flags & IL_GLOB_NOCASE;
	size_t n = g->ntoks;
	size_t words = (n + 1 + 63) / 64;
	stateset cur, next;
	memset(&cur, 0, sizeof(cur));
	enter(g, &cur, 0);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		unsigned char lch = nocase ? (unsigned char)lc(ch) : ch;
		memset(&next, 0, sizeof(next));
		bool any = false;
		for (size_t w = 0; w < words; w++) {
			uint64_t bits = cur.w[w];
			while (bits) {
				size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
				bits &= bits - 1;
				if (i >= n)
					continue;
				const il_glob_tok *t = &g->toks[i];
				switch (t->type) {
				case T_CHAR:
					if (lch == t->c) {
						enter(g, &next, i + 1);
						any = true;
					}
					break;
				case T_ANY:
					if (!(path && ch == '/')) {
						enter(g, &next, i + 1);
						any = true;
					}
					break;
				case T_CLASS:
					if (set_has(t->set, ch)) {
						enter(g, &next, i + 1);
						any = true;
					}
					break;
				case T_STAR:
					if (!(path && ch == '/')) {
						stay(g, &next, i);
						any = true;
					}
					break;
				case T_DSTAR:
					stay(g, &next, i);
					any = true;
					break;
				default:
					break;
				}
			}
		}
		if (!any)
			return false;
		cur = next;
	}
	return (cur.w[n >> 6] >> (n & 63)) & 1;
}

bool il_glob_match(const il_glob *g, const char *s, const char *cwd)
{
	if (!g || !s)
		return false;
	bool nocase = g->flags & IL_GLOB_NOCASE;
	if (g->cwd_prefix) {
		if (!cwd)
			return false;
		size_t cl = strlen(cwd);
		while (cl > 0 && cwd[cl - 1] == '/')
			cl--;
		if (strncmp(s, cwd, cl) != 0)
			return false;
		s += cl;
	}
	size_t len = strlen(s);
	if (len < g->min_len)
		return false;
	if (g->literal) {
		if (len != g->lit_len)
			return false;
		return nocase ? strcasecmp(s, g->lit) == 0 : memcmp(s, g->lit, len) == 0;
	}
	if (g->prefix_len) {
		if (nocase ? strncasecmp(s, g->prefix, g->prefix_len) != 0
		           : memcmp(s, g->prefix, g->prefix_len) != 0)
			return false;
	}
	if (g->suffix_len) {
		if (len < g->suffix_len)
			return false;
		const char *tail = s + len - g->suffix_len;
		if (nocase ? strncasecmp(tail, g->suffix, g->suffix_len) != 0
		           : memcmp(tail, g->suffix, g->suffix_len) != 0)
			return false;
	}
	return nfa_match(g, s);
}
