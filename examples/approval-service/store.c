/*
 * store.c — the approval service's SQLite database (WAL mode): requests
 * with their full create-request body and state, reviewers' votes,
 * reviewer sessions, notifications and reported events. Every function is
 * called with app->lock held; the connection is never shared otherwise.
 */
#include "service.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"PRAGMA foreign_keys=ON;"
	"CREATE TABLE IF NOT EXISTS requests("
	" id TEXT PRIMARY KEY, body TEXT NOT NULL, summary TEXT NOT NULL, kind TEXT NOT NULL,"
	" risk TEXT NOT NULL, requester TEXT NOT NULL, agent_id TEXT NOT NULL, host TEXT NOT NULL,"
	" session TEXT NOT NULL, primary_rule TEXT NOT NULL, approvers TEXT NOT NULL,"
	" escalation TEXT NOT NULL, escalation_level INTEGER NOT NULL DEFAULT 0,"
	" approvals_required INTEGER NOT NULL, created_at INTEGER NOT NULL,"
	" received_at INTEGER NOT NULL, deadline INTEGER NOT NULL, status TEXT NOT NULL,"
	" decided_at INTEGER, reason TEXT, decided_by TEXT);"
	"CREATE INDEX IF NOT EXISTS requests_status ON requests(status, deadline);"
	"CREATE TABLE IF NOT EXISTS votes("
	" request_id TEXT NOT NULL REFERENCES requests(id), reviewer TEXT NOT NULL,"
	" vote TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL,"
	" PRIMARY KEY(request_id, reviewer));"
	"CREATE TABLE IF NOT EXISTS sessions("
	" token_hash TEXT PRIMARY KEY, reviewer TEXT NOT NULL, csrf TEXT NOT NULL,"
	" created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS notifications("
	" id INTEGER PRIMARY KEY, request_id TEXT, at INTEGER NOT NULL, kind TEXT NOT NULL,"
	" target TEXT NOT NULL, message TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS events("
	" id INTEGER PRIMARY KEY, at INTEGER NOT NULL, type TEXT NOT NULL, request_id TEXT,"
	" session TEXT, agent_id TEXT, body TEXT NOT NULL);";

int store_open(app *a, const char *path, char *err, size_t errlen)
{
	if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, a->db ? sqlite3_errmsg(a->db) : "cannot open");
		sqlite3_close(a->db);
		a->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(a->db, 5000);
	char *e = NULL;
	if (sqlite3_exec(a->db, schema, NULL, NULL, &e) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, e ? e : "schema failed");
		sqlite3_free(e);
		sqlite3_close(a->db);
		a->db = NULL;
		return -1;
	}
	return 0;
}

void store_close(app *a)
{
	sqlite3_close(a->db);
	a->db = NULL;
}

sqlite3 *store_db(app *a)
{
	return a->db;
}

int store_exec(app *a, const char *sql)
{
	char *e = NULL;
	int rc = sqlite3_exec(a->db, sql, NULL, NULL, &e);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "interlock-approver: sqlite: %s\n", e ? e : "error");
		sqlite3_free(e);
		return -1;
	}
	return 0;
}

static char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t ? (const char *)t : "");
}

#define REQ_COLS "id, body, summary, kind, risk, requester, agent_id, host, session, primary_rule," \
	" approvers, escalation, escalation_level, approvals_required, created_at, received_at," \
	" deadline, status, decided_at, reason, decided_by"

static void row_from(sqlite3_stmt *st, req_row *r)
{
	r->id = col_str(st, 0);
	r->body = col_str(st, 1);
	r->summary = col_str(st, 2);
	r->kind = col_str(st, 3);
	r->risk = col_str(st, 4);
	r->requester = col_str(st, 5);
	r->agent_id = col_str(st, 6);
	r->host = col_str(st, 7);
	r->session = col_str(st, 8);
	r->primary_rule = col_str(st, 9);
	r->approvers = col_str(st, 10);
	r->escalation = col_str(st, 11);
	r->escalation_level = sqlite3_column_int(st, 12);
	r->approvals_required = sqlite3_column_int(st, 13);
	r->created_at = sqlite3_column_int64(st, 14);
	r->received_at = sqlite3_column_int64(st, 15);
	r->deadline = sqlite3_column_int64(st, 16);
	r->status = col_str(st, 17);
	r->decided_at = sqlite3_column_int64(st, 18);
	r->reason = col_str(st, 19);
	r->decided_by = col_str(st, 20);
	if (!r->decided_by[0]) {
		free(r->decided_by);
		r->decided_by = xstrdup("[]");
	}
}

