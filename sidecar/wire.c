/*
 * wire.c — strict decoder and encoder for the shim <-> sidecar frames
 * (see wire.h and interceptor/protocol.h).
 */
#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { F_STR = 1, F_U32, F_I32, F_I64 } ftype;

typedef struct {
	ftype type;
	bool repeat;
} tag_info;

/* Known tags and their value types; a zero entry is an unknown tag. */
static tag_info tag_lookup(uint16_t tag)
{
	switch (tag) {
	case IL_T_KIND: case IL_T_IS_DIR: case IL_T_DEL_OP: case IL_T_PORT:
	case IL_T_UDP: case IL_T_URL_VISIBLE: case IL_T_UID: case IL_T_DECISION:
		return (tag_info){ F_U32, false };
	case IL_T_PID: case IL_T_PPID: case IL_T_TID:
		return (tag_info){ F_I32, false };
	case IL_T_BODY_LEN: case IL_T_DEADLINE_MS:
		return (tag_info){ F_I64, false };
	case IL_T_ARGV: case IL_T_HEADER:
		return (tag_info){ F_STR, true };
	case IL_T_PROGRAM: case IL_T_CWD: case IL_T_PATH: case IL_T_RENAME_FROM:
	case IL_T_HOST: case IL_T_ADDR: case IL_T_METHOD: case IL_T_SCHEME:
	case IL_T_URL: case IL_T_URL_PATH: case IL_T_QUERY: case IL_T_SESSION:
	case IL_T_AGENT_ID: case IL_T_LAYER: case IL_T_HOOK: case IL_T_REQUEST_ID:
	case IL_T_RULE_ID: case IL_T_REASON: case IL_T_BANNER: case IL_T_MESSAGE:
		return (tag_info){ F_STR, false };
	default:
		return (tag_info){ 0, false };
	}
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t n, const char *fmt, ...)
{
	if (err && n) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int il_wire_check_header(const void *buf, il_wire_hdr *out, char *err, size_t n)
{
	il_wire_hdr h;
	memcpy(&h, buf, sizeof h);
	if (h.magic != IL_WIRE_MAGIC)
		return fail(err, n, "bad frame magic 0x%08x", h.magic);
	if (h.version != IL_WIRE_VERSION)
		return fail(err, n, "unsupported protocol version %u", (unsigned)h.version);
	if (h.type < IL_MSG_DECIDE || h.type > IL_MSG_HINTS)
		return fail(err, n, "unknown message type %u", (unsigned)h.type);
	if (h.len > IL_WIRE_MAX_PAYLOAD)
		return fail(err, n, "frame payload of %u bytes exceeds the limit of %u",
		            h.len, IL_WIRE_MAX_PAYLOAD);
	if (h.reserved != 0)
		return fail(err, n, "reserved header field is not zero");
	*out = h;
	return 0;
}

/* Slot where a non-repeated string tag is stored while decoding. */
static const char **str_slot(il_wire_message *m, uint16_t tag)
{
	il_action *a = &m->action;
	switch (tag) {
	case IL_T_PROGRAM: return &a->program;
	case IL_T_CWD: return &a->cwd;
	case IL_T_PATH: return &a->path;
	case IL_T_RENAME_FROM: return &a->rename_from;
	case IL_T_HOST: return &a->host;
	case IL_T_ADDR: return &a->addr;
	case IL_T_METHOD: return &a->method;
	case IL_T_SCHEME: return &a->scheme;
	case IL_T_URL: return &a->url;
	case IL_T_URL_PATH: return &a->url_path;
	case IL_T_QUERY: return &a->query;
	case IL_T_SESSION: return &a->session;
	case IL_T_AGENT_ID: return &a->agent_id;
	case IL_T_LAYER: return &m->layer;
	case IL_T_HOOK: return &m->hook;
	case IL_T_REQUEST_ID: return &m->request_id;
	case IL_T_RULE_ID: return &m->rule_id;
	case IL_T_REASON: return &m->reason;
	case IL_T_BANNER: return &m->banner;
	case IL_T_MESSAGE: return &m->message;
	default: return NULL;
	}
}

static int bool_field(uint32_t v, bool *out, const char *name, char *err, size_t n)
{
	if (v > 1)
		return fail(err, n, "field %s must be 0 or 1, not %u", name, v);
	*out = v == 1;
	return 0;
}

/* Store an integer field into the message; range-checks enumerations. */
static int put_int(il_wire_message *m, uint16_t tag, int64_t v, char *err, size_t n)
{
	il_action *a = &m->action;
	switch (tag) {
	case IL_T_KIND:
		if (v < IL_KIND_EXEC || v > IL_KIND_HTTP)
			return fail(err, n, "unknown action kind %lld", (long long)v);
		a->kind = (il_kind)v;
		return 0;
	case IL_T_IS_DIR: return bool_field((uint32_t)v, &a->is_dir, "is_dir", err, n);
	case IL_T_UDP: return bool_field((uint32_t)v, &a->udp, "udp", err, n);
	case IL_T_URL_VISIBLE: return bool_field((uint32_t)v, &a->url_visible, "url_visible", err, n);
	case IL_T_DEL_OP:
		if (v < IL_DEL_UNLINK || v > IL_DEL_RENAME_OVER)
			return fail(err, n, "unknown delete operation %lld", (long long)v);
		a->del_op = (il_delete_op)v;
		return 0;
	case IL_T_PORT:
		if (v > 65535)
			return fail(err, n, "port %lld out of range", (long long)v);
		a->port = (unsigned)v;
		return 0;
	case IL_T_UID: a->uid = (uid_t)v; return 0;
	case IL_T_PID: a->pid = (pid_t)v; return 0;
	case IL_T_PPID: a->ppid = (pid_t)v; return 0;
	case IL_T_TID: m->tid = (pid_t)v; return 0;
	case IL_T_BODY_LEN:
		if (v < -1)
			return fail(err, n, "body length %lld out of range", (long long)v);
		a->body_len = v;
		return 0;
	case IL_T_DEADLINE_MS: m->deadline_ms = v; m->has_deadline = true; return 0;
	case IL_T_DECISION: m->decision = (uint32_t)v; m->has_decision = true; return 0;
	default: return 0;
	}
}

static const char *tag_name(uint16_t tag)
{
	static char buf[24];
	snprintf(buf, sizeof buf, "tag %u", (unsigned)tag);
	return buf;
}

/* The fields a message of its type cannot do without. */
static int check_required(const il_wire_message *m, char *err, size_t n)
{
	const il_action *a = &m->action;
	switch (m->type) {
	case IL_MSG_DECIDE:
		switch (a->kind) {
		case IL_KIND_EXEC:
			if (!a->program || !*a->program)
				return fail(err, n, "exec action without a program path");
			return 0;
		case IL_KIND_DELETE:
			if (!a->path || !*a->path)
				return fail(err, n, "delete action without a path");
			return 0;
		case IL_KIND_CONNECT:
			if ((!a->addr || !*a->addr) && (!a->host || !*a->host))
				return fail(err, n, "connect action without an address or host");
			return 0;
		case IL_KIND_HTTP:
			/* an opaque request (url_visible false) has no method */
			if (a->url_visible && (!a->method || !*a->method))
				return fail(err, n, "http action without a method");
			if ((!a->url || !*a->url) && (!a->host || !*a->host) &&
			    (!a->addr || !*a->addr))
				return fail(err, n, "http action without a URL or host");
			return 0;
		default:
			return fail(err, n, "decide request without an action kind");
		}
	case IL_MSG_RESUME:
		if (!m->request_id || !*m->request_id)
			return fail(err, n, "resume request without a request id");
		return 0;
	case IL_MSG_PENDING:
		if (!m->request_id || !m->has_deadline)
			return fail(err, n, "pending message without request id or deadline");
		return 0;
	case IL_MSG_VERDICT:
		if (!m->has_decision)
			return fail(err, n, "verdict without a decision");
		return 0;
	case IL_MSG_HINTS_GET:
	case IL_MSG_HINTS:
		return 0;
	}
	return fail(err, n, "unknown message type");
}

int il_wire_decode(const il_wire_hdr *hdr, const uint8_t *p, size_t len,
                   il_wire_message *out, char *err, size_t n)
{
	memset(out, 0, sizeof *out);
	if (len != hdr->len)
		return fail(err, n, "payload length mismatch");
	/* Pass 1: validate the field layout, count strings and their bytes. */
	size_t arena_len = 0, nargv = 0, nheaders = 0;
	uint8_t seen[256 / 8] = { 0 };
	for (size_t off = 0; off < len;) {
		if (len - off < IL_WIRE_FIELD_HDR_SIZE)
			return fail(err, n, "truncated field header at offset %zu", off);
		il_wire_field f;
		memcpy(&f, p + off, sizeof f);
		off += IL_WIRE_FIELD_HDR_SIZE;
		if (f.flags != 0)
			return fail(err, n, "%s: non-zero field flags", tag_name(f.tag));
		if (f.len > IL_WIRE_MAX_FIELD)
			return fail(err, n, "%s: field of %u bytes exceeds the limit", tag_name(f.tag), f.len);
		if (f.len > len - off)
			return fail(err, n, "%s: field overruns the payload", tag_name(f.tag));
		tag_info ti = tag_lookup(f.tag);
		const uint8_t *v = p + off;
		off += f.len;
		if (!ti.type)
			continue;
		if (!ti.repeat) {
			if (f.tag < 256) {
				if (seen[f.tag / 8] & (1u << (f.tag % 8)))
					return fail(err, n, "%s: repeated field", tag_name(f.tag));
				seen[f.tag / 8] |= (uint8_t)(1u << (f.tag % 8));
			}
		}
		switch (ti.type) {
		case F_STR:
			if (memchr(v, 0, f.len))
				return fail(err, n, "%s: embedded NUL in string", tag_name(f.tag));
			arena_len += (size_t)f.len + 1;
			if (f.tag == IL_T_ARGV && ++nargv > IL_WIRE_MAX_ARGV)
				return fail(err, n, "too many argv entries (limit %u)", IL_WIRE_MAX_ARGV);
			if (f.tag == IL_T_HEADER && ++nheaders > IL_WIRE_MAX_HEADERS)
				return fail(err, n, "too many headers (limit %u)", IL_WIRE_MAX_HEADERS);
			break;
		case F_U32: case F_I32:
			if (f.len != 4)
				return fail(err, n, "%s: integer field of %u bytes, expected 4", tag_name(f.tag), f.len);
			break;
		case F_I64:
			if (f.len != 8)
				return fail(err, n, "%s: integer field of %u bytes, expected 8", tag_name(f.tag), f.len);
			break;
		}
	}

	/* Pass 2: copy. Layout was validated above. */
	out->type = (il_wire_msg)hdr->type;
	out->action.body_len = -1;
	out->action.url_visible = false;
	out->arena = malloc(arena_len ? arena_len : 1);
	out->argv_store = calloc(nargv + 1, sizeof(char *));
	out->header_store = calloc(nheaders + 1, sizeof(char *));
	if (!out->arena || !out->argv_store || !out->header_store) {
		il_wire_message_free(out);
		return fail(err, n, "out of memory decoding a frame");
	}
	char *dst = out->arena;
	size_t ia = 0, ih = 0;
	for (size_t off = 0; off < len;) {
		il_wire_field f;
		memcpy(&f, p + off, sizeof f);
		off += IL_WIRE_FIELD_HDR_SIZE;
		const uint8_t *v = p + off;
		off += f.len;
		tag_info ti = tag_lookup(f.tag);
		int rc = 0;
		switch (ti.type) {
		case F_STR: {
			memcpy(dst, v, f.len);
			dst[f.len] = '\0';
			if (f.tag == IL_T_ARGV)
				out->argv_store[ia++] = dst;
			else if (f.tag == IL_T_HEADER)
				out->header_store[ih++] = dst;
			else {
				const char **slot = str_slot(out, f.tag);
				if (slot)
					*slot = dst;
			}
			dst += (size_t)f.len + 1;
			break;
		}
		case F_U32: { uint32_t x; memcpy(&x, v, 4); rc = put_int(out, f.tag, x, err, n); break; }
		case F_I32: { int32_t x; memcpy(&x, v, 4); rc = put_int(out, f.tag, x, err, n); break; }
		case F_I64: { int64_t x; memcpy(&x, v, 8); rc = put_int(out, f.tag, x, err, n); break; }
		default: break;
		}
		if (rc < 0) {
			il_wire_message_free(out);
			return -1;
		}
	}
	out->action.argv = out->argv_store;
	out->action.argc = nargv;
	out->action.headers = out->header_store;
	out->action.nheaders = nheaders;
	/* A shim that does not say otherwise saw the whole URL it sent. */
	if (!(seen[IL_T_URL_VISIBLE / 8] & (1u << (IL_T_URL_VISIBLE % 8))) && out->action.url)
		out->action.url_visible = true;
	if (check_required(out, err, n) < 0) {
		il_wire_message_free(out);
		return -1;
	}
	return 0;
}

int il_wire_decode_frame(const uint8_t *buf, size_t len, il_wire_message *out,
                         char *err, size_t n)
{
	memset(out, 0, sizeof *out);
	if (len < IL_WIRE_HDR_SIZE)
		return fail(err, n, "short frame (%zu bytes)", len);
	il_wire_hdr h;
	if (il_wire_check_header(buf, &h, err, n) < 0)
		return -1;
	if ((size_t)h.len != len - IL_WIRE_HDR_SIZE)
		return fail(err, n, "frame length %u does not match the %zu bytes given",
		            h.len, len - IL_WIRE_HDR_SIZE);
	return il_wire_decode(&h, buf + IL_WIRE_HDR_SIZE, h.len, out, err, n);
}

void il_wire_message_free(il_wire_message *m)
{
	if (!m)
		return;
	free(m->arena);
	free(m->argv_store);
	free(m->header_store);
	memset(m, 0, sizeof *m);
}

/* ---- encoding ---- */

void il_wire_buf_free(il_wire_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

static void buf_append(il_wire_buf *b, const void *v, size_t len)
{
	if (b->failed)
		return;
	if (len > SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return;
	}
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len)
			cap *= 2;
		uint8_t *d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, v, len);
	b->len += len;
}

