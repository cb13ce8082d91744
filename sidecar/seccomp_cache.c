/*
 * seccomp_cache.c — recent shim verdicts for the seccomp supervisor
 * (seccomp_cache.h).
 */
#include "seccomp_cache.h"
#include "util.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096u      /* power of two */
#define PROBE 8u

typedef struct {
	pid_t tgid;
	il_kind kind;
	uint64_t key;
	int64_t expires;         /* 0: empty */
	bool gated;
	char host[256];
	char rule[128];
} entry;

/* A DECIDE seen on a shim connection, waiting for its verdict. */
typedef struct {
	const void *conn;
	pid_t tgid;
	il_kind kind;
	uint64_t key;
	bool gated;
	char host[256];
} note;

static entry table[SLOTS];
static note *notes;
static size_t nnotes, capnotes;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	if (s)
		h = fnv(h, s, strlen(s));
	return fnv(h, "", 1);   /* separator (and NULL == "") */
}

uint64_t il_shimcache_key(const il_action *a)
{
	uint64_t h = 1469598103934665603ull;
	uint32_t k = (uint32_t)a->kind;
	h = fnv(h, &k, sizeof k);
	switch (a->kind) {
	case IL_KIND_EXEC:
		h = fnv_str(h, a->program);
		for (size_t i = 0; i < a->argc; i++)
			h = fnv_str(h, a->argv[i]);
		break;
	case IL_KIND_DELETE:
		h = fnv_str(h, a->path);
		h = fnv_str(h, a->rename_from);
		break;
	case IL_KIND_CONNECT: {
		h = fnv_str(h, a->addr);
		uint32_t port = a->port;
		h = fnv(h, &port, sizeof port);
		break;
	}
	default:
		break;
	}
	return h;
}

static size_t slot_of(pid_t tgid, uint64_t key)
{
	uint64_t h = key ^ ((uint64_t)(uint32_t)tgid * 0x9e3779b97f4a7c15ull);
	return (size_t)(h ^ (h >> 29)) & (SLOTS - 1);
}

void il_shimcache_put(pid_t tgid, il_kind kind, uint64_t key, bool gated, const char *host,
                      const char *rule)
{
	int64_t now = il_now_mono_ms();
	size_t base = slot_of(tgid, key), victim = base;
	int64_t oldest = INT64_MAX;
	for (size_t i = 0; i < PROBE; i++) {
		size_t s = (base + i) & (SLOTS - 1);
		if (table[s].expires <= now) {
			victim = s;
			break;
		}
		if (table[s].expires < oldest) {
			oldest = table[s].expires;
			victim = s;
		}
	}
	entry *e = &table[victim];
	e->tgid = tgid;
	e->kind = kind;
	e->key = key;
	e->gated = gated;
	e->expires = now + IL_SHIMCACHE_TTL_MS;
	snprintf(e->host, sizeof e->host, "%s", host ? host : "");
	snprintf(e->rule, sizeof e->rule, "%s", rule ? rule : "");
}

bool il_shimcache_take(pid_t tgid, il_kind kind, uint64_t key, il_shimcache_hit *hit)
{
	int64_t now = il_now_mono_ms();
	size_t base = slot_of(tgid, key);
	for (size_t i = 0; i < PROBE; i++) {
		entry *e = &table[(base + i) & (SLOTS - 1)];
		if (e->expires > now && e->tgid == tgid && e->kind == kind && e->key == key) {
			hit->gated = e->gated;
			memcpy(hit->host, e->host, sizeof hit->host);
			memcpy(hit->rule, e->rule, sizeof hit->rule);
			e->expires = 0;
			return true;
		}
	}
	return false;
}

void il_shimcache_clear(void)
{
	memset(table, 0, sizeof table);
	free(notes);
	notes = NULL;
	nnotes = capnotes = 0;
}

static note *find_note(const void *conn)
{
	for (size_t i = 0; i < nnotes; i++)
		if (notes[i].conn == conn)
			return &notes[i];
	return NULL;
}

void il_shimcache_forget(const void *conn)
{
	note *n = find_note(conn);
	if (n)
		*n = notes[--nnotes];
}

void il_shimcache_note_decide(const void *conn, const il_action *a, const char *layer)
{
	if (layer && strcmp(layer, "seccomp") == 0)
		return;
	if (a->kind != IL_KIND_EXEC && a->kind != IL_KIND_DELETE && a->kind != IL_KIND_CONNECT) {
		il_shimcache_forget(conn);
		return;
	}
	note *n = find_note(conn);
	if (!n) {
		if (nnotes == capnotes) {
			size_t cap = capnotes ? capnotes * 2 : 64;
			note *nn = realloc(notes, cap * sizeof *nn);
			if (!nn)
				return;   /* no entry: the seccomp layer asks again */
			notes = nn;
			capnotes = cap;
		}
		n = &notes[nnotes++];
	}
	n->conn = conn;
	n->tgid = a->pid;
	n->kind = a->kind;
	n->key = il_shimcache_key(a);
	n->gated = false;
	snprintf(n->host, sizeof n->host, "%s", a->host ? a->host : "");
}

void il_shimcache_note_frame(const void *conn, const void *frame, size_t len)
{
	if (nnotes == 0 || len < IL_WIRE_HDR_SIZE)
		return;
	note *n = find_note(conn);
	if (!n)
		return;
	il_wire_hdr h;
	char err[128];
	if (il_wire_check_header(frame, &h, err, sizeof err) < 0 ||
	    (size_t)h.len + IL_WIRE_HDR_SIZE != len)
		return;
	if (h.type == IL_MSG_PENDING) {
		n->gated = true;
		return;
	}
	if (h.type != IL_MSG_VERDICT)
		return;
	il_wire_message m;
	if (il_wire_decode(&h, (const uint8_t *)frame + IL_WIRE_HDR_SIZE, h.len, &m, err,
	                   sizeof err) < 0)
		return;
	if (m.has_decision && m.decision == IL_WIRE_ALLOW)
		il_shimcache_put(n->tgid, n->kind, n->key, n->gated, n->host, m.rule_id);
	il_wire_message_free(&m);
	il_shimcache_forget(conn);
}
