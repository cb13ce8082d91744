/*
 * toml.c — a TOML 1.0.0 parser (the API and its contract are in toml.h).
 *
 * Shape of the parser: the whole document is checked to be UTF-8 first, then
 * a hand-written recursive-descent parser walks it once. Recursion happens
 * only for arrays and inline tables. The depth of every node created
 * anywhere (the root is 0; tables made by [headers] and dotted keys count
 * too) is checked against TOML_MAX_DEPTH, so the recursion and every later
 * walk over the finished tree, including toml_free(), are bounded.
 *
 * Errors: every parsing function returns 0 or -1; the first error recorded
 * wins. A node is attached to the tree as soon as it is complete (or, for
 * tables made by keys, at once), so freeing the root on failure frees
 * everything; a value still being built is freed by the function building it.
 *
 * This file builds the tree (tables, keys, headers, arrays, inline tables and
 * every redefinition rule); toml_lex.c reads strings, numbers and dates.
 *
 * Keys are found through a hash index over (table, key) kept by the parser,
 * so large tables stay linear to parse; toml_get() on the finished tree is a
 * plain scan.
 */
#include "toml_internal.h"

#include <errno.h>
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

/* One segment of a (possibly dotted) key, with where it was written. */
typedef struct {
	char *s;
	size_t len;
	size_t off;
} key_part;

/* A whole key as written: its parts in order. */
typedef struct {
	key_part *parts;
	int n, cap;
} key_path;

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

/* ---------------------------------------------------------------- nodes */