void il_wire_begin(il_wire_buf *b, il_wire_msg type)
{
	il_wire_hdr h = { .magic = IL_WIRE_MAGIC, .version = IL_WIRE_VERSION,
	                  .type = (uint16_t)type, .len = 0, .reserved = 0 };
	b->frame_start = b->len;
	buf_append(b, &h, sizeof h);
}

void il_wire_put_bytes(il_wire_buf *b, il_wire_tag tag, const void *v, size_t len)
{
	if (len > UINT32_MAX) {
		b->failed = true;
		return;
	}
	il_wire_field f = { .tag = (uint16_t)tag, .flags = 0, .len = (uint32_t)len };
	buf_append(b, &f, sizeof f);
	buf_append(b, v, len);
}

void il_wire_put_str(il_wire_buf *b, il_wire_tag tag, const char *s)
{
	if (s)
		il_wire_put_bytes(b, tag, s, strlen(s));
}

void il_wire_put_u32(il_wire_buf *b, il_wire_tag tag, uint32_t v) { il_wire_put_bytes(b, tag, &v, 4); }
void il_wire_put_i32(il_wire_buf *b, il_wire_tag tag, int32_t v) { il_wire_put_bytes(b, tag, &v, 4); }
void il_wire_put_i64(il_wire_buf *b, il_wire_tag tag, int64_t v) { il_wire_put_bytes(b, tag, &v, 8); }

