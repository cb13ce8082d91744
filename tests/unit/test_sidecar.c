/*
 * test_sidecar.c — the sidecar in-process: a real policy file, real
 * sockets, a client speaking the wire protocol; plus the event loop,
 * action descriptions, process-tree checks and the runtime directory.
 */
#include "unit.h"
#include "describe.h"
#include "loop.h"
#include "proctree.h"
#include "rundir.h"
#include "sidecar.h"
#include "util.h"
#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- loop ---- */

static int order[8], norder;
static void rec_timer(il_loop *l, void *arg) { (void)l; order[norder++] = (int)(intptr_t)arg; }

static void test_loop_timers(void)
{
	il_loop *l = il_loop_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	int64_t now = il_now_mono_ms();
	norder = 0;
	il_loop_add_timer(l, now + 30, rec_timer, (void *)3);
	il_loop_add_timer(l, now + 10, rec_timer, (void *)1);
	uint64_t c = il_loop_add_timer(l, now + 20, rec_timer, (void *)2);
	il_loop_add_timer(l, now + 15, rec_timer, (void *)4);
	il_loop_cancel_timer(l, c);
	while (norder < 3 && il_now_mono_ms() < now + 2000)
		il_loop_run_once(l, 50);
	CU_ASSERT_EQUAL(norder, 3);
	CU_ASSERT_EQUAL(order[0], 1);
	CU_ASSERT_EQUAL(order[1], 4);
	CU_ASSERT_EQUAL(order[2], 3);
	il_loop_free(l);
}

/* ---- describe ---- */

static void test_describe(void)
{
	const char *argv[] = { "rm", "-rf", "my dir", "\x1b[2Jevil" };
	il_action a = { .kind = IL_KIND_EXEC, .program = "/usr/bin/rm", .argv = argv, .argc = 4 };
	char *s = il_action_describe(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "exec rm -rf 'my dir' '\\x1b[2Jevil'");
	free(s);
	il_action d = { .kind = IL_KIND_DELETE, .path = "/etc/passwd" };
	s = il_action_describe(&d);
	CU_ASSERT_STRING_EQUAL(s, "delete /etc/passwd");
	free(s);
	il_action h = { .kind = IL_KIND_HTTP, .method = "POST", .url = "https://x/y\n",
	                .url_visible = true };
	s = il_action_describe(&h);
	CU_ASSERT_STRING_EQUAL(s, "http POST https://x/y\\n");
	free(s);
	/* opaque TLS: only the destination is known, and the summary says so */
	il_action o = { .kind = IL_KIND_HTTP, .host = "api.example.com", .port = 443 };
	s = il_action_describe(&o);
	CU_ASSERT_STRING_EQUAL(s, "http (url not visible) api.example.com:443");
	free(s);
	/* bounded */
	char *big = malloc(10000);
	memset(big, 'a', 9999);
	big[9999] = '\0';
	const char *bargv[] = { big };
	il_action b = { .kind = IL_KIND_EXEC, .program = "/x", .argv = bargv, .argc = 1 };
	s = il_action_describe(&b);
	CU_ASSERT(strlen(s) < IL_DESCRIBE_MAX);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "..."));
	free(s);
	free(big);
	/* bidi override escaped */
	const char *bidi[] = { "a\xe2\x80\xaeZ" };
	il_action e = { .kind = IL_KIND_EXEC, .program = "/a", .argv = bidi, .argc = 1 };
	s = il_action_describe(&e);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\\xe2"));
	free(s);
}

/* ---- proctree / rundir ---- */

static void test_proctree(void)
{
	pid_t roots[] = { getppid() };
	CU_ASSERT_TRUE(il_proc_in_trees(getpid(), roots, 1));
	pid_t self[] = { getpid() };
	CU_ASSERT_TRUE(il_proc_in_trees(getpid(), self, 1));
	pid_t other[] = { 0x3fffffff };
	CU_ASSERT_FALSE(il_proc_in_trees(getpid(), other, 1));
	CU_ASSERT_FALSE(il_proc_in_trees(getppid(), self, 1));
	CU_ASSERT_TRUE(il_proc_alive(getpid()));
	CU_ASSERT_EQUAL(il_proc_ppid(getpid()), getppid());
}

static char tmpdir[] = "/tmp/il-test-sidecar.XXXXXX";

