/*
 * toml_decoder.c — build/bin/toml-decoder: the toml-test decoder protocol.
 *
 * Reads a TOML document on stdin. Valid: prints it as toml-test's tagged
 * JSON on stdout (tables are objects, arrays are arrays, every scalar is
 * {"type": T, "value": "<text>"}) and exits 0. Invalid: prints
 * "toml-decoder: line L, column C: message" on stderr and exits 1.
 *
 * The JSON is written here by hand: strings are escaped byte-exactly
 * (control characters and NUL as \u00XX), floats use the shortest %.Ng form
 * that reads back to the same double, date/times are printed in RFC 3339
 * form with the fractional digits as written.
 */
#include "toml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_json_string(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20 || c == 0x7F)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

/* The shortest decimal form of f that strtod reads back exactly. */
static void format_float(double f, char *buf, size_t cap)
{
	if (isnan(f)) {
		snprintf(buf, cap, "nan");
		return;
	}
	if (isinf(f)) {
		snprintf(buf, cap, "%s", f < 0 ? "-inf" : "inf");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, f);
		if (strtod(buf, NULL) == f)
			return;
	}
}

/* RFC 3339 text of a date/time value, fields as written. */
static void format_datetime(const toml_value *v, char *buf, size_t cap)
{
	const toml_datetime *d = &v->u.dt;
	size_t o = 0;
	if (v->type != TOML_TIME_LOCAL)
		o += (size_t)snprintf(buf + o, cap - o, "%04d-%02d-%02d", d->year, d->month, d->day);
	if (v->type == TOML_DATE_LOCAL)
		return;
	if (v->type != TOML_TIME_LOCAL)
		buf[o++] = 'T';
	o += (size_t)snprintf(buf + o, cap - o, "%02d:%02d:%02d", d->hour, d->minute, d->second);
	if (d->frac_digits > 0) {
		uint32_t ns = d->nanosecond;
		for (int i = d->frac_digits; i < 9; i++)
			ns /= 10;
		o += (size_t)snprintf(buf + o, cap - o, ".%0*u", d->frac_digits, (unsigned)ns);
	}
	if (v->type != TOML_DATETIME)
		return;
	if (d->offset_z) {
		snprintf(buf + o, cap - o, "Z");
	} else {
		int off = d->offset_minutes;
		char sign = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		snprintf(buf + o, cap - o, "%c%02d:%02d", sign, off / 60, off % 60);
	}
}

/* Print v as tagged JSON (recursion depth is bounded by TOML_MAX_DEPTH). */
static void put_value(FILE *out, const toml_value *v)
{
	char buf[96];
	switch (v->type) {
	case TOML_TABLE:
		fputc('{', out);
		for (size_t i = 0; i < v->u.tab.len; i++) {
			if (i)
				fputc(',', out);
			put_json_string(out, v->u.tab.items[i].key, v->u.tab.items[i].key_len);
			fputc(':', out);
			put_value(out, v->u.tab.items[i].value);
		}
		fputc('}', out);
		return;
	case TOML_ARRAY:
		fputc('[', out);
		for (size_t i = 0; i < v->u.arr.len; i++) {
			if (i)
				fputc(',', out);
			put_value(out, v->u.arr.items[i]);
		}
		fputc(']', out);
		return;
	case TOML_STRING:
		fputs("{\"type\":\"string\",\"value\":", out);
		put_json_string(out, v->u.s.ptr, v->u.s.len);
		fputc('}', out);
		return;
	case TOML_INTEGER:
		snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
		break;
	case TOML_FLOAT:
		format_float(v->u.f, buf, sizeof buf);
		break;
	case TOML_BOOL:
		snprintf(buf, sizeof buf, "%s", v->u.b ? "true" : "false");
		break;
	case TOML_DATETIME:
	case TOML_DATETIME_LOCAL:
	case TOML_DATE_LOCAL:
	case TOML_TIME_LOCAL:
		format_datetime(v, buf, sizeof buf);
		break;
	}
	fprintf(out, "{\"type\":\"%s\",\"value\":\"%s\"}", toml_type_name(v->type), buf);
}

int main(void)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fprintf(stderr, "toml-decoder: out of memory\n");
			return 2;
		}
		if (len == cap) {
			if (cap > TOML_MAX_INPUT)
				break;
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
			continue;
		}
		size_t got = fread(buf + len, 1, cap - len, stdin);
		if (got == 0)
			break;
		len += got;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "toml-decoder: cannot read standard input\n");
		free(buf);
		return 2;
	}
	toml_error err;
	toml_value *root = toml_parse(buf, len, &err);
	free(buf);
	if (!root) {
		if (err.line)
			fprintf(stderr, "toml-decoder: line %d, column %d: %s\n", err.line, err.col, err.msg);
		else
			fprintf(stderr, "toml-decoder: %s\n", err.msg);
		return 1;
	}
	put_value(stdout, root);
	fputc('\n', stdout);
	toml_free(root);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "toml-decoder: cannot write standard output\n");
		return 2;
	}
	return 0;
}