int il_wire_end(il_wire_buf *b)
{
	if (b->failed)
		return -1;
	size_t payload = b->len - b->frame_start - IL_WIRE_HDR_SIZE;
	if (payload > IL_WIRE_MAX_PAYLOAD) {
		b->failed = true;
		return -1;
	}
	uint32_t l = (uint32_t)payload;
	memcpy(b->data + b->frame_start + offsetof(il_wire_hdr, len), &l, sizeof l);
	return 0;
}

int il_wire_encode_pending(il_wire_buf *b, const char *request_id, int64_t deadline_ms)
{
	il_wire_begin(b, IL_MSG_PENDING);
	il_wire_put_str(b, IL_T_REQUEST_ID, request_id);
	il_wire_put_i64(b, IL_T_DEADLINE_MS, deadline_ms);
	return il_wire_end(b);
}

int il_wire_encode_verdict(il_wire_buf *b, il_wire_decision d, const char *request_id,
                           const char *rule_id, const char *reason,
                           const char *message, const char *banner)
{
	il_wire_begin(b, IL_MSG_VERDICT);
	il_wire_put_u32(b, IL_T_DECISION, (uint32_t)d);
	il_wire_put_str(b, IL_T_REQUEST_ID, request_id);
	il_wire_put_str(b, IL_T_RULE_ID, rule_id);
	il_wire_put_str(b, IL_T_REASON, reason);
	il_wire_put_str(b, IL_T_MESSAGE, message);
	il_wire_put_str(b, IL_T_BANNER, banner);
	return il_wire_end(b);
}

