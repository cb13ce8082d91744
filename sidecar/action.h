/*
 * action.h — one side effect an agent is about to cause, as the sidecar
 * (and the rules matcher) sees it.
 *
 * An action is a plain struct of borrowed pointers: whoever builds it (the
 * wire decoder, the seccomp supervisor, a `[[test]]` table, the `rules
 * explain` command line) owns the strings and keeps them alive while the
 * action is matched, audited or shown to a reviewer. Unused fields are NULL
 * or zero. The matcher never sees TOML and never touches the file system.
 */
#ifndef INTERLOCK_ACTION_H
#define INTERLOCK_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum {
	IL_KIND_NONE = 0,
	IL_KIND_EXEC,     /* a program is about to be executed */
	IL_KIND_DELETE,   /* a file or directory is about to be removed/replaced */
	IL_KIND_CONNECT,  /* a TCP/UDP socket is about to connect */
	IL_KIND_HTTP,     /* an HTTP request is about to be sent */
} il_kind;

/* How a delete happens; rename over an existing target destroys it. */
typedef enum {
	IL_DEL_UNLINK = 0,
	IL_DEL_RMDIR,
	IL_DEL_RENAME_OVER,
} il_delete_op;

typedef struct il_action {
	il_kind kind;

	/* exec */
	const char *program;          /* absolute, resolved path of the executable */
	const char *const *argv;      /* argc strings; argv[0] as the caller gave it */
	size_t argc;

	/* delete */
	const char *path;             /* absolute path being removed or replaced */
	bool is_dir;                  /* the target is a directory */
	il_delete_op del_op;
	const char *rename_from;      /* IL_DEL_RENAME_OVER: the source path */

	/* connect and http */
	const char *host;             /* host name the process resolved (NULL if unknown) */
	const char *addr;             /* numeric address, "10.0.0.1" or "2001:db8::1" */
	unsigned port;
	bool udp;                     /* connect: datagram socket */

	/* http */
	const char *method;           /* "POST" */
	const char *scheme;           /* "http" or "https" */
	const char *url;              /* full URL: scheme://host[:port]/path?query */
	const char *url_path;         /* "/v1/refunds" (no query) */
	const char *query;            /* "a=1&b=2" without '?', NULL when absent */
	const char *const *headers;   /* nheaders "Name: value" strings */
	size_t nheaders;
	int64_t body_len;             /* Content-Length, -1 unknown */
	bool url_visible;             /* false: only the host was seen (opaque TLS) */

	/* context, sent with every action */
	const char *cwd;              /* absolute working directory of the process */
	pid_t pid, ppid;
	uid_t uid;
	const char *session;          /* session id of the `interlock run` */
	const char *agent_id;         /* --agent-id */
} il_action;

const char *il_kind_name(il_kind k);        /* "exec", "delete", ... */
il_kind il_kind_from_name(const char *s);   /* IL_KIND_NONE when unknown */

#endif
