/*
 * toml_lex.c — the lexical layer of the TOML parser (see toml_internal.h):
 * positions and error reports, whitespace and comments, the UTF-8 check of
 * the whole document, the four string forms with their escapes, and the
 * bare scalars (booleans, integers, floats, dates and times) with every
 * range and underscore rule of TOML 1.0.0.
 */
#include "toml_internal.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---------------------------------------------------------------- errors */

/*
 * Turn a byte offset into a 1-based line and column (columns count code
 * points). Offsets are asked for in increasing order almost always, so the
 * scan continues from the previous answer; an earlier offset rescans from
 * the start (only error reports do that).
 */
void tl_locate(parser *P, size_t off, int *line, int *col)
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
int tl_fail_at(parser *P, size_t off, const char *fmt, ...)
{
	if (P->failed)
		return -1;
	P->failed = true;
	tl_locate(P, off, &P->err->line, &P->err->col);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(P->err->msg, sizeof P->err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int tl_oom(parser *P)
{
	return tl_fail_at(P, P->p, "out of memory");
}

/* ------------------------------------------------------------ utilities */

int tl_sb_put(parser *P, sbuf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return tl_oom(P);
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Name a byte for "unexpected ..." messages. */
const char *tl_show_char(int c, char *buf, size_t cap)
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
int tl_skip_comment(parser *P)
{
	P->p++;
	while (P->p < P->n) {
		unsigned char c = P->s[P->p];
		if (c == '\n' || (c == '\r' && peek(P, 1) == '\n'))
			return 0;
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return tl_fail_at(P, P->p, "control character U+%04X in comment", c);
		P->p++;
	}
	return 0;
}

/* Skip whitespace, newlines and comments (inside arrays). */
int tl_skip_ws_nl(parser *P)
{
	for (;;) {
		skip_ws(P);
		if (peek(P, 0) == '#') {
			if (tl_skip_comment(P) < 0)
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
int tl_check_utf8(parser *P)
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
			return tl_fail_at(P, i, "invalid UTF-8 byte 0x%02X", c);
		}
		if (need >= n - i)
			return tl_fail_at(P, i, "truncated UTF-8 sequence");
		for (size_t k = 1; k <= need; k++) {
			unsigned char d = s[i + k];
			unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
			if (d < l || d > h)
				return tl_fail_at(P, i, "invalid UTF-8 sequence");
		}
		i += need + 1;
	}
	return 0;
}

/* ------------------------------------------------------------- strings */

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
	return tl_sb_put(P, b, u, n);
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
			int h = il_hex_value(peek(P, 0));
			if (h < 0)
				return tl_fail_at(P, at, "invalid \\%c escape: expected %d hex digits", e, nd);
			cp = cp << 4 | (uint32_t)h;
			P->p++;
		}
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return tl_fail_at(P, at, "escape \\%c%0*X is not a Unicode scalar value", e, nd,
				       (unsigned)cp);
		return put_utf8(P, b, cp);
	}
	default:
		if (ml && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
			P->p--;
			skip_ws(P);
			if (!at_newline(P))
				return tl_fail_at(P, at, "a line-ending backslash must be followed only by "
						      "whitespace up to the end of the line");
			for (;;) {
				skip_ws(P);
				if (!at_newline(P))
					return 0;
				eat_newline(P);
			}
		}
		if (e < 0)
			return tl_fail_at(P, at, "unterminated string");
		if (e > 0x20 && e < 0x7F)
			return tl_fail_at(P, at, "invalid escape sequence '\\%c'", e);
		return tl_fail_at(P, at, "invalid escape sequence (backslash before byte 0x%02X)", e);
	}
	return tl_sb_put(P, b, &c, 1);
}

/*
 * Any of the four string forms; the cursor is on the opening quote. The
 * decoded bytes go to *b (always NUL-terminated on success, even if empty).
 */
int tl_parse_string(parser *P, sbuf *b)
{
	size_t at = P->p;
	int q = peek(P, 0);
	bool ml = peek(P, 1) == q && peek(P, 2) == q;
	bool literal = q == '\'';
	if (tl_sb_put(P, b, "", 0) < 0)
		return -1;
	P->p += ml ? 3 : 1;
	if (ml && at_newline(P))
		eat_newline(P);
	for (;;) {
		if (P->p >= P->n)
			return tl_fail_at(P, at, "unterminated string");
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
				if (tl_sb_put(P, b, P->s + P->p, extra) < 0)
					return -1;
				P->p += extra + 3;
				return 0;
			}
			if (tl_sb_put(P, b, P->s + P->p, k) < 0)
				return -1;
			P->p += k;
		} else if (c == '\\' && !literal) {
			if (parse_escape(P, b, ml) < 0)
				return -1;
		} else if (c == '\n' || (c == '\r' && peek(P, 1) == '\n')) {
			if (!ml)
				return tl_fail_at(P, P->p, "newline in a single-line string");
			eat_newline(P);
			if (tl_sb_put(P, b, "\n", 1) < 0)
				return -1;
		} else if ((c < 0x20 && c != '\t') || c == 0x7F) {
			return tl_fail_at(P, P->p, "control character U+%04X in string", c);
		} else {
			size_t e = P->p + 1;
			while (e < P->n && P->s[e] >= 0x20 && P->s[e] != 0x7F && P->s[e] != q &&
			       P->s[e] != '\\')
				e++;
			if (tl_sb_put(P, b, P->s + P->p, e - P->p) < 0)
				return -1;
			P->p = e;
		}
	}
}

