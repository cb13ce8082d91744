/*
 * wire.h — encode and decode frames of the shim <-> sidecar protocol
 * (interceptor/protocol.h is the contract; this is the sidecar's side).
 *
 * Decoding is strict: the header (magic, version, known message type,
 * reserved == 0, len <= IL_WIRE_MAX_PAYLOAD) and then every field (flags 0,
 * value inside the payload, value <= IL_WIRE_MAX_FIELD, fixed-size integers
 * of exactly their size, strings without embedded NUL, non-repeatable tags
 * at most once, argv/headers counts bounded, the fields a message needs
 * present) are checked. Unknown tags are skipped. A decoded message owns
 * copies of all its strings; its il_action points into them.
 */
#ifndef INTERLOCK_WIRE_H
#define INTERLOCK_WIRE_H

#include "action.h"
#include "protocol.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IL_WIRE_HDR_SIZE 16u
#define IL_WIRE_FIELD_HDR_SIZE 8u

/* One decoded frame. For DECIDE, `action` is filled and points into the
 * message's own storage (valid until il_wire_msg_free). */
typedef struct {
	il_wire_msg type;
	il_action action;
	const char *layer, *hook;      /* DECIDE context (may be NULL) */
	pid_t tid;
	/* RESUME / PENDING / VERDICT */
	const char *request_id;
	/* PENDING / VERDICT */
	bool has_decision;
	uint32_t decision;             /* il_wire_decision */
	const char *rule_id, *reason, *message, *banner;
	bool has_deadline;
	int64_t deadline_ms;
	/* storage */
	char *arena;                   /* every string, NUL-terminated, back to back */
	const char **argv_store;
	const char **header_store;
} il_wire_message;

/* Validate a 16-byte header. 0 ok (*out filled), -1 with a reason in err. */
int il_wire_check_header(const void *buf, il_wire_hdr *out, char *err, size_t n);

/* Decode the payload of a frame whose header `hdr` passed
 * il_wire_check_header. 0 ok, -1 protocol error with a reason in err
 * (*out is then empty and needs no free). */
int il_wire_decode(const il_wire_hdr *hdr, const uint8_t *payload, size_t len,
                   il_wire_message *out, char *err, size_t n);

/* Decode a whole frame (header + payload) from `len` bytes; the bytes must
 * hold exactly one frame. Convenience for tests and the fuzzer. */
int il_wire_decode_frame(const uint8_t *buf, size_t len, il_wire_message *out,
                         char *err, size_t n);

void il_wire_message_free(il_wire_message *m);

/* A growable output buffer for encoding. On allocation failure `failed` is
 * set and later calls do nothing; check it before sending. */
typedef struct {
	uint8_t *data;
	size_t len, cap;
	size_t frame_start;
	bool failed;
} il_wire_buf;

void il_wire_buf_free(il_wire_buf *b);
/* Start a frame of message type `type` at the end of b. */
void il_wire_begin(il_wire_buf *b, il_wire_msg type);
void il_wire_put_bytes(il_wire_buf *b, il_wire_tag tag, const void *v, size_t len);
void il_wire_put_str(il_wire_buf *b, il_wire_tag tag, const char *s);  /* NULL: omitted */
void il_wire_put_u32(il_wire_buf *b, il_wire_tag tag, uint32_t v);
void il_wire_put_i32(il_wire_buf *b, il_wire_tag tag, int32_t v);
void il_wire_put_i64(il_wire_buf *b, il_wire_tag tag, int64_t v);
/* Finish the frame: fill in its payload length. -1 if the buffer failed or
 * the payload exceeds IL_WIRE_MAX_PAYLOAD. */
int il_wire_end(il_wire_buf *b);

/* Complete frames the sidecar sends. 0 or -1 (allocation / size). */
int il_wire_encode_pending(il_wire_buf *b, const char *request_id, int64_t deadline_ms);
int il_wire_encode_verdict(il_wire_buf *b, il_wire_decision d, const char *request_id,
                           const char *rule_id, const char *reason,
                           const char *message, const char *banner);
/* A DECIDE frame for action a (tests, the fuzzer's seeds, tools). */
int il_wire_encode_decide(il_wire_buf *b, const il_action *a);
/* The same with the caller's layer ("seccomp"), hook and thread id (each
 * omitted when NULL / 0). */
int il_wire_encode_decide_as(il_wire_buf *b, const il_action *a, const char *layer,
                             const char *hook, pid_t tid);
/* HINTS: see hints_frame.h (built from a policy). */

#endif