void req_row_free(req_row *r)
{
	char **f[] = { &r->id, &r->body, &r->summary, &r->kind, &r->risk, &r->requester, &r->agent_id,
		&r->host, &r->session, &r->primary_rule, &r->approvers, &r->escalation, &r->status,
		&r->reason, &r->decided_by };
	for (size_t i = 0; i < IL_ARRAY_LEN(f); i++)
		free(*f[i]);
	memset(r, 0, sizeof *r);
}

int store_get(app *a, const char *id, req_row *out)
{
	sqlite3_stmt *st;
	memset(out, 0, sizeof *out);
	if (sqlite3_prepare_v2(a->db, "SELECT " REQ_COLS " FROM requests WHERE id = ?", -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	int ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1)
		row_from(st, out);
	sqlite3_finalize(st);
	return ret;
}

req_row *store_list(app *a, const char *status, int limit, size_t *n)
{
	sqlite3_stmt *st;
	*n = 0;
	const char *sql = status
		? "SELECT " REQ_COLS " FROM requests WHERE status = ?1 ORDER BY created_at ASC LIMIT ?2"
		: "SELECT " REQ_COLS " FROM requests WHERE status <> 'pending'"
		  " ORDER BY decided_at DESC LIMIT ?2";
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL))
		return NULL;
	if (status)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, limit);
	size_t cap = 16;
	req_row *rows = xcalloc(cap, sizeof *rows);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			rows = xrealloc(rows, 2 * cap * sizeof *rows);
			memset(rows + cap, 0, cap * sizeof *rows);
			cap *= 2;
		}
		row_from(st, &rows[(*n)++]);
	}
	sqlite3_finalize(st);
	return rows;
}

vote_row *store_votes(app *a, const char *id, size_t *n)
{
	sqlite3_stmt *st;
	*n = 0;
	if (sqlite3_prepare_v2(a->db, "SELECT reviewer, vote, reason, at FROM votes"
	                       " WHERE request_id = ? ORDER BY at, reviewer", -1, &st, NULL))
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	size_t cap = 4;
	vote_row *v = xcalloc(cap, sizeof *v);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[*n].reviewer = col_str(st, 0);
		v[*n].vote = col_str(st, 1);
		v[*n].reason = col_str(st, 2);
		v[*n].at = sqlite3_column_int64(st, 3);
		(*n)++;
	}
	sqlite3_finalize(st);
	return v;
}

void vote_rows_free(vote_row *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].reviewer);
		free(v[i].vote);
		free(v[i].reason);
	}
	free(v);
}

int store_insert(app *a, const req_row *r)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(a->db, "INSERT INTO requests(id, body, summary, kind, risk, requester,"
	                       " agent_id, host, session, primary_rule, approvers, escalation,"
	                       " escalation_level, approvals_required, created_at, received_at, deadline,"
	                       " status) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,'pending')",
	                       -1, &st, NULL))
		return -1;
	const char *s[] = { r->id, r->body, r->summary, r->kind, r->risk, r->requester, r->agent_id,
		r->host, r->session, r->primary_rule, r->approvers, r->escalation };
	for (int i = 0; i < 12; i++)
		sqlite3_bind_text(st, i + 1, s[i], -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 13, r->approvals_required);
	sqlite3_bind_int64(st, 14, r->created_at);
	sqlite3_bind_int64(st, 15, r->received_at);
	sqlite3_bind_int64(st, 16, r->deadline);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void store_notify(app *a, const char *request_id, const char *kind, const char *target,
                  const char *message)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(a->db, "INSERT INTO notifications(request_id, at, kind, target, message)"
	                       " VALUES(?,?,?,?,?)", -1, &st, NULL))
		return;
	sqlite3_bind_text(st, 1, request_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now_ms());
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, message, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
	fprintf(stderr, "interlock-approver: notify %s [%s] %s: %s\n", kind, target,
	        request_id ? request_id : "-", message);
}
