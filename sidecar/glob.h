// glob.h — compiled shell-style glob patterns for the rules engine.
//
// Syntax:
//   *        any run of characters; in IL_GLOB_PATH mode it never crosses '/'
//   **       any run of characters including '/'. In path mode "a/**"
//            also matches "a" itself, "a/**/b" matches "a/b",
//            and a leading "**/" matches zero or more
//            leading directories
//   ?        one character (not '/' in path mode)
//   [abc] [a-z] [!a-z] [^a-z]   one character from (or not from) a set;
//            never '/' in path mode; "]" first in the set is literal
//   \x       the character x literally
// IL_GLOB_NOCASE compares ASCII letters case-insensitively (host names,
// HTTP methods, header names).
//
// A pattern may start with the literal text "${CWD}": it then matches
// subjects that start with the working directory given at match time,
// followed by the rest of the pattern (the working directory's trailing
// '/' is ignored, so "${CWD}/**" is "inside the working directory").
//
// Matching is a bounded NFA simulation: time O(len(subject) x
// len(pattern)), no recursion on the subject, no allocation. Patterns
// are limited to IL_GLOB_MAX_TOKENS elements.
#ifndef INTERLOCK_GLOB_H
#define INTERLOCK_GLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IL_GLOB_MAX_TOKENS 256

enum {
	IL_GLOB_PATH = 1u << 0,    /* '*', '?' and classes do not match '/' */
	IL_GLOB_NOCASE = 1u << 1,  /* ASCII case-insensitive */
};

typedef struct il_glob_tok il_glob_tok;

typedef struct il_glob {
	il_glob_tok *toks;         /* ntoks compiled elements */
	size_t ntoks;
	unsigned flags;
	bool cwd_prefix;           /* pattern started with ${CWD} */
	bool literal;              /* no wildcards: compare `lit` exactly */
	char *lit;                 /* literal form (literal patterns) */
	size_t lit_len;
	char *prefix;              /* literal text every match starts with */
	size_t prefix_len;
	char *suffix;              /* literal text every match ends with */
	size_t suffix_len;
	size_t min_len;            /* shortest subject that can match */
	char *source;              /* the pattern as written (for messages) */
	bool has_slash;            /* the pattern contains '/' (path, not basename) */
} il_glob;

/* Compile `pat`. Returns 0, or -1 with a message in err ("unterminated
 * '[' at offset 3"). On failure *g holds nothing to free. */
int il_glob_compile(il_glob *g, const char *pat, unsigned flags, char *err, size_t errlen);

/* Does `s` match? `cwd` is used only by ${CWD} patterns (NULL: no match). */
bool il_glob_match(const il_glob *g, const char *s, const char *cwd);

void il_glob_free(il_glob *g);

/* True when `pat` contains a glob metacharacter (* ? [ \). */
bool il_glob_has_magic(const char *pat);

/* Append `s` to out (capacity n, NUL-terminated) with glob metacharacters
 * escaped. Returns the length written, or (size_t)-1 when it did not fit. */
size_t il_glob_escape(const char *s, char *out, size_t n);

#endif