static void test_rundir(void)
{
	char base[512], err[512], want[600];
	setenv("XDG_RUNTIME_DIR", tmpdir, 1);
	CU_ASSERT_EQUAL(il_rundir_base(base, sizeof base), 0);
	snprintf(want, sizeof want, "%s/interlock", tmpdir);
	CU_ASSERT_STRING_EQUAL(base, want);
	CU_ASSERT_EQUAL(il_rundir_ensure_base(base, sizeof base, err, sizeof err), 0);
	chmod(base, 0755);
	CU_ASSERT_EQUAL(il_rundir_ensure_base(base, sizeof base, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "group or others"));
	chmod(base, 0700);
	char sid[32], dir[600];
	CU_ASSERT_EQUAL(il_rundir_new_session_id(sid, sizeof sid), 0);
	CU_ASSERT_EQUAL(strlen(sid), 18);
	CU_ASSERT_EQUAL(il_rundir_make_session(sid, dir, sizeof dir, err, sizeof err), 0);
	struct stat st;
	CU_ASSERT_EQUAL(stat(dir, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
	il_rundir_remove_session(dir);
	CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0);
	unsetenv("XDG_RUNTIME_DIR");
}

/* ---- the sidecar ---- */

static const char rules_text[] =
	"version = 1\n[defaults]\ndecision = \"allow\"\ntimeout = \"5m\"\n"
	"[[rule]]\nid = \"gate-touch\"\ndescription = \"needs a human\"\nkind = \"exec\"\n"
	"program = [\"touch\"]\ndecision = \"approve\"\n"
	"[[rule]]\nid = \"two\"\nkind = \"exec\"\nprogram = [\"mkdir\"]\ndecision = \"approve\"\n"
	"approvals = 2\n"
	"[[rule]]\nid = \"no-rm\"\ndescription = \"never\"\nkind = \"exec\"\nprogram = [\"rm\"]\n"
	"decision = \"deny\"\n";

typedef struct {
	il_loop *loop;
	il_policy *policy;
	il_sidecar *sc;
	char agent[600], ctl[600];
} fixture;

static int fixture_up(fixture *f, int64_t timeout_ms)
{
	char path[600], err[512];
	snprintf(path, sizeof path, "%s/rules.toml", tmpdir);
	FILE *fp = fopen(path, "w");
	if (!fp)
		return -1;
	fputs(rules_text, fp);
	fclose(fp);
	chmod(path, 0600);
	const char *files[] = { path };
	il_errors errs = { 0 };
	il_policy_opts po = { .allow_insecure_perms = true };
	f->policy = il_policy_load(files, 1, &po, &errs);
	for (size_t i = 0; i < errs.len; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	il_errors_free(&errs);
	if (!f->policy)
		return -1;
	f->loop = il_loop_new();
	snprintf(f->agent, sizeof f->agent, "%s/agent.sock", tmpdir);
	snprintf(f->ctl, sizeof f->ctl, "%s/ctl.sock", tmpdir);
	il_sidecar_opts o = { .agent_sock = f->agent, .ctl_sock = f->ctl, .session = "s-test",
	                      .policy = f->policy, .default_timeout_ms = timeout_ms };
	f->sc = il_sidecar_new(f->loop, &o, err, sizeof err);
	if (!f->sc) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	il_approver *ap = il_approver_create("cli", f->sc, f->loop, err, sizeof err);
	il_sidecar_set_approver(f->sc, ap);
	return 0;
}

static void fixture_down(fixture *f)
{
	il_sidecar_free(f->sc);
	il_loop_free(f->loop);
	il_policy_free(f->policy);
}

static int client(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_exec(int fd, const char *prog, const char *arg)
{
	const char *argv[] = { prog, arg };
	char full[64];
	snprintf(full, sizeof full, "/usr/bin/%s", prog);
	il_action a = { .kind = IL_KIND_EXEC, .program = full, .argv = argv, .argc = 2, .cwd = "/" };
	il_wire_buf b = { 0 };
	il_wire_encode_decide(&b, &a);
	il_write_all(fd, b.data, b.len);
	il_wire_buf_free(&b);
}

/* Run the loop until one whole frame arrives on fd (or 3 s pass). */
static int read_frame(fixture *f, int fd, il_wire_message *m)
{
	uint8_t buf[65536];
	size_t got = 0;
	int64_t end = il_now_mono_ms() + 3000;
	while (il_now_mono_ms() < end) {
		il_loop_run_once(f->loop, 10);
		ssize_t r = recv(fd, buf + got, sizeof buf - got, MSG_DONTWAIT);
		if (r == 0)
			return -1;
		if (r > 0)
			got += (size_t)r;
		if (got >= IL_WIRE_HDR_SIZE) {
			il_wire_hdr h;
			memcpy(&h, buf, sizeof h);
			if (got >= IL_WIRE_HDR_SIZE + h.len) {
				char err[300];
				return il_wire_decode_frame(buf, IL_WIRE_HDR_SIZE + h.len, m, err, sizeof err);
			}
		}
	}
	return -1;
}

static void test_sidecar_rule_deny_and_allow(void)
{
	fixture f;
	CU_ASSERT_EQUAL_FATAL(fixture_up(&f, 0), 0);
	int fd = client(f.agent);
	CU_ASSERT_FATAL(fd >= 0);
	il_wire_message m;
	send_exec(fd, "rm", "/x");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.type, IL_MSG_VERDICT);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_DENY);
	CU_ASSERT_STRING_EQUAL(m.rule_id, "no-rm");
	CU_ASSERT_STRING_EQUAL(m.message, "interlock: denied exec rm /x (rule no-rm: never)");
	il_wire_message_free(&m);
	/* same connection, next request */
	send_exec(fd, "ls", "/");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_ALLOW);
	il_wire_message_free(&m);
	close(fd);
	fixture_down(&f);
}