/* ------------------------------------------------------------------ keys */

bool tl_is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* ------------------------------------------------------- scalar values */

/*
 * A run of digits in `base` (2, 8, 10 or 16) starting at s[i], with single
 * underscores allowed only between digits. Returns the end offset, or 0
 * when there is no digit or an underscore is misplaced.
 */
static size_t digit_run(const unsigned char *s, size_t i, size_t e, int base)
{
	bool need_digit = true;
	size_t start = i;
	for (; i < e; i++) {
		int c = s[i];
		int d = il_hex_value(c);
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

/*
 * Report a token [b,e) that is no number; a token with letters that no
 * number can hold was most likely meant as a string.
 */
static int bad_number(parser *P, size_t b, size_t e)
{
	bool wordy = false;
	for (size_t i = b; i < e; i++) {
		int c = P->s[i];
		if (((c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z')) && c != 'x' && c != 'o')
			wordy = true;
	}
	int n = e - b > 40 ? 40 : (int)(e - b);
	return tl_fail_at(P, b, "invalid value '%.*s'%s", n, (const char *)P->s + b,
			  wordy ? " (strings must be quoted)" : "");
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
			return tl_fail_at(P, b, "invalid base-%d integer", base);
		uint64_t val = 0;
		for (size_t k = i + 2; k < e; k++) {
			if (s[k] == '_')
				continue;
			uint64_t d = (uint64_t)il_hex_value(s[k]);
			if (val > ((uint64_t)INT64_MAX - d) / (uint64_t)base)
				return tl_fail_at(P, b, "integer does not fit in 64 bits");
			val = val * (uint64_t)base + d;
		}
		v->type = TOML_INTEGER;
		v->u.i = (int64_t)val;
		return 0;
	}
	/* decimal integer part: "0" or a digit run without a leading zero */
	size_t ie = digit_run(s, i, e, 10);
	if (!ie)
		return bad_number(P, b, e);
	if (s[i] == '0' && ie - i > 1)
		return tl_fail_at(P, b, "leading zeros are not allowed in numbers");
	if (ie == e) {
		uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, val = 0;
		for (size_t k = i; k < e; k++) {
			if (s[k] == '_')
				continue;
			uint64_t d = (uint64_t)(s[k] - '0');
			if (val > (lim - d) / 10)
				return tl_fail_at(P, b, "integer does not fit in 64 bits");
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
			return tl_fail_at(P, b, "invalid float: expected digits after '.'");
	}
	if (k < e && (s[k] == 'e' || s[k] == 'E')) {
		k++;
		if (k < e && (s[k] == '+' || s[k] == '-'))
			k++;
		k = digit_run(s, k, e, 10);
		if (!k)
			return tl_fail_at(P, b, "invalid float exponent");
	}
	if (k != e)
		return bad_number(P, b, e);
	char buf[128];
	size_t o = 0;
	for (size_t j = b; j < e; j++) {
		if (s[j] == '_')
			continue;
		if (o + 1 >= sizeof buf)
			return tl_fail_at(P, b, "float literal too long");
		buf[o++] = (char)s[j];
	}
	buf[o] = '\0';
	v->type = TOML_FLOAT;
	v->u.f = strtod(buf, NULL);
	if (isinf(v->u.f))
		return tl_fail_at(P, b, "float out of range");
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
		return tl_fail_at(P, b, "invalid time: expected HH:MM:SS");
	if (h > 23 || m > 59 || sec > 60)
		return tl_fail_at(P, b, "time %02d:%02d:%02d out of range", h, m, sec);
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
			return tl_fail_at(P, b, "invalid time: expected digits after '.'");
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
			return tl_fail_at(P, b, "invalid local time");
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
		return tl_fail_at(P, b, "invalid date: expected YYYY-MM-DD");
	dt->year = y1 * 100 + y2;
	dt->month = mo;
	dt->day = d;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(dt->year, mo))
		return tl_fail_at(P, b, "date %04d-%02d-%02d out of range", dt->year, mo, d);
	i = b + 10;
	if (i == e) {
		v->type = TOML_DATE_LOCAL;
		return 0;
	}
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return tl_fail_at(P, b, "invalid date-time");
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
			return tl_fail_at(P, b, "invalid time offset: expected +HH:MM");
		if (oh > 23 || om > 59)
			return tl_fail_at(P, b, "time offset out of range");
		dt->offset_minutes = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
		i += 6;
	}
	if (i != e)
		return tl_fail_at(P, b, "invalid date-time");
	return 0;
}

static bool is_token_char(int c)
{
	return tl_is_bare(c) || c == '+' || c == '.' || c == ':';
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
int tl_parse_bare_scalar(parser *P, toml_value *v)
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
		return tl_fail_at(P, b, "expected a value but found %s", tl_show_char(peek(P, 0), cb, sizeof cb));
	}
	int c = P->s[b];
	if (!is_digit(c) && c != '+' && c != '-' && c != 'i' && c != 'n')
		return bad_number(P, b, e);
	return parse_number(P, b, e, v);
}
