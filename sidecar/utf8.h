/*
 * utf8.h — UTF-8 validation shared by the approval protocol, the audit log
 * and dry-run reports: one definition of "valid" (shortest form, no
 * surrogates, at most U+10FFFF) so the places that clean agent-supplied
 * strings agree byte for byte.
 */
#ifndef INTERLOCK_UTF8_H
#define INTERLOCK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1..4) of the valid UTF-8 sequence at s[0..n), n >= 1, or 0 when
 * the bytes there are not a valid, shortest-form encoding of a Unicode
 * scalar value (or the sequence runs past n). */
size_t il_utf8_seq_len(const unsigned char *s, size_t n);

/* Is s[0..n) valid UTF-8 throughout? (Also declared in approval_proto.h.) */
bool il_utf8_valid(const char *s, size_t n);

#endif