static void test_sidecar_approve_and_deny(void)
{
	fixture f;
	CU_ASSERT_EQUAL_FATAL(fixture_up(&f, 0), 0);
	int fd = client(f.agent);
	il_wire_message m;
	char msg[300];
	send_exec(fd, "touch", "/a");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL_FATAL(m.type, IL_MSG_PENDING);
	char id[32];
	snprintf(id, sizeof id, "%s", m.request_id);
	CU_ASSERT(m.deadline_ms > il_now_wall_ms() + 4 * 60 * 1000);
	il_wire_message_free(&m);
	CU_ASSERT_EQUAL(il_sidecar_pending_count(f.sc), 1);
	CU_ASSERT_EQUAL(il_sidecar_resolve(f.sc, "r-nope", IL_APPROVE, "alice", NULL, NULL, msg, sizeof msg), -1);
	CU_ASSERT_EQUAL(il_sidecar_resolve(f.sc, id, IL_APPROVE, "alice", "test", "ok", msg, sizeof msg), 1);
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.type, IL_MSG_VERDICT);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_ALLOW);
	CU_ASSERT_STRING_EQUAL(m.request_id, id);
	il_wire_message_free(&m);
	CU_ASSERT_EQUAL(il_sidecar_pending_count(f.sc), 0);

	send_exec(fd, "touch", "/b");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	snprintf(id, sizeof id, "%s", m.request_id);
	il_wire_message_free(&m);
	CU_ASSERT_EQUAL(il_sidecar_resolve(f.sc, id, IL_DENY, "bob", NULL, "no way", msg, sizeof msg), 1);
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_DENY);
	CU_ASSERT_PTR_NOT_NULL(strstr(m.reason, "no way"));
	il_wire_message_free(&m);
	close(fd);
	fixture_down(&f);
}

static void test_sidecar_two_person(void)
{
	fixture f;
	CU_ASSERT_EQUAL_FATAL(fixture_up(&f, 0), 0);
	int fd = client(f.agent);
	il_wire_message m;
	char msg[300], id[32];
	send_exec(fd, "mkdir", "/d");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	snprintf(id, sizeof id, "%s", m.request_id);
	il_wire_message_free(&m);
	CU_ASSERT_EQUAL(il_sidecar_resolve(f.sc, id, IL_APPROVE, "alice", NULL, NULL, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(il_sidecar_resolve(f.sc, id, IL_APPROVE, "alice", NULL, NULL, msg, sizeof msg), -1);
	CU_ASSERT_EQUAL(il_sidecar_pending_count(f.sc), 1);
	CU_ASSERT_EQUAL(il_sidecar_resolve(f.sc, id, IL_APPROVE, "bob", NULL, NULL, msg, sizeof msg), 1);
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_ALLOW);
	il_wire_message_free(&m);
	close(fd);
	fixture_down(&f);
}

static void test_sidecar_timeout(void)
{
	fixture f;
	CU_ASSERT_EQUAL_FATAL(fixture_up(&f, 100), 0);
	int fd = client(f.agent);
	il_wire_message m;
	send_exec(fd, "touch", "/t");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.type, IL_MSG_PENDING);
	il_wire_message_free(&m);
	int64_t t0 = il_now_mono_ms();
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT(il_now_mono_ms() - t0 < 1000);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_DENY);
	CU_ASSERT_STRING_EQUAL(m.reason, "timed out after 100ms");
	il_wire_message_free(&m);
	close(fd);
	fixture_down(&f);
}

