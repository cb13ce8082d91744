/*
 * protocol.h — the shim <-> sidecar wire protocol, version 1.
 *
 * This header is the whole contract; the shim (interceptor/) and the
 * sidecar (sidecar/wire.c) both include it. It holds constants and layouts
 * only, no code, so the shim can use it without pulling in anything that
 * allocates.
 *
 * Transport
 *   A SOCK_STREAM Unix socket whose path the shim reads from
 *   $INTERLOCK_SOCKET (a socket inside a 0700 directory created by
 *   `interlock run` or `interlock serve`). The sidecar identifies the peer
 *   with SO_PEERCRED; self-reported pid/uid are context, not identity.
 *   A connection carries any number of requests, strictly one at a time:
 *   request, then (optionally) one PENDING reply, then one VERDICT reply.
 *
 * Frame
 *   il_wire_hdr (16 bytes, native byte order — both ends are on one host)
 *   followed by `len` payload bytes. len <= IL_WIRE_MAX_PAYLOAD; a frame
 *   with a bad magic, unknown version or oversized length is a protocol
 *   error: the sidecar answers DENY with a reason (when it can) and closes.
 *
 * Payload
 *   A sequence of fields, each an il_wire_field header (8 bytes) followed by
 *   `len` bytes of value, no padding. Strings are raw bytes without a NUL
 *   (the decoder rejects embedded NULs). Integers are fixed-width native
 *   order: u32 for IL_T_KIND/…flags/ports, i64 for IL_T_BODY_LEN and
 *   IL_T_DEADLINE_MS, i32 for pids. Repeated tags (IL_T_ARGV, IL_T_HEADER)
 *   keep their order. Unknown tags are ignored (forward compatibility);
 *   a known tag with the wrong size is a protocol error.
 *
 * Messages
 *   shim -> sidecar  IL_MSG_DECIDE   an action (IL_T_KIND + its fields + context)
 *   shim -> sidecar  IL_MSG_RESUME   IL_T_REQUEST_ID: wait again for a pending
 *                                     request after a reconnect
 *   sidecar -> shim  IL_MSG_PENDING  IL_T_REQUEST_ID, IL_T_DEADLINE_MS: the
 *                                     action awaits a human; keep reading
 *   sidecar -> shim  IL_MSG_VERDICT  IL_T_DECISION (u32: IL_WIRE_ALLOW or
 *                                     IL_WIRE_DENY), IL_T_REQUEST_ID,
 *                                     IL_T_RULE_ID, IL_T_REASON, and
 *                                     optionally IL_T_MESSAGE (the exact
 *                                     line the shim prints on stderr) and
 *                                     IL_T_BANNER (break-glass banner line)
 *
 *   shim -> sidecar  IL_MSG_HINTS_GET  (no fields): which deletes may skip asking?
 *   sidecar -> shim  IL_MSG_HINTS   IL_T_HINT_MODE (u32 il_wire_hint_mode) and,
 *                                     for IL_HINT_SCREEN, IL_T_HINT_GLOB
 *                                     (repeated): a delete whose absolute
 *                                     path cannot match any of these path
 *                                     globs is allowed without asking.
 *                                     IL_T_HINT_HTTP_FREE = 1: no rule
 *                                     concerns HTTP requests and they are
 *                                     allowed by default (absent or 0: ask
 *                                     about each). IL_T_HINT_EXEC_SCREEN =
 *                                     1: an exec whose program matches no
 *                                     IL_T_HINT_PROGRAM glob is allowed
 *                                     without asking.
 *                                     IL_T_HINT_HTTP_SCREEN = 1: the HTTP
 *                                     screen follows, one group per http
 *                                     rule (allow rules too): an
 *                                     IL_T_HINT_HTTP_RULE field starts a
 *                                     group, then the rule's method globs
 *                                     (IL_T_HINT_HTTP_METHOD, repeated; none:
 *                                     any method), host globs
 *                                     (IL_T_HINT_HTTP_HOST; none: any host)
 *                                     and the hosts its url globs allow
 *                                     (IL_T_HINT_HTTP_URL_HOST; none: any).
 *                                     A request is allowed without asking
 *                                     when every group is ruled out by one
 *                                     of its non-empty lists: no glob of it
 *                                     may match the request's method, host
 *                                     or URL host (case-insensitively).
 *                                     At most IL_HINT_HTTP_MAX_RULES groups
 *                                     and IL_HINT_HTTP_MAX_GLOBS globs; more
 *                                     (or a glob before the first group)
 *                                     and the shim asks about every request.
 *                                     The shim screens conservatively (see
 *                                     interceptor/shim_hints.c); anything
 *                                     else it does not understand is ASK.
 *
 *   Anything else — EOF, a short read, an unknown message, a VERDICT
 *   without IL_T_DECISION, a decision value other than ALLOW — is a deny.
 */
#ifndef INTERLOCK_PROTOCOL_H
#define INTERLOCK_PROTOCOL_H

#include <stdint.h>

#define IL_WIRE_MAGIC 0x314b4c49u     /* "ILK1" little-endian */
#define IL_WIRE_VERSION 1u
#define IL_WIRE_MAX_PAYLOAD (4u * 1024u * 1024u)
#define IL_WIRE_MAX_FIELD (2u * 1024u * 1024u)
#define IL_WIRE_MAX_ARGV 65536u
#define IL_WIRE_MAX_HEADERS 256u