static toml_value *node_new(parser *P, toml_type t, size_t off)
{
	toml_value *v = calloc(1, sizeof *v);
	if (!v) {
		tl_oom(P);
		return NULL;
	}
	v->type = t;
	tl_locate(P, off, &v->line, &v->col);
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
			return tl_oom(P);
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
			return tl_oom(P);
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
			return tl_oom(P);
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
		tl_oom(P);
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
		return tl_fail_at(P, off, "document nested deeper than %d levels", TOML_MAX_DEPTH);
	return 0;
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
			return tl_fail_at(P, P->p, "key has more than %d parts", TOML_MAX_DEPTH);
		}
		if (k->n == k->cap) {
			int cap = k->cap ? k->cap * 2 : 4;
			key_part *np = realloc(k->parts, (size_t)cap * sizeof *np);
			if (!np) {
				key_path_free(k);
				return tl_oom(P);
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
				return tl_fail_at(P, P->p, "multi-line strings cannot be keys");
			}
			if (tl_parse_string(P, &b) < 0) {
				free(b.p);
				key_path_free(k);
				return -1;
			}
		} else if (tl_is_bare(c)) {
			size_t e = P->p;
			while (e < P->n && tl_is_bare(P->s[e]))
				e++;
			if (tl_sb_put(P, &b, P->s + P->p, e - P->p) < 0) {
				key_path_free(k);
				return -1;
			}
			P->p = e;
		} else {
			char cb[32];
			key_path_free(k);
			return tl_fail_at(P, P->p, "expected a key but found %s",
				       tl_show_char(c, cb, sizeof cb));
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

static int parse_value(parser *P, int depth, toml_value **out);
static int parse_keyval(parser *P, toml_value *t, int depth);

/* An array; the cursor is on '['. */
static int parse_array(parser *P, toml_value *a, int depth)
{
	P->p++;
	for (;;) {
		if (tl_skip_ws_nl(P) < 0)
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
		if (tl_skip_ws_nl(P) < 0)
			return -1;
		int c = peek(P, 0);
		if (c == ',') {
			P->p++;
		} else if (c == ']') {
			P->p++;
			return 0;
		} else {
			char cb[32];
			return tl_fail_at(P, P->p, "expected ',' or ']' in array but found %s",
				       tl_show_char(c, cb, sizeof cb));
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
				return tl_fail_at(P, P->p, "newlines are not allowed in inline tables");
			return tl_fail_at(P, P->p, "expected ',' or '}' in inline table but found %s",
				       tl_show_char(c, cb, sizeof cb));
		}
		P->p++;
		skip_ws(P);
		if (peek(P, 0) == '}')
			return tl_fail_at(P, P->p, "trailing comma in inline table");
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
		rc = tl_parse_string(P, &b);
		v->u.s.ptr = b.p;
		v->u.s.len = b.len;
	} else if (c == '[' || c == '{') {
		v->type = c == '[' ? TOML_ARRAY : TOML_TABLE;
		rc = depth_check(P, depth, P->p);
		if (rc == 0)
			rc = c == '[' ? parse_array(P, v, depth) : parse_inline_table(P, v, depth);
	} else {
		rc = tl_parse_bare_scalar(P, v);
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
			return tl_fail_at(P, kp->off, "key '%s' is already %s %s (defined at line %d)",
				       show_key(kp->s, kp->len, kb, sizeof kb), type_article(v),
				       toml_type_name(v->type), v->line);
		if (v->flags & TF_INLINE)
			return tl_fail_at(P, kp->off, "cannot extend inline table '%s' (defined at line %d)",
				       show_key(kp->s, kp->len, kb, sizeof kb), v->line);
		if (!(v->flags & TF_DOTTED))
			return tl_fail_at(P, kp->off,
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
		tl_fail_at(P, P->p, "expected '=' after key but found %s", tl_show_char(peek(P, 0), cb, sizeof cb));
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
		tl_fail_at(P, last->off, "duplicate key '%s' (first defined at line %d)",
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
	tl_locate(P, at, &at_line, &at_col);
	bool aot = peek(P, 1) == '[';
	P->p += aot ? 2 : 1;
	key_path k = {0};
	char kb[80];
	if (parse_key(P, &k) < 0)
		return -1;
	int rc = -1;
	if (peek(P, 0) != ']' || (aot && peek(P, 1) != ']')) {
		char cb[32];
		tl_fail_at(P, P->p, "expected '%s' to close the table header but found %s", aot ? "]]" : "]",
			tl_show_char(peek(P, 0), cb, sizeof cb));
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
				tl_fail_at(P, kp->off, "'%s' is already an array of tables (defined at line %d)",
					ks, v->line);
				goto out;
			} else {
				t = v->u.arr.items[v->u.arr.len - 1];
			}
			continue;
		}
		if (v->type != TOML_TABLE) {
			tl_fail_at(P, kp->off, "key '%s' is already %s %s (defined at line %d)", ks,
				type_article(v), toml_type_name(v->type), v->line);
			goto out;
		}
		if (v->flags & TF_INLINE) {
			tl_fail_at(P, kp->off, "cannot extend inline table '%s' (defined at line %d)", ks,
				v->line);
			goto out;
		}
		if (last && aot) {
			tl_fail_at(P, kp->off, "'%s' is already a table (defined at line %d)", ks, v->line);
			goto out;
		}
		if (last && (v->flags & (TF_EXPLICIT | TF_DOTTED))) {
			tl_fail_at(P, kp->off, "table '%s' is already defined (at line %d)", ks, v->line);
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
		if (peek(P, 0) == '#' && tl_skip_comment(P) < 0)
			return -1;
		if (P->p >= P->n)
			break;
		if (!at_newline(P)) {
			char cb[32];
			c = peek(P, 0);
			if ((c < 0x20 && c != '\t') || c == 0x7F)
				return tl_fail_at(P, P->p, "control character U+%04X", c);
			return tl_fail_at(P, P->p, "expected end of line but found %s",
				       tl_show_char(c, cb, sizeof cb));
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
	if (tl_check_utf8(&P) == 0) {
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
		/* cppcheck-suppress nullPointerArithmeticRedundantCheck ; buf != NULL: loop condition */
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