static void test_sidecar_protocol_error(void)
{
	fixture f;
	CU_ASSERT_EQUAL_FATAL(fixture_up(&f, 0), 0);
	int fd = client(f.agent);
	il_wire_hdr h = { .magic = IL_WIRE_MAGIC, .version = 9, .type = IL_MSG_DECIDE };
	il_write_all(fd, &h, sizeof h);
	il_wire_message m;
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_DENY);
	CU_ASSERT_PTR_NOT_NULL(strstr(m.reason, "protocol error"));
	il_wire_message_free(&m);
	CU_ASSERT_EQUAL(read_frame(&f, fd, &m), -1);   /* closed */
	close(fd);
	/* a second request while one is pending is a protocol error too */
	fd = client(f.agent);
	send_exec(fd, "touch", "/p");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	il_wire_message_free(&m);
	send_exec(fd, "ls", "/");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_DENY);
	il_wire_message_free(&m);
	close(fd);
	/* thrown out for a protocol error: its pending request is cancelled at once */
	CU_ASSERT_EQUAL(il_sidecar_pending_count(f.sc), 0);
	fixture_down(&f);
}

static void test_sidecar_shutdown_denies(void)
{
	fixture f;
	CU_ASSERT_EQUAL_FATAL(fixture_up(&f, 0), 0);
	int fd = client(f.agent);
	il_wire_message m;
	send_exec(fd, "touch", "/s");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	il_wire_message_free(&m);
	il_sidecar_free(f.sc);
	f.sc = NULL;
	uint8_t buf[4096];
	ssize_t r = recv(fd, buf, sizeof buf, 0);
	CU_ASSERT_FATAL(r > (ssize_t)IL_WIRE_HDR_SIZE);
	char err[300];
	CU_ASSERT_EQUAL_FATAL(il_wire_decode_frame(buf, (size_t)r, &m, err, sizeof err), 0);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_DENY);
	il_wire_message_free(&m);
	close(fd);
	il_loop_free(f.loop);
	il_policy_free(f.policy);
}

static void test_sidecar_resume(void)
{
	fixture f;
	CU_ASSERT_EQUAL_FATAL(fixture_up(&f, 0), 0);
	int fd = client(f.agent);
	il_wire_message m;
	char id[32], msg[300];
	send_exec(fd, "touch", "/r");
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	snprintf(id, sizeof id, "%s", m.request_id);
	il_wire_message_free(&m);
	close(fd);   /* we are alive: the request waits for a RESUME */
	for (int i = 0; i < 5; i++)
		il_loop_run_once(f.loop, 10);
	CU_ASSERT_EQUAL(il_sidecar_pending_count(f.sc), 1);
	fd = client(f.agent);
	il_wire_buf b = { 0 };
	il_wire_begin(&b, IL_MSG_RESUME);
	il_wire_put_str(&b, IL_T_REQUEST_ID, id);
	il_wire_end(&b);
	il_write_all(fd, b.data, b.len);
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.type, IL_MSG_PENDING);
	CU_ASSERT_STRING_EQUAL(m.request_id, id);
	il_wire_message_free(&m);
	CU_ASSERT_EQUAL(il_sidecar_resolve(f.sc, id, IL_APPROVE, "alice", NULL, NULL, msg, sizeof msg), 1);
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_ALLOW);
	il_wire_message_free(&m);
	/* resuming an unknown id is a deny */
	il_write_all(fd, b.data, b.len);
	CU_ASSERT_EQUAL_FATAL(read_frame(&f, fd, &m), 0);
	CU_ASSERT_EQUAL(m.decision, IL_WIRE_DENY);
	il_wire_message_free(&m);
	il_wire_buf_free(&b);
	close(fd);
	fixture_down(&f);
}

static int suite_init(void) { return mkdtemp(tmpdir) ? 0 : -1; }
static int suite_clean(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static CU_TestInfo tests[] = {
	{ "loop: timers fire in order, cancelled ones never", test_loop_timers },
	{ "describe: quoting, escaping, bounds", test_describe },
	{ "proctree: ancestry", test_proctree },
	{ "rundir: base, private check, session dir", test_rundir },
	{ "sidecar: rule deny and default allow", test_sidecar_rule_deny_and_allow },
	{ "sidecar: approve and deny by reviewers", test_sidecar_approve_and_deny },
	{ "sidecar: two distinct reviewers", test_sidecar_two_person },
	{ "sidecar: timeout denies", test_sidecar_timeout },
	{ "sidecar: protocol errors deny and close", test_sidecar_protocol_error },
	{ "sidecar: shutdown denies pending", test_sidecar_shutdown_denies },
	{ "sidecar: a reconnecting shim resumes its request", test_sidecar_resume },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "sidecar", suite_init, suite_clean, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