int il_wire_encode_decide(il_wire_buf *b, const il_action *a)
{
	return il_wire_encode_decide_as(b, a, NULL, NULL, 0);
}

int il_wire_encode_decide_as(il_wire_buf *b, const il_action *a, const char *layer,
                             const char *hook, pid_t tid)
{
	il_wire_begin(b, IL_MSG_DECIDE);
	il_wire_put_u32(b, IL_T_KIND, (uint32_t)a->kind);
	il_wire_put_str(b, IL_T_LAYER, layer);
	il_wire_put_str(b, IL_T_HOOK, hook);
	if (tid > 0)
		il_wire_put_i32(b, IL_T_TID, (int32_t)tid);
	il_wire_put_str(b, IL_T_PROGRAM, a->program);
	for (size_t i = 0; i < a->argc; i++)
		il_wire_put_str(b, IL_T_ARGV, a->argv[i]);
	il_wire_put_str(b, IL_T_CWD, a->cwd);
	if (a->kind == IL_KIND_DELETE) {
		il_wire_put_str(b, IL_T_PATH, a->path);
		il_wire_put_u32(b, IL_T_IS_DIR, a->is_dir);
		il_wire_put_u32(b, IL_T_DEL_OP, (uint32_t)a->del_op);
		il_wire_put_str(b, IL_T_RENAME_FROM, a->rename_from);
	}
	if (a->kind == IL_KIND_CONNECT || a->kind == IL_KIND_HTTP) {
		il_wire_put_str(b, IL_T_HOST, a->host);
		il_wire_put_str(b, IL_T_ADDR, a->addr);
		il_wire_put_u32(b, IL_T_PORT, a->port);
		il_wire_put_u32(b, IL_T_UDP, a->udp);
	}
	if (a->kind == IL_KIND_HTTP) {
		il_wire_put_str(b, IL_T_METHOD, a->method);
		il_wire_put_str(b, IL_T_SCHEME, a->scheme);
		il_wire_put_str(b, IL_T_URL, a->url);
		il_wire_put_str(b, IL_T_URL_PATH, a->url_path);
		il_wire_put_str(b, IL_T_QUERY, a->query);
		for (size_t i = 0; i < a->nheaders; i++)
			il_wire_put_str(b, IL_T_HEADER, a->headers[i]);
		il_wire_put_i64(b, IL_T_BODY_LEN, a->body_len);
		il_wire_put_u32(b, IL_T_URL_VISIBLE, a->url_visible);
	}
	il_wire_put_i32(b, IL_T_PID, (int32_t)a->pid);
	il_wire_put_i32(b, IL_T_PPID, (int32_t)a->ppid);
	il_wire_put_u32(b, IL_T_UID, (uint32_t)a->uid);
	il_wire_put_str(b, IL_T_SESSION, a->session);
	il_wire_put_str(b, IL_T_AGENT_ID, a->agent_id);
	return il_wire_end(b);
}
