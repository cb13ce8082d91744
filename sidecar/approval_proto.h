/*
 * approval_proto.h — the pure half of the external approval protocol
 * (docs/approval-protocol.md): build the JSON body that creates an approval
 * request, and parse + verify the signed verdict that comes back. No
 * network, no global state, no exits: everything here is safe to fuzz and
 * to call from many threads (the replay cache locks itself).
 *
 * How the sidecar's HTTP client uses it (one gated action):
 *
 *   il_approval_ctx ctx = { .request_id = id, ... };     // id from il_approval_new_id()
 *   char *body = il_approval_request_json(&action, &verdict, &ctx);
 *   POST {base}/v1/requests  (Authorization: Bearer TOKEN, body)
 *   loop until the deadline:
 *       GET {base}/v1/requests/{id}/verdict?wait=30
 *       200 -> il_verdict_accept(resp, len, id, key, keylen, now, cache,
 *                                &msg, err, sizeof err)
 *              0: apply msg.decision — but an approve naming fewer than
 *                 verdict.approvals distinct reviewers counts as NO verdict;
 *              -1: log err, treat as NO verdict
 *       202 -> still pending, ask again
 *       other / transport error -> back off, ask again (never approve)
 *   deadline passed -> deny, POST {base}/v1/events request_timed_out
 *
 * Verification is strict and fails closed: anything other than a
 * well-formed verdict for this exact request, signed with the shared key,
 * not expired and never seen before, is rejected with a precise message.
 *
 * The service side (examples/approval-service) uses il_verdict_sign_json()
 * to produce verdicts; tests use it to produce valid ones.
 */
#ifndef INTERLOCK_APPROVAL_PROTO_H
#define INTERLOCK_APPROVAL_PROTO_H

#include "action.h"
#include "policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IL_APPROVAL_PROTO_VERSION 1          /* "version" in every message; path /v1/ */
#define IL_VERDICT_MAX_BODY (64u * 1024u)    /* larger verdict bodies are rejected */
#define IL_VERDICT_MAX_REVIEWERS 16
#define IL_VERDICT_MAX_STR 1024              /* bytes, for reviewer names and the reason */
#define IL_VERDICT_NONCE_MIN 16
#define IL_VERDICT_NONCE_MAX 64              /* nonce: [A-Za-z0-9_-]{16,64} */
#define IL_APPROVAL_ID_MAX 128               /* request id: [A-Za-z0-9_-]{1,128} */
#define IL_VERDICT_MAX_TTL_MS (60LL * 60 * 1000)   /* expires_at - issued_at <= 1 h */
#define IL_VERDICT_MAX_SKEW_MS (5LL * 60 * 1000)   /* issued_at may be this far ahead */
#define IL_REQUEST_MAX_STR (16u * 1024u)     /* longer action strings are cut (marked) */
#define IL_REQUEST_MAX_ARGV 1024             /* more argv entries are cut (marked) */

/* Context of one approval request that is not part of the action itself. */
typedef struct {
	const char *request_id;       /* required; il_approval_id_valid() */
	const char *session;          /* `interlock run` session id (NULL: action's) */
	const char *agent_id;         /* NULL: the action's agent_id */
	const char *hostname;         /* machine the agent runs on */
	const char *requester;        /* OS user the agent runs as; may not approve */
	const char *policy_version;   /* hex SHA-256 of the rule files */
	int64_t created_wall_ms;      /* when the action was gated (Unix ms) */
	int64_t deadline_wall_ms;     /* no verdict by then = deny (Unix ms) */
} il_approval_ctx;

/*
 * The create-request body (POST /v1/requests) for action `a` gated by
 * verdict `v` (its matched rules, risk, approvers of the deciding rule,
 * approvals required, escalation). Agent-supplied strings that are not
 * valid UTF-8 have the bad bytes replaced by U+FFFD and the action is
 * marked "lossy": true; strings longer than IL_REQUEST_MAX_STR and argv
 * beyond IL_REQUEST_MAX_ARGV entries are cut and marked "truncated": true.
 * Sensitive HTTP header values (Authorization, Cookie, ...) are replaced by
 * "[redacted]". Returns a malloc'd NUL-terminated string, or NULL when the
 * context is incomplete (no/invalid request id, deadline not after
 * creation) or memory runs out.
 */
char *il_approval_request_json(const il_action *a, const il_verdict *v,
                               const il_approval_ctx *ctx);

typedef enum { IL_VERDICT_DENY = 0, IL_VERDICT_APPROVE = 1 } il_verdict_decision;

