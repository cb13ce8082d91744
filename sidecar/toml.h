/*
 * toml.h — a TOML 1.0 parser.
 *
 * toml_parse() turns a complete document into a tree of toml_value nodes.
 * Every node carries the 1-based line and column where it was defined, so
 * that consumers (the rules loader) can report FILE:LINE:COL errors about
 * the *meaning* of a value, not only its syntax.
 *
 * The parser is iterative where nesting is unbounded in the input and
 * refuses documents nested deeper than TOML_MAX_DEPTH (arrays and inline
 * tables), or larger than TOML_MAX_INPUT bytes. It never exits or aborts;
 * on error it returns NULL and fills *err with a line, column and a message
 * meant for a human ("duplicate key 'a' (first defined at line 2)").
 *
 * Ownership: the returned root and every node below it belong to the root;
 * free it with toml_free(). Strings are NUL-terminated UTF-8; a string that
 * contains U+0000 (legal via "\u0000") keeps its true length in `len`.
 */
#ifndef INTERLOCK_TOML_H
#define INTERLOCK_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOML_MAX_DEPTH 128
#define TOML_MAX_INPUT (16u * 1024u * 1024u)

typedef enum {
	TOML_TABLE = 1,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
	TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
	TOML_DATE_LOCAL,     /* 1979-05-27 */
	TOML_TIME_LOCAL,     /* 07:32:00 */
} toml_type;

/* A date/time as written; fields that do not apply are zero. */
typedef struct {
	int year, month, day;
	int hour, minute, second;
	uint32_t nanosecond;
	int frac_digits;      /* digits of fractional second as written (0..9) */
	int offset_minutes;   /* TOML_DATETIME only; 0 for Z */
	bool offset_z;        /* written as Z (vs +00:00) */
} toml_datetime;

typedef struct toml_value toml_value;

typedef struct {
	char *key;            /* NUL-terminated; key_len holds the true length */
	size_t key_len;
	toml_value *value;
} toml_kv;

struct toml_value {
	toml_type type;
	int line, col;        /* 1-based position where the value was defined */
	union {
		struct { char *ptr; size_t len; } s;
		int64_t i;
		double f;
		bool b;
		toml_datetime dt;
		struct { toml_value **items; size_t len, cap; } arr;
		struct { toml_kv *items; size_t len, cap; } tab;
	} u;
	/* parser bookkeeping (how the node was created); consumers ignore */
	unsigned flags;
};

typedef struct {
	int line, col;        /* 1-based; 0 when not applicable (e.g. too large) */
	char msg[256];
} toml_error;

/* Parse `len` bytes of `buf`. Returns the root table, or NULL with *err set. */
toml_value *toml_parse(const char *buf, size_t len, toml_error *err);

/* Read and parse a whole file. On error *err is set; err->line == 0 for I/O errors. */
toml_value *toml_parse_file(const char *path, toml_error *err);

void toml_free(toml_value *v);

/* Table lookup by key (exact, byte-wise). NULL when absent or t not a table. */
const toml_value *toml_get(const toml_value *t, const char *key);

const char *toml_type_name(toml_type t); /* "string", "integer", "table", ... */

#endif
