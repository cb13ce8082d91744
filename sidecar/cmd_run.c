/*
 * cmd_run.c — `interlock run [OPTIONS] -- CMD [ARG]...`
 *
 * Forks: the child execs CMD with the shim preloaded; the parent becomes
 * the agent's sidecar (single-threaded event loop) and its child subreaper,
 * reaps every descendant, and exits with CMD's status once the whole
 * process tree is gone. With --connect SOCKET no private sidecar is
 * started: the parent registers the tree with the shared sidecar
 * (`interlock serve`) and only waits.
 */
#include "cmd.h"
#include "control.h"
#include "daemon.h"
#include "protocol.h"
#include "rundir.h"
#include "seccomp_launch.h"   /* --enforce (seccomp layer) */
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char run_usage[] =
"usage: interlock run [OPTIONS] -- CMD [ARG]...\n"
"\n"
"Run CMD with its exec, delete, connect and HTTP calls gated by the rules.\n"
"\n"
"  --rules FILE          rule file (repeatable; default: the installed default.toml)\n"
"  --approver SPEC       who answers approvals: cli (default: `interlock approve ID`),\n"
"                        tty, or an approval service's base URL (https://...)\n"
"  --approver-key-file FILE    verdict HMAC key of the approval service (required\n"
"                        with a URL approver; mode 0600)\n"
"  --approver-token-file FILE  bearer token for the approval service (mode 0600)\n"
"  --approver-ca FILE    CA bundle to verify the approval service's certificate\n"
"  --approver-insecure-http    allow plain http to a host other than loopback\n"
"  --audit FILE          append the hash-chained audit log to FILE\n"
"  --dry-run             gate nothing; report what would have been gated\n"
"  --report FILE         with --dry-run: also write the report as JSON\n"
"  --timeout D           default approval timeout (e.g. 30s, 5m) for rules without one\n"
"  --agent-id NAME       agent name recorded with every action\n"
"  --connect SOCKET      use a running `interlock serve` instead of a private sidecar\n"
"  --break-glass-verifier FILE  enable `interlock break-glass` with this verifier\n"
"  --enforce MODE        auto|preload|seccomp|both (default auto: both where the\n"
"                        kernel supports seccomp user notification)\n"
"\n"
"Exit status: CMD's status (128+N if it was killed by signal N); 125 when\n"
"interlock itself fails; 2 on a usage error.\n";

