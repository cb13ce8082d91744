/*
 * service.h — the reference approval service (interlock-approver): the
 * pieces its source files share. One process: libmicrohttpd with a thread
 * per connection (long-polls block only their own thread), one SQLite
 * database in WAL mode guarded by one mutex, one condition variable that is
 * broadcast whenever a request changes state, and a ticker thread that
 * expires requests at their deadline, escalates them and delivers
 * notifications.
 */
#ifndef INTERLOCK_APPROVER_SERVICE_H
#define INTERLOCK_APPROVER_SERVICE_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ buffers */

/* A growable NUL-terminated string; dies on OOM (binary code only). */
typedef struct {
	char *p;
	size_t len, cap;
} sbuf;

void sb_put(sbuf *b, const char *s);
void sb_putn(sbuf *b, const char *s, size_t n);
__attribute__((format(printf, 2, 3))) void sb_printf(sbuf *b, const char *fmt, ...);
/* Append s with & < > " ' replaced by HTML entities (NULL appends nothing). */
void sb_html(sbuf *b, const char *s);
/* Take the buffer out (caller frees); b is reset. Never NULL. */
char *sb_take(sbuf *b, size_t *len);
void sb_free(sbuf *b);

/* ------------------------------------------------------------- config */

#define REVIEWER_NAME_MAX 64
#define MAX_GROUPS 32

typedef struct {
	char *name;
	char **groups;
	size_t ngroups;
	char *password_hash;          /* "pbkdf2-sha256$ITER$SALTHEX$HASHHEX" */
} reviewer_cfg;

typedef struct {
	char *listen;                 /* "127.0.0.1:8710" */
	char *db_path;
	char *token;                  /* the sidecar's bearer token */
	unsigned char *key;           /* the verdict HMAC key */
	size_t keylen;
	int64_t verdict_ttl_ms;       /* lifetime of each signed verdict */
	int64_t session_ttl_ms;       /* reviewer login lifetime */
	int64_t max_wait_ms;          /* cap on ?wait= */
	char *webhook;                /* optional notification URL */
	bool secure_cookies;          /* add "Secure" (behind TLS) */
	char *title;
	reviewer_cfg *reviewers;
	size_t nreviewers;
} svc_config;

/* Load a TOML config. 0, or -1 with a "FILE:LINE:COL: message" in err. */
int config_load(const char *path, svc_config *c, char *err, size_t errlen);
void config_free(svc_config *c);
const reviewer_cfg *config_reviewer(const svc_config *c, const char *name);

/* --------------------------------------------------------------- auth */

#define PBKDF2_DEFAULT_ITER 600000

/* "pbkdf2-sha256$ITER$SALTHEX$HASHHEX" for password; NULL on error. */
char *password_hash(const char *password, unsigned iterations);
/* Constant-time check of password against such a string. */
bool password_verify(const char *password, const char *encoded);
/* Constant-time equality of two strings (lengths may differ). */
bool secret_equal(const char *a, const char *b);

/* -------------------------------------------------------------- store */

/* Request states. "pending" is the only one that accepts votes. */
#define ST_PENDING "pending"
#define ST_APPROVED "approved"
#define ST_DENIED "denied"
#define ST_EXPIRED "expired"
#define ST_CANCELLED "cancelled"

typedef struct {
	char *id, *body, *summary, *kind, *risk, *requester, *agent_id, *host, *session;
	char *primary_rule;
	char *approvers;              /* JSON array: groups/names that may decide now */
	char *escalation;             /* JSON array of {after_ms,to} */
	int escalation_level;
	int approvals_required;
	int64_t created_at, received_at, deadline, decided_at;
	char *status;
	char *reason;
	char *decided_by;             /* JSON array of reviewer names */
} req_row;

typedef struct {
	char *reviewer, *vote, *reason;
	int64_t at;
} vote_row;

typedef struct app app;