/* A verdict message. Parsed ones own their strings (il_verdict_msg_free);
 * for il_verdict_sign_json the caller fills the pointers itself. */
typedef struct {
	char *request_id;
	il_verdict_decision decision;
	char *reviewers[IL_VERDICT_MAX_REVIEWERS];   /* as sent (any order) */
	size_t nreviewers;                           /* approve: >= 1; deny: >= 0 */
	char *reason;                                /* may be "" */
	char nonce[IL_VERDICT_NONCE_MAX + 1];
	int64_t issued_at_ms;
	int64_t expires_at_ms;
} il_verdict_msg;

/* Free the strings of a message filled by il_verdict_parse_verify and zero it. */
void il_verdict_msg_free(il_verdict_msg *m);

/*
 * Parse and verify a verdict body (the 200 answer of GET .../verdict).
 * Returns 0 when `body` is a well-formed verdict of protocol version 1 for
 * `expected_request_id`, its HMAC-SHA256 signature under `key` matches
 * (compared in constant time), issued_at <= now + skew, now < expires_at
 * and the lifetime is at most IL_VERDICT_MAX_TTL_MS; *out is then filled
 * (free with il_verdict_msg_free). Returns -1 for anything else — bad or
 * truncated JSON, trailing bytes, a missing or wrongly typed field, a
 * duplicated field, an unknown decision, a request id mismatch, a bad or
 * missing signature, expired, oversize — with a one-line reason in err and
 * *out zeroed. Does NOT check replay: use il_verdict_accept().
 */
int il_verdict_parse_verify(const char *body, size_t len, const char *expected_request_id,
                            const unsigned char *key, size_t keylen, int64_t now_wall_ms,
                            il_verdict_msg *out, char *err, size_t errlen);

/*
 * Sign `m` (its nonce, times and strings must satisfy the same rules the
 * verifier applies) and return the verdict JSON body, malloc'd; NULL with
 * err set when a field is invalid.
 */
char *il_verdict_sign_json(const il_verdict_msg *m, const unsigned char *key, size_t keylen,
                           char *err, size_t errlen);

/* The canonical string the signature covers (docs/approval-protocol.md),
 * malloc'd; NULL when a field is invalid. Exposed for tests and services. */
char *il_verdict_canonical(const il_verdict_msg *m, size_t *len_out);

/* Lower-case hex HMAC-SHA256 of the canonical string into hex[65]. 0 or -1. */
int il_verdict_mac_hex(const il_verdict_msg *m, const unsigned char *key, size_t keylen,
                       char hex[65]);

/* Request ids and nonces: 1..IL_APPROVAL_ID_MAX / 16..64 of [A-Za-z0-9_-]. */
bool il_approval_id_valid(const char *id);
bool il_verdict_nonce_valid(const char *nonce);

/* 2*nbytes lower-case hex characters of CSPRNG output into buf (size >
 * 2*nbytes). Used for request ids, nonces and session tokens. 0 or -1. */
int il_approval_random_hex(char *buf, size_t bufsize, size_t nbytes);

/*
 * Replay cache: remembers each accepted nonce until its verdict expires.
 * Bounded: when every slot holds an unexpired nonce, new verdicts are
 * refused (fail closed) until one expires. Internally locked.
 */
typedef struct il_replay_cache il_replay_cache;

il_replay_cache *il_replay_cache_new(size_t capacity);   /* NULL on OOM / capacity 0 */
void il_replay_cache_free(il_replay_cache *c);

/* 0: nonce unseen (now remembered until expires_at_ms); -1: replayed, or
 * the cache is full of unexpired nonces; err says which. */
int il_replay_cache_check_add(il_replay_cache *c, const char *nonce, int64_t expires_at_ms,
                              int64_t now_wall_ms, char *err, size_t errlen);

/* il_verdict_parse_verify followed by il_replay_cache_check_add: the one
 * call a client needs. 0 = act on out->decision; -1 = no verdict. */
int il_verdict_accept(const char *body, size_t len, const char *expected_request_id,
                      const unsigned char *key, size_t keylen, int64_t now_wall_ms,
                      il_replay_cache *cache, il_verdict_msg *out, char *err, size_t errlen);

const char *il_verdict_decision_name(il_verdict_decision d);   /* "approve" / "deny" */

/* Is s[0..n) valid, shortest-form UTF-8 without surrogates? */
bool il_utf8_valid(const char *s, size_t n);

#endif