/* Path of the running executable's directory into buf. */
static int exe_dir(char *buf, size_t n)
{
	char exe[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (l <= 0)
		return -1;
	exe[l] = '\0';
	snprintf(buf, n, "%s", dirname(exe));
	return 0;
}

/* The first readable candidate (resolved) into out, else every path tried
 * appended to `tried`. Candidates are relative to the executable's
 * directory (a build tree or a relocated install) and then to PREFIX. */
static bool first_readable(const char *const *cands, size_t ncands, char *out, size_t n,
                           char *tried, size_t tn)
{
	char dir[PATH_MAX], cand[PATH_MAX + 64];
	bool have_dir = exe_dir(dir, sizeof dir) == 0;
	for (size_t i = 0; i < ncands; i++) {
		bool rel = strncmp(cands[i], "@exe/", 5) == 0;
		if (rel && !have_dir)
			continue;
		snprintf(cand, sizeof cand, "%s/%s", rel ? dir : INTERLOCK_PREFIX,
		         cands[i] + (rel ? 5 : 8));
		char real[PATH_MAX];
		if (access(cand, R_OK) == 0 && realpath(cand, real) && strlen(real) < n) {
			snprintf(out, n, "%s", real);
			return true;
		}
		size_t l = strlen(tried);
		snprintf(tried + l, tn - l, "%s%s", l ? ", " : "", cand);
	}
	return false;
}

/* Find libinterlock.so: $INTERLOCK_SHIM, else next to the executable
 * (build tree: build/bin/../lib; install: bin/../lib/interlock), else the
 * configured prefix. */
static int find_shim(char *out, size_t n)
{
	const char *env = getenv(IL_ENV_SHIM);
	if (env && *env) {
		if (!realpath(env, out) || access(out, R_OK) < 0)
			die("%s=%s: %s", IL_ENV_SHIM, env, strerror(errno));
		return 0;
	}
	static const char *const cands[] = {
		"@exe/../lib/libinterlock.so",
		"@exe/../lib/interlock/libinterlock.so",
		"@prefix/lib/interlock/libinterlock.so",
	};
	char tried[4 * PATH_MAX] = "";
	if (first_readable(cands, IL_ARRAY_LEN(cands), out, n, tried, sizeof tried))
		return 0;
	die("cannot find libinterlock.so (looked in %s); set %s", tried, IL_ENV_SHIM);
}

/* The default rule file: an install's share/interlock/rules/default.toml
 * next to the executable, the repository's rules/default.toml when running
 * from a build tree (build/bin or build/<san>/bin), else PREFIX's. */
static char *find_default_rules(void)
{
	static const char *const cands[] = {
		"@exe/../share/interlock/rules/default.toml",
		"@exe/../../rules/default.toml",
		"@exe/../../../rules/default.toml",
		"@prefix/share/interlock/rules/default.toml",
	};
	char out[PATH_MAX], tried[5 * PATH_MAX] = "";
	if (first_readable(cands, IL_ARRAY_LEN(cands), out, sizeof out, tried, sizeof tried))
		return xstrdup(out);
	die("no rules file given and no default rules found (looked in %s); use --rules FILE", tried);
}

/* --enforce: which layers run, and the seccomp listener hand-off. */
static il_enforce_plan run_enforce;

/* Child side: environment, signals, exec. Never returns. */
IL_NORETURN static void exec_agent(char **cmd, const char *shim, const char *sock,
                                   const char *session, const char *agent_id, bool dry_run,
                                   const sigset_t *oldmask)
{
	const char *pre = getenv("LD_PRELOAD");
	char *ld = (pre && *pre) ? xasprintf("%s %s", shim, pre) : xstrdup(shim);
	if (setenv("LD_PRELOAD", ld, 1) < 0 || setenv(IL_ENV_SHIM, shim, 1) < 0 ||
	    setenv(IL_ENV_SOCKET, sock, 1) < 0 || setenv(IL_ENV_SESSION, session, 1) < 0 ||
	    (agent_id && setenv(IL_ENV_AGENT_ID, agent_id, 1) < 0)) {
		fprintf(stderr, "interlock: setenv: %s\n", strerror(errno));
		_exit(125);
	}
	setenv(IL_ENV_LAYERS, run_enforce.seccomp ? "preload+seccomp" : "preload", 1);
	if (dry_run)
		setenv(IL_ENV_DRY_RUN, "1", 1);
	else
		unsetenv(IL_ENV_DRY_RUN);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (il_enforce_child(&run_enforce) < 0)   /* seccomp filter + listener hand-off */
		_exit(125);
	execvp(cmd[0], cmd);
	int e = errno;
	fprintf(stderr, "interlock: %s: %s\n", cmd[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static int status_to_exit(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

typedef struct {
	pid_t child;
	int status;
	bool child_done;
	bool all_gone;
	int sigfd;
} reaper;

/* Reap every exited descendant; note when none remain. */
static void reap(reaper *r)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p > 0) {
			if (p == r->child) {
				r->status = st;
				r->child_done = true;
			}
			continue;
		}
		if (p < 0 && errno == ECHILD)
			r->all_gone = true;
		return;
	}
}

/* Forward a signal someone sent us (kill, not the terminal) to the agent. */
static void handle_signal(reaper *r, const struct signalfd_siginfo *si)
{
	if (si->ssi_signo == SIGCHLD) {
		reap(r);
		return;
	}
	if (si->ssi_code == SI_USER || si->ssi_code == SI_QUEUE || si->ssi_signo == SIGTERM ||
	    si->ssi_signo == SIGHUP) {
		if (!r->child_done && (si->ssi_code == SI_USER || si->ssi_code == SI_QUEUE))
			kill(r->child, (int)si->ssi_signo);
	}
}

static void sig_event(il_loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)events;
	reaper *r = arg;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
		handle_signal(r, &si);
}

typedef struct {
	char **rules;
	size_t nrules;
	const char *approver, *audit, *report, *agent_id, *connect, *bgv;
	il_approver_http_cfg http;
	bool dry_run;
	int64_t timeout_ms;
} run_opts;

static int run_connected(const run_opts *o, char **cmd, const char *shim, sigset_t *oldmask,
                         int sigfd)
{
	/* The shared sidecar's control socket sits next to its agent socket. */
	char ctl[PATH_MAX], tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", o->connect);
	snprintf(ctl, sizeof ctl, "%s/%s", dirname(tmp), IL_RUNDIR_CTL_SOCK);
	char session[32];
	if (il_rundir_new_session_id(session, sizeof session) < 0)
		die("cannot generate a session id");
	/* Register this launcher as an agent tree root for as long as we live:
	 * the connection stays open until exit. */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(ctl) >= sizeof sa.sun_path)
		die("%s: path too long", ctl);
	strcpy(sa.sun_path, ctl);
	int cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("cannot reach the sidecar at %s: %s", ctl, strerror(errno));
	const char *reg = "{\"op\":\"register\"}\n";
	char buf[512];
	if (il_write_all(cfd, reg, strlen(reg)) < 0 || read(cfd, buf, sizeof buf - 1) <= 0)
		die("the sidecar at %s did not answer", ctl);
	pid_t child = fork();
	if (child < 0)
		die_with_error("fork");
	if (child == 0) {
		close(sigfd);
		exec_agent(cmd, shim, o->connect, session, o->agent_id, o->dry_run, oldmask);
	}
	char serr[512];   /* --enforce: forward the seccomp listener to serve */
	if (il_enforce_parent_connected(&run_enforce, o->connect, child, serr, sizeof serr) < 0) {
		kill(child, SIGKILL);
		die("%s", serr);
	}
	reaper r = { .child = child, .sigfd = sigfd };
	while (!r.all_gone) {
		struct signalfd_siginfo si;
		ssize_t n = il_enforce_read_signal(&run_enforce, sigfd, &si, sizeof si);
		if (n == (ssize_t)sizeof si)
			handle_signal(&r, &si);
		else if (n < 0 && errno != EINTR && errno != EAGAIN)
			break;
	}
	close(cfd);
	return r.child_done ? status_to_exit(r.status) : 125;
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "approver", required_argument, NULL, 'a' },
		{ "audit", required_argument, NULL, 'A' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "report", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 't' },
		{ "agent-id", required_argument, NULL, 'i' },
		{ "connect", required_argument, NULL, 'c' },
		{ "break-glass-verifier", required_argument, NULL, 'b' },
		{ "enforce", required_argument, NULL, 'E' },
		{ "approver-key-file", required_argument, NULL, 'K' },
		{ "approver-token-file", required_argument, NULL, 'T' },
		{ "approver-ca", required_argument, NULL, 'C' },
		{ "approver-insecure-http", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	run_opts o = { .approver = "cli" };
	const char *enforce = NULL;
	cleanup_free char **rules = xcalloc((size_t)argc + 1, sizeof(char *));
	cleanup_free char *deflt = NULL;
	o.rules = rules;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': o.rules[o.nrules++] = optarg; break;
		case 'a':
			if (strcmp(optarg, "tty") != 0 && strcmp(optarg, "cli") != 0 &&
			    strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0) {
				fprintf(stderr, "interlock run: --approver must be tty, cli or an "
				        "http(s):// URL, not '%s'\n", optarg);
				return 2;
			}
			o.approver = optarg;
			break;
		case 'A': o.audit = optarg; break;
		case 'n': o.dry_run = true; break;
		case 'R': o.report = optarg; break;
		case 't':
			if (il_parse_duration(optarg, &o.timeout_ms) < 0 || o.timeout_ms <= 0) {
				fprintf(stderr, "interlock run: invalid --timeout '%s' (e.g. 30s, 5m, 1h)\n", optarg);
				return 2;
			}
			break;
		case 'i': o.agent_id = optarg; break;
		case 'c': o.connect = optarg; break;
		case 'b': o.bgv = optarg; break;
		case 'E': enforce = optarg; break;
		case 'K': o.http.key_file = optarg; break;
		case 'T': o.http.token_file = optarg; break;
		case 'C': o.http.ca_file = optarg; break;
		case 'I': o.http.insecure_http = true; break;
		case 'h': fputs(run_usage, stdout); return 0;
		default: fputs(run_usage, stderr); return 2;
		}
	}
	char **cmd = argv + optind;
	if (!*cmd) {
		fprintf(stderr, "interlock run: missing command to run\n");
		fputs(run_usage, stderr);
		return 2;
	}
	if (o.report && !o.dry_run) {
		fprintf(stderr, "interlock run: --report needs --dry-run\n");
		return 2;
	}
	bool http_opts = o.http.key_file || o.http.token_file || o.http.ca_file ||
	                 o.http.insecure_http;
	if (http_opts && strncmp(o.approver, "http", 4) != 0) {
		fprintf(stderr, "interlock run: --approver-key-file, --approver-token-file, "
		        "--approver-ca and --approver-insecure-http need --approver URL\n");
		return 2;
	}
	if (strncmp(o.approver, "http", 4) == 0 && !o.http.key_file) {
		fprintf(stderr, "interlock run: --approver %s needs --approver-key-file FILE "
		        "(the verdict signing key)\n", o.approver);
		return 2;
	}
	if (o.connect && (o.nrules || o.audit || o.dry_run || o.bgv || o.timeout_ms ||
	                  strcmp(o.approver, "cli") != 0)) {
		fprintf(stderr, "interlock run: with --connect, rules, approver, audit, dry-run, timeout "
		        "and break-glass are the shared sidecar's configuration\n");
		return 2;
	}
	char shim[PATH_MAX], eerr[512];
	find_shim(shim, sizeof shim);
	if (il_enforce_plan_init(&run_enforce, enforce, eerr, sizeof eerr) < 0) {
		fprintf(stderr, "interlock run: %s\n", eerr);
		return 2;
	}

	/* Signals arrive through a signalfd; the child restores the mask. */
	sigset_t mask, oldmask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	signal(SIGPIPE, SIG_IGN);
	/* A full audit file must fail the append (and deny), not kill us. */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		die_with_error("prctl(PR_SET_CHILD_SUBREAPER)");

	if (o.connect) {
		int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
		if (sfd < 0)
			die_with_error("signalfd");
		return run_connected(&o, cmd, shim, &oldmask, sfd);
	}

	if (o.nrules == 0) {
		deflt = find_default_rules();
		o.rules[o.nrules++] = deflt;
	}
	char session[32], dir[4096], err[1024];
	if (il_rundir_new_session_id(session, sizeof session) < 0)
		die("cannot generate a session id");
	if (il_rundir_make_session(session, dir, sizeof dir, err, sizeof err) < 0)
		die("%s", err);
	il_daemon d;
	il_daemon_cfg cfg = {
		.rules = (const char *const *)o.rules, .nrules = o.nrules, .approver = o.approver,
		.approver_http = &o.http, .audit_path = o.audit, .dry_run = o.dry_run, .report_path = o.report,
		.timeout_ms = o.timeout_ms, .agent_id = o.agent_id, .bg_verifier = o.bgv,
		.dir = dir, .session = session,
	};
	if (il_daemon_start(&d, &cfg) < 0) {
		il_rundir_remove_session(dir);
		return 125;
	}
	/* The launcher is the root of the agent's tree: every descendant,
	 * re-parented or not, chains up to us. */
	il_sidecar_add_tree_root(d.sc, getpid());

	fflush(NULL);
	pid_t child = fork();
	if (child < 0)
		die_with_error("fork");
	if (child == 0)
		exec_agent(cmd, shim, d.agent_sock, session, o.agent_id, o.dry_run, &oldmask);

	il_sidecar_add_tree_root(d.sc, child);
	if (il_enforce_parent_private(&run_enforce, d.loop, d.agent_sock,
	                              d.cfg.dry_run || d.cfg.audit_allowed ? NULL : d.policy,
	                              session, o.agent_id, child, eerr, sizeof eerr) < 0) {
		il_warn("%s", eerr);
		kill(child, SIGKILL);
	}
	reaper r = { .child = child };
	r.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r.sigfd < 0 || il_loop_add_fd(d.loop, r.sigfd, EPOLLIN, sig_event, &r) < 0) {
		il_warn("signalfd: %s", strerror(errno));
		kill(child, SIGKILL);
	}
	reap(&r);   /* a SIGCHLD raised before the signalfd existed is still pending */
	while (!r.all_gone) {
		if (il_loop_run_once(d.loop, -1) < 0) {
			il_warn("event loop: %s", strerror(errno));
			break;
		}
	}
	il_enforce_plan_free(&run_enforce);
	il_daemon_stop(&d);
	if (r.sigfd >= 0)
		close(r.sigfd);
	il_rundir_remove_session(dir);
	return r.child_done ? status_to_exit(r.status) : 125;
}
