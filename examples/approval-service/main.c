/*
 * main.c — interlock-approver, the reference external approval service.
 *
 *   interlock-approver --config FILE [--listen ADDR:PORT] [--db FILE]
 *   interlock-approver hash-password [--iterations N]   (password on stdin)
 *
 * Serves the /v1/ approval protocol to sidecars and the review pages to
 * reviewers until SIGINT/SIGTERM. `--listen 127.0.0.1:0` picks a free port;
 * the bound address is printed as "listening on http://ADDR:PORT".
 */
#include "service.h"
#include "approval_proto.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: interlock-approver --config FILE [--listen ADDR:PORT] [--db FILE]\n"
	"       interlock-approver hash-password [--iterations N] < password\n"
	"\n"
	"The reference approval service for interlock: sidecars create approval\n"
	"requests over HTTP (docs/approval-protocol.md); reviewers approve or deny\n"
	"them on its web pages. See docs/approval-service.md.\n"
	"\n"
	"  --config FILE     TOML configuration (reviewers, token, HMAC key)\n"
	"  --listen A:P      address to listen on (overrides `listen`; port 0 = any)\n"
	"  --db FILE         SQLite database (overrides `database`)\n"
	"  -h, --help        this text\n";

IL_NORETURN IL_PRINTF(1, 2) static void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("interlock-approver: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static int hash_password_cmd(int argc, char **argv)
{
	unsigned iter = PBKDF2_DEFAULT_ITER;
	for (int i = 1; i < argc; i++) {
		int64_t v;
		if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc &&
		    il_parse_i64(argv[i + 1], 1000, 10000000, &v) == 0) {
			iter = (unsigned)v;
			i++;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else {
			fatal("hash-password: unexpected argument '%s' (--iterations 1000..10000000)", argv[i]);
		}
	}
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password (input is echoed; pipe it in to avoid that): ");
	char line[1024];
	if (!fgets(line, sizeof line, stdin))
		fatal("hash-password: no password on standard input");
	line[strcspn(line, "\r\n")] = '\0';
	if (strlen(line) < 8)
		fatal("hash-password: the password must be at least 8 characters");
	char *h = password_hash(line, iter);
	memset(line, 0, sizeof line);
	if (!h)
		fatal("hash-password: cannot hash");
	printf("%s\n", h);
	free(h);
	return 0;
}

/* "127.0.0.1:8710", "[::1]:8710", "localhost:0" -> a socket address. */
static struct addrinfo *resolve_listen(const char *spec, bool *v6)
{
	char host[256];
	const char *port;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host)
			return NULL;
		memcpy(host, spec + 1, (size_t)(close - spec - 1));
		host[close - spec - 1] = '\0';
		port = close + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (!colon || (size_t)(colon - spec) >= sizeof host)
			return NULL;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port = colon + 1;
	}
	int64_t p;
	if (il_parse_i64(port, 0, 65535, &p) != 0)
		return NULL;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *res = NULL;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0)
		return NULL;
	*v6 = res->ai_family == AF_INET6;
	return res;
}

static bool is_loopback(const struct addrinfo *ai)
{
	if (ai->ai_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24) == 127;
	if (ai->ai_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	return false;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "hash-password") == 0)
		return hash_password_cmd(argc - 1, argv + 1);
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *listen = NULL, *db = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'l': listen = optarg; break;
		case 'd': db = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "interlock-approver: unexpected argument '%s'\n%s", argv[optind], usage_text);
		return 2;
	}
	if (!config) {
		fprintf(stderr, "interlock-approver: --config FILE is required\n%s", usage_text);
		return 2;
	}
	static app a;
	char err[512];
	if (config_load(config, &a.cfg, err, sizeof err) != 0)
		fatal("%s", err);
	if (listen) {
		free(a.cfg.listen);
		a.cfg.listen = xstrdup(listen);
	}
	if (db) {
		free(a.cfg.db_path);
		a.cfg.db_path = xstrdup(db);
	}
	if (a.cfg.nreviewers == 0)
		il_warn("no [[reviewer]] configured: nobody can sign in");
	bool v6 = false;
	struct addrinfo *ai = resolve_listen(a.cfg.listen, &v6);
	if (!ai)
		fatal("cannot use listen address '%s' (want HOST:PORT or [V6]:PORT)", a.cfg.listen);
	if (!is_loopback(ai))
		fprintf(stderr, "interlock-approver: warning: listening on a non-loopback address without TLS;"
		        " put a TLS-terminating proxy in front (tokens and passwords travel in the clear)\n");

	pthread_mutex_init(&a.lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a.changed, &ca);
	if (store_open(&a, a.cfg.db_path, err, sizeof err) != 0)
		fatal("database %s", err);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	unsigned port = 0;
	struct MHD_Daemon *d = http_start(&a, ai->ai_addr, v6, &port);
	if (!d)
		fatal("cannot listen on %s: %s", a.cfg.listen, strerror(errno));
	char host[256];
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(host, sizeof host, "?");
	freeaddrinfo(ai);
	if (engine_start(&a) != 0)
		fatal("cannot start the ticker thread");
	fprintf(stderr, "interlock-approver: listening on http://%s%s%s:%u (%zu reviewers, database %s)\n",
	        v6 ? "[" : "", host, v6 ? "]" : "", port, a.cfg.nreviewers, a.cfg.db_path);
	fflush(stderr);

	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "interlock-approver: %s, shutting down\n", strsignal(sig));
	engine_stop(&a);
	MHD_stop_daemon(d);
	store_close(&a);
	curl_global_cleanup();
	config_free(&a.cfg);
	return 0;
}
