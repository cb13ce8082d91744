/*
 * util.c — allocation, error reporting, integer and duration parsing,
 * hex encoding, clocks and whole-buffer I/O for the sidecar and the CLI.
 */
#include "util.h"

#include <openssl/sha.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void il_cleanup_freep(void *p)
{
	void **pp = (void **)p;
	free(*pp);
	*pp = NULL;
}

void il_cleanup_fdp(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
		*fd = -1;
	}
}

void il_cleanup_filep(FILE **f)
{
	if (*f) {
		fclose(*f);
		*f = NULL;
	}
}

static void vwarn_impl(const char *fmt, va_list ap, int err)
{
	fputs("interlock: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	fflush(stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn_impl(fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void die_with_error(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vwarn_impl(fmt, ap, err);
	va_end(ap);
	exit(1);
}

void il_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn_impl(fmt, ap, 0);
	va_end(ap);
}

void il_set_err(char *err, size_t n, const char *fmt, ...)
{
	if (!err || n == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		die("out of memory allocating %zu x %zu bytes", n, m);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die("out of memory allocating %zu bytes", n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *out = NULL;
	va_start(ap, fmt);
	int r = vasprintf(&out, fmt, ap);
	va_end(ap);
	if (r < 0)
		die("out of memory formatting a string");
	return out;
}

int il_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s)
		return -1;
	errno = 0;
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || end == s)
		return -1;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* One unit suffix: its length and its size in milliseconds. */
static int duration_unit(const char *s, size_t *len, int64_t *ms)
{
	static const struct { const char *name; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	for (size_t i = 0; i < IL_ARRAY_LEN(units); i++) {
		size_t n = strlen(units[i].name);
		if (strncmp(s, units[i].name, n) == 0) {
			*len = n;
			*ms = units[i].ms;
			return 0;
		}
	}
	return -1;
}

int il_parse_duration(const char *s, int64_t *ms)
{
	if (!s || !*s)
		return -1;
	int64_t total = 0;
	int64_t last_unit = INT64_MAX;
	const char *p = s;
	while (*p) {
		if (*p < '0' || *p > '9')
			return -1;
		int64_t n = 0;
		while (*p >= '0' && *p <= '9') {
			if (n > (INT64_MAX - 9) / 10)
				return -1;
			n = n * 10 + (*p - '0');
			p++;
		}
		size_t ulen;
		int64_t unit;
		if (duration_unit(p, &ulen, &unit) != 0)
			return -1;
		/* units must decrease: "1h30m", not "30m1h" or "1m1m" */
		if (unit >= last_unit)
			return -1;
		last_unit = unit;
		if (n > INT64_MAX / unit || total > INT64_MAX - n * unit)
			return -1;
		total += n * unit;
		p += ulen;
	}
	*ms = total;
	return 0;
}

const char *il_format_duration(int64_t ms, char *buf, size_t n)
{
	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (ms <= 0) {
		snprintf(buf, n, "0s");
		return buf;
	}
	static const struct { char name; int64_t ms; } units[] = {
		{ 'd', 86400000 }, { 'h', 3600000 }, { 'm', 60000 }, { 's', 1000 },
	};
	size_t off = 0;
	for (size_t i = 0; i < IL_ARRAY_LEN(units) && off < n; i++) {
		if (ms >= units[i].ms) {
			int w = snprintf(buf + off, n - off, "%lld%c",
			                 (long long)(ms / units[i].ms), units[i].name);
			if (w < 0)
				return buf;
			off += (size_t)w;
			ms %= units[i].ms;
		}
	}
	if (ms > 0 && off < n)
		snprintf(buf + off, n - off, "%lldms", (long long)ms);
	return buf;
}

int il_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void il_hex_encode(const unsigned char *b, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int il_hex_decode(const char *s, unsigned char *out, size_t n)
{
	if (!s || strnlen(s, 2 * n + 1) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = il_hex_value(s[2 * i]), lo = il_hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int64_t il_now_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t il_now_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int il_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

char *il_read_file(const char *path, size_t max, size_t *len_out)
{
	cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	cleanup_free char *buf = malloc(cap + 1);
	if (!buf)
		return NULL;
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				errno = EFBIG;
				return NULL;
			}
			size_t ncap = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(buf, ncap + 1);
			if (!nb)
				return NULL;
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return steal_pointer(&buf);
}

void il_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	il_hex_encode(md, sizeof md, hex);
}
