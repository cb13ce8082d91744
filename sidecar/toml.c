/*
 * toml.c — a TOML 1.0.0 parser (the API and its contract are in toml.h).
 *
 * Shape of the parser: the whole document is checked to be UTF-8 first, then
 * a hand-written recursive-descent parser walks it once. Recursion happens
 * only for arrays and inline tables, and every node created anywhere (also
 * the tables that [headers] and dotted keys create) carries a depth that is
 * refused beyond TOML_MAX_DEPTH, so every walk over the finished tree,
 * including toml_free(), is bounded too.
 *
 * Errors: every parsing function returns 0 or -1; the first error recorded
 * wins. A node is attached to the tree as soon as it is complete (or, for
 * tables made by keys, at once), so freeing the root on failure frees
 * everything; a value still being built is freed by the function building it.
 *
 * Keys are found through a hash index over (table, key) kept by the parser,
 * so large tables stay linear to parse; toml_get() on the finished tree is a
 * plain scan.
 */
#include "toml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a table or array came to be (toml_value.flags). */
enum {
	TF_IMPLICIT = 1u << 0, /* table made as a prefix of a [header] path */
	TF_EXPLICIT = 1u << 1, /* table opened by its own [header] or [[header]] */
	TF_DOTTED = 1u << 2,   /* table made by a dotted key (a.b = 1) */
	TF_INLINE = 1u << 3,   /* inline table, closed: immutable */
	TF_AOT = 1u << 4,      /* array made by [[header]] */
};

typedef struct {
	toml_value *tab; /* NULL: empty slot */
	size_t idx;      /* index into tab->u.tab.items */
	uint64_t hash;
} key_slot;

typedef struct {
	const unsigned char *s;
	size_t n, p;       /* input, its length, the cursor */
	toml_error *err;
	bool failed;
	size_t loc_off;    /* position cache: line/col of offset loc_off */
	int loc_line, loc_col;
	size_t start;      /* offset after an optional BOM */
	key_slot *slots;   /* open-addressing index of every table key */
	size_t nslots, nused;
} parser;

/* One segment of a (possibly dotted) key, with where it was written. */
typedef struct {
	char *s;
	size_t len;
	size_t off;
} key_part;

typedef struct {
	key_part *parts;
	int n, cap;
} key_path;

typedef struct {
	char *p;
	size_t len, cap;
} sbuf;

/* ---------------------------------------------------------------- errors */

/*
 * Turn a byte offset into a 1-based line and column (columns count code
 * points). Offsets are asked for in increasing order almost always, so the
 * scan continues from the previous answer; an earlier offset rescans from
 * the start (only error reports do that).
 */
static void locate(parser *P, size_t off, int *line, int *col)
{
	if (off > P->n)
		off = P->n;
	if (off < P->loc_off) {
		P->loc_off = P->start;
		P->loc_line = 1;
		P->loc_col = 1;
	}
	while (P->loc_off < off) {
		unsigned char c = P->s[P->loc_off++];
		if (c == '\n') {
			P->loc_line++;
			P->loc_col = 1;
		} else if ((c & 0xC0) != 0x80) {
			P->loc_col++;
		}
	}
	*line = P->loc_line;
	*col = P->loc_col;
}