/* Environment the shim reads (and re-inserts into every child's envp). */
#define IL_ENV_SOCKET "INTERLOCK_SOCKET"
#define IL_ENV_SESSION "INTERLOCK_SESSION"
#define IL_ENV_AGENT_ID "INTERLOCK_AGENT_ID"
#define IL_ENV_SHIM "INTERLOCK_SHIM"        /* absolute path of libinterlock.so */
#define IL_ENV_DRY_RUN "INTERLOCK_DRY_RUN"  /* informational; the sidecar decides */
#define IL_ENV_LAYERS "INTERLOCK_LAYERS"    /* "preload" or "preload+seccomp" */

typedef struct {
	uint32_t magic;
	uint16_t version;
	uint16_t type;      /* il_wire_msg */
	uint32_t len;       /* payload bytes */
	uint32_t reserved;  /* 0 */
} il_wire_hdr;

typedef struct {
	uint16_t tag;       /* il_wire_tag */
	uint16_t flags;     /* 0 */
	uint32_t len;       /* value bytes */
} il_wire_field;

typedef enum {
	IL_MSG_DECIDE = 1,
	IL_MSG_RESUME = 2,
	IL_MSG_PENDING = 3,
	IL_MSG_VERDICT = 4,
	IL_MSG_HINTS_GET = 5,
	IL_MSG_HINTS = 6,
} il_wire_msg;

typedef enum {
	/* action (shim -> sidecar) */
	IL_T_KIND = 1,          /* u32 il_kind */
	IL_T_PROGRAM = 2,       /* string: absolute resolved program path */
	IL_T_ARGV = 3,          /* string, repeated */
	IL_T_CWD = 4,           /* string */
	IL_T_PATH = 5,          /* string: absolute delete target */
	IL_T_IS_DIR = 6,        /* u32 0/1 */
	IL_T_DEL_OP = 7,        /* u32 il_delete_op */
	IL_T_RENAME_FROM = 8,   /* string */
	IL_T_HOST = 9,          /* string */
	IL_T_ADDR = 10,         /* string: numeric address */
	IL_T_PORT = 11,         /* u32 */
	IL_T_UDP = 12,          /* u32 0/1 */
	IL_T_METHOD = 13,       /* string */
	IL_T_SCHEME = 14,       /* string */
	IL_T_URL = 15,          /* string */
	IL_T_URL_PATH = 16,     /* string */
	IL_T_QUERY = 17,        /* string */
	IL_T_HEADER = 18,       /* string "Name: value", repeated */
	IL_T_BODY_LEN = 19,     /* i64 */
	IL_T_URL_VISIBLE = 20,  /* u32 0/1 */
	IL_T_PID = 21,          /* i32 */
	IL_T_PPID = 22,         /* i32 */
	IL_T_UID = 23,          /* u32 */
	IL_T_SESSION = 24,      /* string */
	IL_T_AGENT_ID = 25,     /* string */
	IL_T_TID = 26,          /* i32 */
	IL_T_LAYER = 27,        /* string: "preload" or "seccomp" */
	IL_T_HOOK = 28,         /* string: the intercepted function, e.g. "posix_spawnp" */

	/* verdict (sidecar -> shim) */
	IL_T_DECISION = 40,     /* u32 il_wire_decision */
	IL_T_REQUEST_ID = 41,   /* string */
	IL_T_RULE_ID = 42,      /* string */
	IL_T_REASON = 43,       /* string */
	IL_T_DEADLINE_MS = 44,  /* i64 wall-clock ms */
	IL_T_BANNER = 45,       /* string */
	IL_T_MESSAGE = 46,      /* string */

	/* hints (sidecar -> shim) */
	IL_T_HINT_MODE = 60,    /* u32 il_wire_hint_mode */
	IL_T_HINT_GLOB = 61,    /* string, repeated */
	IL_T_HINT_HTTP_FREE = 62, /* u32 1: no rule can gate an HTTP request */
	IL_T_HINT_EXEC_SCREEN = 63, /* u32 1: screen execs with IL_T_HINT_PROGRAM */
	IL_T_HINT_PROGRAM = 64, /* string, repeated: program globs of exec rules */
	IL_T_HINT_HTTP_SCREEN = 65, /* u32 1: screen HTTP requests with the groups below */
	IL_T_HINT_HTTP_RULE = 66,   /* u32 0: starts the group of one http rule */
	IL_T_HINT_HTTP_METHOD = 67, /* string, repeated: the group's method globs */
	IL_T_HINT_HTTP_HOST = 68,   /* string, repeated: the group's host globs */
	IL_T_HINT_HTTP_URL_HOST = 69, /* string, repeated: host globs its url globs imply */
} il_wire_tag;

/* Bounds of the HTTP screen (both ends): a sidecar with more http rules or
 * globs sends no screen; a shim receiving more ignores it (asks). */
#define IL_HINT_HTTP_MAX_RULES 128u
#define IL_HINT_HTTP_MAX_GLOBS 512u

typedef enum {
	IL_HINT_ASK = 0,        /* zero is "ask about every delete" */
	IL_HINT_SCREEN = 1,     /* ask only when a path may match a hint glob */
} il_wire_hint_mode;

typedef enum {
	IL_WIRE_DENY = 0,       /* zero is deny: an all-zero reply never allows */
	IL_WIRE_ALLOW = 1,
} il_wire_decision;

#endif
