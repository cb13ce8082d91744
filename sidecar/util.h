/*
 * util.h — small helpers shared by the sidecar and the CLI.
 *
 * Libraries never exit: only die() (for binaries, at the top of a command)
 * terminates. Cleanup attributes follow bubblewrap: declare with
 * `cleanup_free char *p = ...;` and hand ownership out with steal_pointer().
 */
#ifndef INTERLOCK_UTIL_H
#define INTERLOCK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IL_UNUSED __attribute__((unused))
#define IL_NORETURN __attribute__((noreturn))
#define IL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define IL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void il_cleanup_freep(void *p);
void il_cleanup_fdp(int *fd);
void il_cleanup_filep(FILE **f);
#define cleanup_free __attribute__((cleanup(il_cleanup_freep)))
#define cleanup_fd __attribute__((cleanup(il_cleanup_fdp)))
#define cleanup_file __attribute__((cleanup(il_cleanup_filep)))

static inline void *il_steal_pointer(void *pp)
{
	void **p = (void **)pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) il_steal_pointer(pp)
static inline int steal_fd(int *fd) { int v = *fd; *fd = -1; return v; }

/* Print "interlock: <msg>" (plus ": strerror(errno)" for die_with_error) and exit 1. */
IL_NORETURN IL_PRINTF(1, 2) void die(const char *fmt, ...);
IL_NORETURN IL_PRINTF(1, 2) void die_with_error(const char *fmt, ...);
IL_PRINTF(1, 2) void il_warn(const char *fmt, ...);

/* Format a one-line error message into err[n] (nothing when err is NULL or
 * n is 0): the (err, errlen) out-parameter convention of the libraries. */
IL_PRINTF(3, 4) void il_set_err(char *err, size_t n, const char *fmt, ...);

/* Allocation that dies on exhaustion (binaries only; never in the shim). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
IL_PRINTF(1, 2) char *xasprintf(const char *fmt, ...);

/* Checked integer parsing: whole string, base 10, in [min,max]. 0 or -1. */
int il_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Durations: "250ms", "30s", "5m", "2h", "1d", and combinations "1h30m".
 * Returns 0 and milliseconds in *ms, or -1 (bad syntax, zero-length, overflow). */
int il_parse_duration(const char *s, int64_t *ms);
/* Format milliseconds back ("5m", "1h30m", "250ms") into buf. */
const char *il_format_duration(int64_t ms, char *buf, size_t n);

/* Hex: the value of one hex digit (either case), or -1. */
int il_hex_value(int c);
/* Hex SHA-256 of len bytes (64 lower-case digits and a NUL). */
void il_sha256_hex(const void *data, size_t len, char hex[65]);
/* n bytes as 2*n lower-case hex digits plus a NUL into out[2*n+1]. */
void il_hex_encode(const unsigned char *b, size_t n, char *out);
/* Decode s, which must be exactly 2*n hex digits (either case), into
 * out[n]. 0, or -1 (NULL, wrong length, not hex; out then unspecified). */
int il_hex_decode(const char *s, unsigned char *out, size_t n);

/* Monotonic and wall clocks in milliseconds. */
int64_t il_now_mono_ms(void);
int64_t il_now_wall_ms(void);

/* Write all of buf (retrying EINTR/short writes). 0 or -1 with errno. */
int il_write_all(int fd, const void *buf, size_t n);

/* Read a whole file (bounded by max bytes) into a NUL-terminated buffer. */
char *il_read_file(const char *path, size_t max, size_t *len_out);

#endif