/* Record the first error, at byte offset `off`. Always returns -1. */
__attribute__((format(printf, 3, 4))) static int fail_at(parser *P, size_t off,
							  const char *fmt, ...)
{
	if (P->failed)
		return -1;
	P->failed = true;
	locate(P, off, &P->err->line, &P->err->col);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(P->err->msg, sizeof P->err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

static int oom(parser *P)
{
	return fail_at(P, P->p, "out of memory");
}

/*
 * Render a key for a message into buf: printable ASCII and UTF-8 as is,
 * other bytes as \xNN, cut with "..." past about 60 bytes.
 */
static const char *show_key(const char *k, size_t len, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)k[i];
		if (o + 8 >= cap || o > 60) {
			if ((c & 0xC0) == 0x80) { /* drop a partly copied character */
				while (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
					o--;
				if (o > 0)
					o--;
			}
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (c >= 0x20 && c != 0x7F && c != '\'')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", c);
	}
	buf[o] = '\0';
	return buf;
}

/* ------------------------------------------------------------ utilities */

static int sb_put(parser *P, sbuf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return oom(P);
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int peek(const parser *P, size_t k)
{
	return P->p + k < P->n ? P->s[P->p + k] : -1;
}

static void skip_ws(parser *P)
{
	while (P->p < P->n && (P->s[P->p] == ' ' || P->s[P->p] == '\t'))
		P->p++;
}

static bool at_newline(const parser *P)
{
	return peek(P, 0) == '\n' || (peek(P, 0) == '\r' && peek(P, 1) == '\n');
}

static void eat_newline(parser *P)
{
	P->p += peek(P, 0) == '\r' ? 2 : 1;
}

/* Name a byte for "unexpected ..." messages. */
static const char *show_char(int c, char *buf, size_t cap)
{
	if (c < 0)
		snprintf(buf, cap, "end of file");
	else if (c == '\n')
		snprintf(buf, cap, "end of line");
	else if (c > 0x20 && c < 0x7F)
		snprintf(buf, cap, "'%c'", c);
	else
		snprintf(buf, cap, "byte 0x%02X", c);
	return buf;
}

/*
 * Skip a comment starting at '#' up to (not including) the end of its line.
 * Control characters other than tab are refused, as is a lone CR.
 */
static int skip_comment(parser *P)
{
	P->p++;
	while (P->p < P->n) {
		unsigned char c = P->s[P->p];
		if (c == '\n' || (c == '\r' && peek(P, 1) == '\n'))
			return 0;
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return fail_at(P, P->p, "control character U+%04X in comment", c);
		P->p++;
	}
	return 0;
}

/* Skip whitespace, newlines and comments (inside arrays). */
static int skip_ws_nl(parser *P)
{
	for (;;) {
		skip_ws(P);
		if (peek(P, 0) == '#') {
			if (skip_comment(P) < 0)
				return -1;
		} else if (at_newline(P)) {
			eat_newline(P);
		} else {
			return 0;
		}
	}
}

/*
 * Check that the whole input is well-formed UTF-8: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence.
 */
static int check_utf8(parser *P)
{
	const unsigned char *s = P->s;
	size_t i = 0, n = P->n;
	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		unsigned char lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			if (c == 0xE0)
				lo = 0xA0;
			if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			if (c == 0xF0)
				lo = 0x90;
			if (c == 0xF4)
				hi = 0x8F;
		} else {
			return fail_at(P, i, "invalid UTF-8 byte 0x%02X", c);
		}
		if (need >= n - i)
			return fail_at(P, i, "truncated UTF-8 sequence");
		for (size_t k = 1; k <= need; k++) {
			unsigned char d = s[i + k];
			unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
			if (d < l || d > h)
				return fail_at(P, i, "invalid UTF-8 sequence");
		}
		i += need + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- nodes */

static toml_value *node_new(parser *P, toml_type t, size_t off)
{
	toml_value *v = calloc(1, sizeof *v);
	if (!v) {
		oom(P);
		return NULL;
	}
	v->type = t;
	locate(P, off, &v->line, &v->col);
	return v;
}

void toml_free(toml_value *v)
{
	if (!v)
		return;
	if (v->type == TOML_STRING) {
		free(v->u.s.ptr);
	} else if (v->type == TOML_ARRAY) {
		for (size_t i = 0; i < v->u.arr.len; i++)
			toml_free(v->u.arr.items[i]);
		free(v->u.arr.items);
	} else if (v->type == TOML_TABLE) {
		for (size_t i = 0; i < v->u.tab.len; i++) {
			free(v->u.tab.items[i].key);
			toml_free(v->u.tab.items[i].value);
		}
		free(v->u.tab.items);
	}
	free(v);
}

static int array_push(parser *P, toml_value *a, toml_value *item)
{
	if (a->u.arr.len == a->u.arr.cap) {
		size_t cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
		toml_value **np = realloc(a->u.arr.items, cap * sizeof *np);
		if (!np)
			return oom(P);
		a->u.arr.items = np;
		a->u.arr.cap = cap;
	}
	a->u.arr.items[a->u.arr.len++] = item;
	return 0;
}

static uint64_t key_hash(const toml_value *t, const char *k, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)t;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 29;
	return h;
}

/* The key/value of `k` in table t, or NULL. */
static toml_kv *tab_find(parser *P, toml_value *t, const char *k, size_t len)
{
	if (!P->nslots)
		return NULL;
	uint64_t h = key_hash(t, k, len);
	size_t mask = P->nslots - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		key_slot *s = &P->slots[i];
		if (!s->tab)
			return NULL;
		if (s->tab == t && s->hash == h) {
			toml_kv *kv = &t->u.tab.items[s->idx];
			if (kv->key_len == len && memcmp(kv->key, k, len) == 0)
				return kv;
		}
	}
}

static void index_put(parser *P, toml_value *t, size_t idx, uint64_t h)
{
	size_t mask = P->nslots - 1;
	size_t i = (size_t)h & mask;
	while (P->slots[i].tab)
		i = (i + 1) & mask;
	P->slots[i] = (key_slot){t, idx, h};
	P->nused++;
}

/*
 * Append key k (ownership of the key copy and of v passes to the table, also
 * on failure, when both are freed) to table t; the caller checked that k is
 * absent.
 */
static int tab_add(parser *P, toml_value *t, char *k, size_t len, toml_value *v)
{
	if ((P->nused + 1) * 2 > P->nslots) {
		size_t ns = P->nslots ? P->nslots * 2 : 64;
		key_slot *old = P->slots;
		size_t on = P->nslots;
		P->slots = calloc(ns, sizeof *P->slots);
		if (!P->slots) {
			P->slots = old;
			free(k);
			toml_free(v);
			return oom(P);
		}
		P->nslots = ns;
		P->nused = 0;
		for (size_t i = 0; i < on; i++)
			if (old[i].tab)
				index_put(P, old[i].tab, old[i].idx, old[i].hash);
		free(old);
	}
	if (t->u.tab.len == t->u.tab.cap) {
		size_t cap = t->u.tab.cap ? t->u.tab.cap * 2 : 4;
		toml_kv *np = realloc(t->u.tab.items, cap * sizeof *np);
		if (!np) {
			free(k);
			toml_free(v);
			return oom(P);
		}
		t->u.tab.items = np;
		t->u.tab.cap = cap;
	}
	t->u.tab.items[t->u.tab.len] = (toml_kv){k, len, v};
	index_put(P, t, t->u.tab.len, key_hash(t, k, len));
	t->u.tab.len++;
	return 0;
}

static char *dup_key(parser *P, const key_part *kp)
{
	char *k = malloc(kp->len + 1);
	if (!k) {
		oom(P);
		return NULL;
	}
	memcpy(k, kp->s, kp->len);
	k[kp->len] = '\0';
	return k;
}

/* Create an empty table under key kp of t, with `flags`; NULL on failure. */
static toml_value *tab_new_child(parser *P, toml_value *t, const key_part *kp,
				 unsigned flags, size_t off)
{
	toml_value *c = node_new(P, TOML_TABLE, off);
	if (!c)
		return NULL;
	c->flags = flags;
	char *k = dup_key(P, kp);
	if (!k) {
		toml_free(c);
		return NULL;
	}
	if (tab_add(P, t, k, kp->len, c) < 0)
		return NULL;
	return c;
}

static int depth_check(parser *P, int depth, size_t off)
{
	if (depth > TOML_MAX_DEPTH)
		return fail_at(P, off, "document nested deeper than %d levels", TOML_MAX_DEPTH);
	return 0;
}

/* ------------------------------------------------------------- strings */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int put_utf8(parser *P, sbuf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return sb_put(P, b, u, n);
}

/*
 * An escape sequence; the cursor is on the backslash. In a multi-line basic
 * string a backslash ending a line (after optional blanks) swallows all
 * following whitespace and newlines.
 */
static int parse_escape(parser *P, sbuf *b, bool ml)
{
	size_t at = P->p;
	int e = peek(P, 1);
	P->p += 2;
	char c;
	switch (e) {
	case 'b': c = '\b'; break;
	case 't': c = '\t'; break;
	case 'n': c = '\n'; break;
	case 'f': c = '\f'; break;
	case 'r': c = '\r'; break;
	case '"': c = '"'; break;
	case '\\': c = '\\'; break;
	case 'u':
	case 'U': {
		int nd = e == 'u' ? 4 : 8;
		uint32_t cp = 0;
		for (int i = 0; i < nd; i++) {
			int h = hexval(peek(P, 0));
			if (h < 0)
				return fail_at(P, at, "invalid \\%c escape: expected %d hex digits", e, nd);
			cp = cp << 4 | (uint32_t)h;
			P->p++;
		}
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return fail_at(P, at, "escape \\%c%0*X is not a Unicode scalar value", e, nd,
				       (unsigned)cp);
		return put_utf8(P, b, cp);
	}
	default:
		if (ml && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
			P->p--;
			skip_ws(P);
			if (!at_newline(P))
				return fail_at(P, at, "a line-ending backslash must be followed only by "
						      "whitespace up to the end of the line");
			for (;;) {
				skip_ws(P);
				if (!at_newline(P))
					return 0;
				eat_newline(P);
			}
		}
		if (e < 0)
			return fail_at(P, at, "unterminated string");
		if (e > 0x20 && e < 0x7F)
			return fail_at(P, at, "invalid escape sequence '\\%c'", e);
		return fail_at(P, at, "invalid escape sequence (backslash before byte 0x%02X)", e);
	}
	return sb_put(P, b, &c, 1);
}

/*
 * Any of the four string forms; the cursor is on the opening quote. The
 * decoded bytes go to *b (always NUL-terminated on success, even if empty).
 */
static int parse_string(parser *P, sbuf *b)
{
	size_t at = P->p;
	int q = peek(P, 0);
	bool ml = peek(P, 1) == q && peek(P, 2) == q;
	bool literal = q == '\'';
	if (sb_put(P, b, "", 0) < 0)
		return -1;
	P->p += ml ? 3 : 1;
	if (ml && at_newline(P))
		eat_newline(P);
	for (;;) {
		if (P->p >= P->n)
			return fail_at(P, at, "unterminated string");
		unsigned char c = P->s[P->p];
		if (c == q) {
			if (!ml) {
				P->p++;
				return 0;
			}
			size_t k = 0;
			while (peek(P, k) == q)
				k++;
			if (k >= 3) {
				size_t extra = k - 3 > 2 ? 2 : k - 3;
				if (sb_put(P, b, P->s + P->p, extra) < 0)
					return -1;
				P->p += extra + 3;
				return 0;
			}
			if (sb_put(P, b, P->s + P->p, k) < 0)
				return -1;
			P->p += k;
		} else if (c == '\\' && !literal) {
			if (parse_escape(P, b, ml) < 0)
				return -1;
		} else if (c == '\n' || (c == '\r' && peek(P, 1) == '\n')) {
			if (!ml)
				return fail_at(P, P->p, "newline in a single-line string");
			eat_newline(P);
			if (sb_put(P, b, "\n", 1) < 0)
				return -1;
		} else if ((c < 0x20 && c != '\t') || c == 0x7F) {
			return fail_at(P, P->p, "control character U+%04X in string", c);
		} else {
			size_t e = P->p + 1;
			while (e < P->n && P->s[e] >= 0x20 && P->s[e] != 0x7F && P->s[e] != q &&
			       P->s[e] != '\\')
				e++;
			if (sb_put(P, b, P->s + P->p, e - P->p) < 0)
				return -1;
			P->p = e;
		}
	}
}

/* ------------------------------------------------------------------ keys */

static bool is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static void key_path_free(key_path *k)
{
	for (int i = 0; i < k->n; i++)
		free(k->parts[i].s);
	free(k->parts);
	k->parts = NULL;
	k->n = k->cap = 0;
}

/*
 * A key: one or more bare or quoted parts joined by dots, with blanks
 * allowed around the dots. Leaves the cursor after the last part's
 * trailing blanks. On failure *k is freed.
 */
static int parse_key(parser *P, key_path *k)
{
	for (;;) {
		skip_ws(P);
		if (k->n >= TOML_MAX_DEPTH) {
			key_path_free(k);
			return fail_at(P, P->p, "key has more than %d parts", TOML_MAX_DEPTH);
		}
		if (k->n == k->cap) {
			int cap = k->cap ? k->cap * 2 : 4;
			key_part *np = realloc(k->parts, (size_t)cap * sizeof *np);
			if (!np) {
				key_path_free(k);
				return oom(P);
			}
			k->parts = np;
			k->cap = cap;
		}
		key_part *kp = &k->parts[k->n];
		kp->off = P->p;
		int c = peek(P, 0);
		sbuf b = {0};
		if (c == '"' || c == '\'') {
			if (peek(P, 1) == c && peek(P, 2) == c) {
				key_path_free(k);
				return fail_at(P, P->p, "multi-line strings cannot be keys");
			}
			if (parse_string(P, &b) < 0) {
				free(b.p);
				key_path_free(k);
				return -1;
			}
		} else if (is_bare(c)) {
			size_t e = P->p;
			while (e < P->n && is_bare(P->s[e]))
				e++;
			if (sb_put(P, &b, P->s + P->p, e - P->p) < 0) {
				key_path_free(k);
				return -1;
			}
			P->p = e;
		} else {
			char cb[32];
			key_path_free(k);
			return fail_at(P, P->p, "expected a key but found %s",
				       show_char(c, cb, sizeof cb));
		}
		kp->s = b.p;
		kp->len = b.len;
		k->n++;
		skip_ws(P);
		if (peek(P, 0) != '.')
			return 0;
		P->p++;
	}
}

/* "key 'x' (defined at line N)" style context for an existing node. */
static const char *type_article(const toml_value *v)
{
	return v->type == TOML_ARRAY || v->type == TOML_INTEGER ? "an" : "a";
}

/* ------------------------------------------------------- scalar values */

/*
 * A run of digits (per `hex`, `oct` or `bin`, decimal otherwise) with single
 * underscores allowed only between digits. Returns the end offset or 0.
 */
static size_t digit_run(const unsigned char *s, size_t i, size_t e, int base)
{
	bool need_digit = true;
	size_t start = i;
	for (; i < e; i++) {
		int c = s[i];
		int d = hexval(c);
		if (d >= 0 && d < base) {
			need_digit = false;
		} else if (c == '_' && !need_digit && i > start) {
			need_digit = true;
		} else {
			break;
		}
	}
	return need_digit ? 0 : i;
}

static bool tok_is(const unsigned char *s, size_t b, size_t e, const char *w)
{
	size_t n = strlen(w);
	return e - b == n && memcmp(s + b, w, n) == 0;
}

/* A number token [b,e): integer or float per TOML 1.0. */
static int parse_number(parser *P, size_t b, size_t e, toml_value *v)
{
	const unsigned char *s = P->s;
	size_t i = b;
	bool neg = false;
	if (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-';
		i++;
	}
	if (tok_is(s, i, e, "inf") || tok_is(s, i, e, "nan")) {
		v->type = TOML_FLOAT;
		v->u.f = s[i] == 'i' ? (neg ? -INFINITY : INFINITY) : (neg ? -NAN : NAN);
		return 0;
	}
	if (i == b && e - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o' || s[i + 1] == 'b')) {
		int base = s[i + 1] == 'x' ? 16 : s[i + 1] == 'o' ? 8 : 2;
		size_t end = digit_run(s, i + 2, e, base);
		if (end != e)
			return fail_at(P, b, "invalid base-%d integer", base);
		uint64_t val = 0;
		for (size_t k = i + 2; k < e; k++) {
			if (s[k] == '_')
				continue;
			uint64_t d = (uint64_t)hexval(s[k]);
			if (val > ((uint64_t)INT64_MAX - d) / (uint64_t)base)
				return fail_at(P, b, "integer does not fit in 64 bits");
			val = val * (uint64_t)base + d;
		}
		v->type = TOML_INTEGER;
		v->u.i = (int64_t)val;
		return 0;
	}
	/* decimal integer part: "0" or a digit run without a leading zero */
	size_t ie = digit_run(s, i, e, 10);
	if (!ie)
		return fail_at(P, b, "invalid number");
	if (s[i] == '0' && ie - i > 1)
		return fail_at(P, b, "leading zeros are not allowed in numbers");
	if (ie == e) {
		uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, val = 0;
		for (size_t k = i; k < e; k++) {
			if (s[k] == '_')
				continue;
			uint64_t d = (uint64_t)(s[k] - '0');
			if (val > (lim - d) / 10)
				return fail_at(P, b, "integer does not fit in 64 bits");
			val = val * 10 + d;
		}
		v->type = TOML_INTEGER;
		v->u.i = neg ? (int64_t)(0 - val) : (int64_t)val;
		return 0;
	}
	size_t k = ie;
	if (s[k] == '.') {
		k = digit_run(s, k + 1, e, 10);
		if (!k)
			return fail_at(P, b, "invalid float: expected digits after '.'");
	}
	if (k < e && (s[k] == 'e' || s[k] == 'E')) {
		k++;
		if (k < e && (s[k] == '+' || s[k] == '-'))
			k++;
		k = digit_run(s, k, e, 10);
		if (!k)
			return fail_at(P, b, "invalid float exponent");
	}
	if (k != e)
		return fail_at(P, b, "invalid number");
	char buf[128];
	size_t o = 0;
	for (size_t j = b; j < e; j++) {
		if (s[j] == '_')
			continue;
		if (o + 1 >= sizeof buf)
			return fail_at(P, b, "float literal too long");
		buf[o++] = (char)s[j];
	}
	buf[o] = '\0';
	v->type = TOML_FLOAT;
	v->u.f = strtod(buf, NULL);
	if (isinf(v->u.f))
		return fail_at(P, b, "float out of range");
	return 0;
}

static int two_digits(const unsigned char *s, size_t i, size_t e)
{
	if (i + 2 > e || s[i] < '0' || s[i] > '9' || s[i + 1] < '0' || s[i + 1] > '9')
		return -1;
	return (s[i] - '0') * 10 + (s[i + 1] - '0');
}

static int days_in_month(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* HH:MM:SS[.frac] at s[*i]; advances *i. */
static int parse_time(parser *P, size_t b, size_t *i, size_t e, toml_datetime *dt)
{
	const unsigned char *s = P->s;
	size_t k = *i;
	int h = two_digits(s, k, e), m = -1, sec = -1;
	if (h >= 0 && k + 2 < e && s[k + 2] == ':')
		m = two_digits(s, k + 3, e);
	if (m >= 0 && k + 5 < e && s[k + 5] == ':')
		sec = two_digits(s, k + 6, e);
	if (sec < 0)
		return fail_at(P, b, "invalid time: expected HH:MM:SS");
	if (h > 23 || m > 59 || sec > 60)
		return fail_at(P, b, "time %02d:%02d:%02d out of range", h, m, sec);
	dt->hour = h;
	dt->minute = m;
	dt->second = sec;
	k += 8;
	if (k < e && s[k] == '.') {
		k++;
		size_t fs = k;
		uint32_t ns = 0;
		while (k < e && s[k] >= '0' && s[k] <= '9') {
			if (k - fs < 9)
				ns = ns * 10 + (uint32_t)(s[k] - '0');
			k++;
		}
		if (k == fs)
			return fail_at(P, b, "invalid time: expected digits after '.'");
		int nd = k - fs > 9 ? 9 : (int)(k - fs);
		for (int j = nd; j < 9; j++)
			ns *= 10;
		dt->nanosecond = ns;
		dt->frac_digits = nd;
	}
	*i = k;
	return 0;
}

/* A date, time or date-time token [b,e). */
static int parse_datetime(parser *P, size_t b, size_t e, toml_value *v)
{
	const unsigned char *s = P->s;
	toml_datetime *dt = &v->u.dt;
	size_t i = b;
	if (e - b >= 3 && s[b + 2] == ':') {
		if (parse_time(P, b, &i, e, dt) < 0)
			return -1;
		if (i != e)
			return fail_at(P, b, "invalid local time");
		v->type = TOML_TIME_LOCAL;
		return 0;
	}
	int y1 = two_digits(s, b, e), y2 = two_digits(s, b + 2, e);
	int mo = -1, d = -1;
	if (y1 >= 0 && y2 >= 0 && b + 4 < e && s[b + 4] == '-')
		mo = two_digits(s, b + 5, e);
	if (mo >= 0 && b + 7 < e && s[b + 7] == '-')
		d = two_digits(s, b + 8, e);
	if (d < 0)
		return fail_at(P, b, "invalid date: expected YYYY-MM-DD");
	dt->year = y1 * 100 + y2;
	dt->month = mo;
	dt->day = d;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(dt->year, mo))
		return fail_at(P, b, "date %04d-%02d-%02d out of range", dt->year, mo, d);
	i = b + 10;
	if (i == e) {
		v->type = TOML_DATE_LOCAL;
		return 0;
	}
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return fail_at(P, b, "invalid date-time");
	i++;
	if (parse_time(P, b, &i, e, dt) < 0)
		return -1;
	if (i == e) {
		v->type = TOML_DATETIME_LOCAL;
		return 0;
	}
	v->type = TOML_DATETIME;
	if (s[i] == 'Z' || s[i] == 'z') {
		dt->offset_z = true;
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		int oh = two_digits(s, i + 1, e), om = -1;
		if (oh >= 0 && i + 3 < e && s[i + 3] == ':')
			om = two_digits(s, i + 4, e);
		if (om < 0)
			return fail_at(P, b, "invalid time offset: expected +HH:MM");
		if (oh > 23 || om > 59)
			return fail_at(P, b, "time offset out of range");
		dt->offset_minutes = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
		i += 6;
	}
	if (i != e)
		return fail_at(P, b, "invalid date-time");
	return 0;
}

static bool is_token_char(int c)
{
	return is_bare(c) || c == '+' || c == '.' || c == ':';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * A bare scalar (number, boolean, date/time) starting at the cursor.
 * The token is every following character that may belong to one; a date
 * followed by a space and a time joins them.
 */
static int parse_bare_scalar(parser *P, toml_value *v)
{
	size_t b = P->p, e = b;
	while (e < P->n && is_token_char(P->s[e]))
		e++;
	P->p = e;
	if (tok_is(P->s, b, e, "true") || tok_is(P->s, b, e, "false")) {
		v->type = TOML_BOOL;
		v->u.b = P->s[b] == 't';
		return 0;
	}
	bool date = e - b >= 5 && is_digit(P->s[b]) && is_digit(P->s[b + 1]) &&
		    is_digit(P->s[b + 2]) && is_digit(P->s[b + 3]) && P->s[b + 4] == '-';
	bool time = e - b >= 3 && is_digit(P->s[b]) && is_digit(P->s[b + 1]) && P->s[b + 2] == ':';
	if (date || time) {
		if (date && e - b == 10 && peek(P, 0) == ' ' && is_digit(peek(P, 1)) &&
		    is_digit(peek(P, 2)) && peek(P, 3) == ':') {
			e = P->p + 1;
			while (e < P->n && is_token_char(P->s[e]))
				e++;
			P->p = e;
		}
		return parse_datetime(P, b, e, v);
	}
	if (b == e) {
		char cb[32];
		return fail_at(P, b, "expected a value but found %s", show_char(peek(P, 0), cb, sizeof cb));
	}
	int c = P->s[b];
	if (!is_digit(c) && c != '+' && c != '-' && c != 'i' && c != 'n')
		return fail_at(P, b, "invalid value (strings must be quoted)");
	return parse_number(P, b, e, v);
}

static int parse_value(parser *P, int depth, toml_value **out);
static int parse_keyval(parser *P, toml_value *t, int depth);

/* An array; the cursor is on '['. */
static int parse_array(parser *P, toml_value *a, int depth)
{
	P->p++;
	for (;;) {
		if (skip_ws_nl(P) < 0)
			return -1;
		if (peek(P, 0) == ']') {
			P->p++;
			return 0;
		}
		toml_value *item;
		if (parse_value(P, depth + 1, &item) < 0)
			return -1;
		if (array_push(P, a, item) < 0) {
			toml_free(item);
			return -1;
		}
		if (skip_ws_nl(P) < 0)
			return -1;
		int c = peek(P, 0);
		if (c == ',') {
			P->p++;
		} else if (c == ']') {
			P->p++;
			return 0;
		} else {
			char cb[32];
			return fail_at(P, P->p, "expected ',' or ']' in array but found %s",
				       show_char(c, cb, sizeof cb));
		}
	}
}

/* An inline table; the cursor is on '{'. Marked immutable once closed. */
static int parse_inline_table(parser *P, toml_value *t, int depth)
{
	P->p++;
	skip_ws(P);
	if (peek(P, 0) == '}') {
		P->p++;
		t->flags |= TF_INLINE;
		return 0;
	}
	for (;;) {
		if (parse_keyval(P, t, depth) < 0)
			return -1;
		skip_ws(P);
		int c = peek(P, 0);
		if (c == '}') {
			P->p++;
			t->flags |= TF_INLINE;
			return 0;
		}
		if (c != ',') {
			char cb[32];
			if (c == '\n' || c == '\r')
				return fail_at(P, P->p, "newlines are not allowed in inline tables");
			return fail_at(P, P->p, "expected ',' or '}' in inline table but found %s",
				       show_char(c, cb, sizeof cb));
		}
		P->p++;
		skip_ws(P);
		if (peek(P, 0) == '}')
			return fail_at(P, P->p, "trailing comma in inline table");
	}
}

/* Any value at the cursor; `depth` is the depth the new node would have. */
static int parse_value(parser *P, int depth, toml_value **out)
{
	*out = NULL;
	int c = peek(P, 0);
	toml_value *v = node_new(P, TOML_BOOL, P->p);
	if (!v)
		return -1;
	int rc;
	if (c == '"' || c == '\'') {
		sbuf b = {0};
		v->type = TOML_STRING;
		rc = parse_string(P, &b);
		v->u.s.ptr = b.p;
		v->u.s.len = b.len;
	} else if (c == '[' || c == '{') {
		v->type = c == '[' ? TOML_ARRAY : TOML_TABLE;
		rc = depth_check(P, depth, P->p);
		if (rc == 0)
			rc = c == '[' ? parse_array(P, v, depth) : parse_inline_table(P, v, depth);
	} else {
		rc = parse_bare_scalar(P, v);
	}
	if (rc < 0) {
		toml_free(v);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * Walk the leading parts of a dotted key from table t in a key/value line,
 * creating tables as needed; *out is the table that receives the last part.
 * Only tables that dotted keys themselves created can be entered.
 */
static int walk_dotted(parser *P, toml_value *t, key_path *k, int *depth, toml_value **out)
{
	char kb[80];
	for (int i = 0; i + 1 < k->n; i++) {
		key_part *kp = &k->parts[i];
		toml_kv *kv = tab_find(P, t, kp->s, kp->len);
		(*depth)++;
		if (!kv) {
			if (depth_check(P, *depth, kp->off) < 0)
				return -1;
			t = tab_new_child(P, t, kp, TF_DOTTED, kp->off);
			if (!t)
				return -1;
			continue;
		}
		toml_value *v = kv->value;
		if (v->type != TOML_TABLE)
			return fail_at(P, kp->off, "key '%s' is already %s %s (defined at line %d)",
				       show_key(kp->s, kp->len, kb, sizeof kb), type_article(v),
				       toml_type_name(v->type), v->line);
		if (v->flags & TF_INLINE)
			return fail_at(P, kp->off, "cannot extend inline table '%s' (defined at line %d)",
				       show_key(kp->s, kp->len, kb, sizeof kb), v->line);
		if (!(v->flags & TF_DOTTED))
			return fail_at(P, kp->off,
				       "cannot add to table '%s' with dotted keys: it was defined by "
				       "a [table] header (line %d)",
				       show_key(kp->s, kp->len, kb, sizeof kb), v->line);
		t = v;
	}
	*out = t;
	return 0;
}

/*
 * key = value, into table t (at tree depth `depth`). The cursor is on the
 * key; it is left after the value.
 */
static int parse_keyval(parser *P, toml_value *t, int depth)
{
	key_path k = {0};
	char kb[80];
	if (parse_key(P, &k) < 0)
		return -1;
	int rc = -1;
	if (peek(P, 0) != '=') {
		char cb[32];
		fail_at(P, P->p, "expected '=' after key but found %s", show_char(peek(P, 0), cb, sizeof cb));
		goto out;
	}
	P->p++;
	skip_ws(P);
	toml_value *dest = NULL;
	if (walk_dotted(P, t, &k, &depth, &dest) < 0)
		goto out;
	key_part *last = &k.parts[k.n - 1];
	toml_kv *kv = tab_find(P, dest, last->s, last->len);
	if (kv) {
		fail_at(P, last->off, "duplicate key '%s' (first defined at line %d)",
			show_key(last->s, last->len, kb, sizeof kb), kv->value->line);
		goto out;
	}
	toml_value *v;
	if (parse_value(P, depth + 1, &v) < 0)
		goto out;
	if (tab_add(P, dest, last->s, last->len, v) < 0) {
		last->s = NULL;
		goto out;
	}
	last->s = NULL; /* now owned by the table */
	rc = 0;
out:
	key_path_free(&k);
	return rc;
}

/*
 * A [table] or [[array of tables]] header; the cursor is on '['. Sets *cur to
 * the table that following key/values go to, and *cur_depth to its depth.
 */
static int parse_header(parser *P, toml_value *root, toml_value **cur, int *cur_depth)
{
	size_t at = P->p;
	int at_line, at_col;
	locate(P, at, &at_line, &at_col);
	bool aot = peek(P, 1) == '[';
	P->p += aot ? 2 : 1;
	key_path k = {0};
	char kb[80];
	if (parse_key(P, &k) < 0)
		return -1;
	int rc = -1;
	if (peek(P, 0) != ']' || (aot && peek(P, 1) != ']')) {
		char cb[32];
		fail_at(P, P->p, "expected '%s' to close the table header but found %s", aot ? "]]" : "]",
			show_char(peek(P, 0), cb, sizeof cb));
		goto out;
	}
	P->p += aot ? 2 : 1;
	toml_value *t = root;
	int depth = 0;
	for (int i = 0; i < k.n; i++) {
		key_part *kp = &k.parts[i];
		bool last = i == k.n - 1;
		toml_kv *kv = tab_find(P, t, kp->s, kp->len);
		depth++;
		if (!kv) {
			if (depth_check(P, depth + (last && aot), kp->off) < 0)
				goto out;
			if (last && aot) {
				toml_value *a = node_new(P, TOML_ARRAY, kp->off);
				if (!a)
					goto out;
				a->flags = TF_AOT;
				a->line = at_line;
				a->col = at_col;
				char *key = dup_key(P, kp);
				if (!key) {
					toml_free(a);
					goto out;
				}
				if (tab_add(P, t, key, kp->len, a) < 0)
					goto out;
				toml_value *e = node_new(P, TOML_TABLE, kp->off);
				if (!e)
					goto out;
				e->flags = TF_EXPLICIT;
				e->line = at_line;
				e->col = at_col;
				if (array_push(P, a, e) < 0) {
					toml_free(e);
					goto out;
				}
				t = e;
				depth++;
			} else {
				t = tab_new_child(P, t, kp, last ? TF_EXPLICIT : TF_IMPLICIT, kp->off);
				if (!t)
					goto out;
				if (last) {
					t->line = at_line;
					t->col = at_col;
				}
			}
			continue;
		}
		toml_value *v = kv->value;
		const char *ks = show_key(kp->s, kp->len, kb, sizeof kb);
		if (v->type == TOML_ARRAY && (v->flags & TF_AOT)) {
			depth++;
			if (last && aot) {
				toml_value *e = node_new(P, TOML_TABLE, kp->off);
				if (!e)
					goto out;
				e->flags = TF_EXPLICIT;
				e->line = at_line;
				e->col = at_col;
				if (array_push(P, v, e) < 0) {
					toml_free(e);
					goto out;
				}
				t = e;
			} else if (last) {
				fail_at(P, kp->off, "'%s' is already an array of tables (defined at line %d)",
					ks, v->line);
				goto out;
			} else {
				t = v->u.arr.items[v->u.arr.len - 1];
			}
			continue;
		}
		if (v->type != TOML_TABLE) {
			fail_at(P, kp->off, "key '%s' is already %s %s (defined at line %d)", ks,
				type_article(v), toml_type_name(v->type), v->line);
			goto out;
		}
		if (v->flags & TF_INLINE) {
			fail_at(P, kp->off, "cannot extend inline table '%s' (defined at line %d)", ks,
				v->line);
			goto out;
		}
		if (last && aot) {
			fail_at(P, kp->off, "'%s' is already a table (defined at line %d)", ks, v->line);
			goto out;
		}
		if (last && (v->flags & (TF_EXPLICIT | TF_DOTTED))) {
			fail_at(P, kp->off, "table '%s' is already defined (at line %d)", ks, v->line);
			goto out;
		}
		if (last) {
			v->flags = (v->flags & ~TF_IMPLICIT) | TF_EXPLICIT;
			v->line = at_line;
			v->col = at_col;
		}
		t = v;
	}
	*cur = t;
	*cur_depth = depth;
	rc = 0;
out:
	key_path_free(&k);
	return rc;
}

/* The document: a sequence of lines, each a header, a key/value or blank. */
static int parse_document(parser *P, toml_value *root)
{
	toml_value *cur = root;
	int cur_depth = 0;
	while (P->p < P->n) {
		skip_ws(P);
		int c = peek(P, 0);
		if (c == '[') {
			if (parse_header(P, root, &cur, &cur_depth) < 0)
				return -1;
		} else if (c >= 0 && c != '#' && !at_newline(P)) {
			if (parse_keyval(P, cur, cur_depth) < 0)
				return -1;
		}
		skip_ws(P);
		if (peek(P, 0) == '#' && skip_comment(P) < 0)
			return -1;
		if (P->p >= P->n)
			break;
		if (!at_newline(P)) {
			char cb[32];
			c = peek(P, 0);
			if ((c < 0x20 && c != '\t') || c == 0x7F)
				return fail_at(P, P->p, "control character U+%04X", c);
			return fail_at(P, P->p, "expected end of line but found %s",
				       show_char(c, cb, sizeof cb));
		}
		eat_newline(P);
	}
	return 0;
}

/* ------------------------------------------------------------ public API */

toml_value *toml_parse(const char *buf, size_t len, toml_error *err)
{
	toml_error dummy;
	if (!err)
		err = &dummy;
	memset(err, 0, sizeof *err);
	if (len > TOML_MAX_INPUT) {
		snprintf(err->msg, sizeof err->msg, "document larger than %u bytes", TOML_MAX_INPUT);
		return NULL;
	}
	if (!buf)
		buf = "";
	parser P = {.s = (const unsigned char *)buf, .n = len, .err = err, .loc_line = 1, .loc_col = 1};
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		P.p = P.start = P.loc_off = 3;
	toml_value *root = NULL;
	if (check_utf8(&P) == 0) {
		root = node_new(&P, TOML_TABLE, P.p);
		if (root) {
			root->flags = TF_EXPLICIT;
			if (parse_document(&P, root) < 0) {
				toml_free(root);
				root = NULL;
			}
		}
	}
	free(P.slots);
	return root;
}

toml_value *toml_parse_file(const char *path, toml_error *err)
{
	toml_error dummy;
	if (!err)
		err = &dummy;
	memset(err, 0, sizeof *err);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err->msg, sizeof err->msg, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (len == cap) {
			if (cap > TOML_MAX_INPUT)
				break;
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f);
	int saved = errno;
	fclose(f);
	if (!buf) {
		snprintf(err->msg, sizeof err->msg, "cannot read %s: out of memory", path);
		return NULL;
	}
	if (bad) {
		free(buf);
		snprintf(err->msg, sizeof err->msg, "cannot read %s: %s", path, strerror(saved));
		return NULL;
	}
	if (len > TOML_MAX_INPUT) {
		free(buf);
		snprintf(err->msg, sizeof err->msg, "%s is larger than %u bytes", path, TOML_MAX_INPUT);
		return NULL;
	}
	toml_value *root = toml_parse(buf, len, err);
	free(buf);
	return root;
}

const toml_value *toml_get(const toml_value *t, const char *key)
{
	if (!t || t->type != TOML_TABLE || !key)
		return NULL;
	size_t n = strlen(key);
	for (size_t i = 0; i < t->u.tab.len; i++)
		if (t->u.tab.items[i].key_len == n && memcmp(t->u.tab.items[i].key, key, n) == 0)
			return t->u.tab.items[i].value;
	return NULL;
}

const char *toml_type_name(toml_type t)
{
	switch (t) {
	case TOML_TABLE: return "table";
	case TOML_ARRAY: return "array";
	case TOML_STRING: return "string";
	case TOML_INTEGER: return "integer";
	case TOML_FLOAT: return "float";
	case TOML_BOOL: return "bool";
	case TOML_DATETIME: return "datetime";
	case TOML_DATETIME_LOCAL: return "datetime-local";
	case TOML_DATE_LOCAL: return "date-local";
	case TOML_TIME_LOCAL: return "time-local";
	}
	return "unknown";
}