int store_open(app *a, const char *path, char *err, size_t errlen);
void store_close(app *a);
void req_row_free(req_row *r);
void vote_rows_free(vote_row *v, size_t n);
/* Under a->lock. 1 found, 0 absent, -1 error. */
int store_get(app *a, const char *id, req_row *out);
/* Rows with status = `status` (NULL: every non-pending), newest first. */
req_row *store_list(app *a, const char *status, int limit, size_t *n);
vote_row *store_votes(app *a, const char *id, size_t *n);
int store_insert(app *a, const req_row *r);
int store_exec(app *a, const char *sql);
sqlite3 *store_db(app *a);
/* Record a notification (escalation, creation, expiry) for delivery. */
void store_notify(app *a, const char *request_id, const char *kind, const char *target,
                  const char *message);

/* ------------------------------------------------------------- engine */

typedef enum {
	DEC_OK = 0,
	DEC_NOT_FOUND,
	DEC_NOT_PENDING,
	DEC_SELF_APPROVAL,
	DEC_NOT_ELIGIBLE,
	DEC_ALREADY_VOTED,
	DEC_REASON_REQUIRED,
	DEC_BAD_REASON,
	DEC_ERROR,
} dec_result;

const char *dec_result_msg(dec_result r);
/* Record reviewer's vote on request id (under a->lock). */
dec_result engine_decide(app *a, const char *id, const reviewer_cfg *rv, bool approve,
                         const char *reason);
/* May rv decide this (pending) request at all? why: a short explanation. */
bool engine_eligible(const app *a, const req_row *r, const reviewer_cfg *rv,
                     char *why, size_t whylen);
/* Expire, escalate; called by the ticker (takes a->lock itself). */
void engine_tick(app *a, int64_t now_ms);
/* Start/stop the ticker thread. */
int engine_start(app *a);
void engine_stop(app *a);

/* --------------------------------------------------------------- HTTP */

/* One HTTP request as the handlers see it. */
typedef struct {
	struct MHD_Connection *conn;
	const char *method, *url;
	const char *body;
	size_t body_len;
	bool too_large;
} http_req;

typedef struct {
	int status;
	const char *content_type;
	char *body;                   /* malloc'd */
	size_t body_len;
	char *location;               /* redirect target (malloc'd) */
	char *set_cookie;             /* malloc'd */
	bool html;                    /* add the HTML security headers */
	const char *allow;            /* 405: the Allow header */
	bool www_auth;                /* 401: WWW-Authenticate: Bearer */
} http_resp;

void resp_json(http_resp *r, int status, cJSON *obj);             /* takes obj */
void resp_error(http_resp *r, int status, const char *code, const char *msg);
void resp_html(http_resp *r, int status, sbuf *page);
void resp_redirect(http_resp *r, const char *to);

/* API (bearer-authenticated /v1/...) and web (cookie + CSRF). */
bool api_route(app *a, const http_req *q, http_resp *r);
bool web_route(app *a, const http_req *q, http_resp *r);

/* Lookups on the current request. */
const char *http_header(const http_req *q, const char *name);
const char *http_query(const http_req *q, const char *name);
const char *http_cookie(const http_req *q, const char *name);
/* Value of `name` in an application/x-www-form-urlencoded body (malloc'd). */
char *form_value(const char *body, size_t len, const char *name);

struct MHD_Daemon;
struct sockaddr;
/* Start the HTTP daemon on sa (thread per connection, capped); the bound
 * port in *port. NULL on failure. */
struct MHD_Daemon *http_start(app *a, const struct sockaddr *sa, bool v6, unsigned *port);

/* Static assets (assets.c). */
extern const char asset_app_js[];
extern const char asset_style_css[];

/* ---------------------------------------------------------------- app */

struct app {
	svc_config cfg;
	sqlite3 *db;
	pthread_mutex_t lock;         /* guards db and everything below */
	pthread_cond_t changed;       /* broadcast on any request state change */
	bool stopping;
	pthread_t ticker;
	bool ticker_running;
	unsigned changes;             /* bumped with every broadcast */
};

void app_changed(app *a);         /* under lock: bump and broadcast */

/* Wall clock in Unix ms. */
int64_t now_ms(void);
/* "2026-11-21 09:12:03Z" */
void fmt_time(int64_t ms, char *buf, size_t n);

#endif
