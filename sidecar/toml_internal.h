/*
 * toml_internal.h — what toml.c (the tree builder) and toml_lex.c (the
 * lexical layer) share. Not for use outside the TOML parser.
 *
 * Conventions: functions that can fail return 0 or -1; the first failure
 * recorded with tl_fail_at() wins and later ones are ignored. The cursor
 * P->p is a byte offset into P->s; nothing reads past P->n.
 */
#ifndef INTERLOCK_TOML_INTERNAL_H
#define INTERLOCK_TOML_INTERNAL_H

#include "toml.h"


/* One slot of the parser's hash index: key number idx of table tab. */
typedef struct {
	toml_value *tab; /* NULL: empty slot */
	size_t idx;      /* index into tab->u.tab.items */
	uint64_t hash;
} key_slot;

/* The state of one toml_parse() call. */
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

/* A growing byte buffer (decoded strings and keys). */
typedef struct {
	char *p;
	size_t len, cap;
} sbuf;

/* The byte k places after the cursor, or -1 past the end. */
static inline int peek(const parser *P, size_t k)
{
	return P->p + k < P->n ? P->s[P->p + k] : -1;
}

static inline void skip_ws(parser *P)
{
	while (P->p < P->n && (P->s[P->p] == ' ' || P->s[P->p] == '\t'))
		P->p++;
}

static inline bool at_newline(const parser *P)
{
	return peek(P, 0) == '\n' || (peek(P, 0) == '\r' && peek(P, 1) == '\n');
}

static inline void eat_newline(parser *P)
{
	P->p += peek(P, 0) == '\r' ? 2 : 1;
}

/* Line and column (1-based; columns count code points) of byte offset off. */
void tl_locate(parser *P, size_t off, int *line, int *col);
/* Record the first error, at byte offset off. Always returns -1. */
__attribute__((format(printf, 3, 4))) int tl_fail_at(parser *P, size_t off, const char *fmt, ...);
int tl_oom(parser *P);
/* Append n bytes to b, keeping it NUL-terminated. */
int tl_sb_put(parser *P, sbuf *b, const void *data, size_t n);
/* Name a byte for an "expected X but found Y" message. */
const char *tl_show_char(int c, char *buf, size_t cap);
/* Skip a comment at '#' up to (not including) its newline. */
int tl_skip_comment(parser *P);
/* Skip blanks, newlines and comments. */
int tl_skip_ws_nl(parser *P);
/* Refuse input that is not well-formed UTF-8. */
int tl_check_utf8(parser *P);
/* Any of the four string forms at the opening quote, decoded into *b. */
int tl_parse_string(parser *P, sbuf *b);
/* A boolean, number or date/time at the cursor, into v (type and value). */
int tl_parse_bare_scalar(parser *P, toml_value *v);
/* A character allowed in bare keys: A-Z a-z 0-9 _ - */
bool tl_is_bare(int c);

#endif
