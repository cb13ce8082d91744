/*
 * test_seccomp.c — unit tests for the seccomp layer's pure parts: path
 * normalisation and joining, socket address description, reading strings
 * and argv from a process (ourselves), the shim-verdict cache (keys,
 * consumption, the sidecar hooks), --enforce parsing, and the SCM_RIGHTS
 * descriptor hand-off.
 */
#include "seccomp_args.h"
#include "seccomp_cache.h"
#include "seccomp_dircache.h"
#include "seccomp_pidfds.h"
#include "seccomp_filter.h"
#include "unit.h"
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static void norm_is(const char *in, const char *want)
{
	char out[256];
	CU_ASSERT_EQUAL_FATAL(il_path_normalize(in, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, want);
}

static void test_normalize(void)
{
	norm_is("/", "/");
	norm_is("//a///b/", "/a/b");
	norm_is("/a/./b/.", "/a/b");
	norm_is("/a/b/../c", "/a/c");
	norm_is("/../../x", "/x");
	norm_is("/a/b/../../..", "/");
	norm_is("/a/..b/c", "/a/..b/c");
	char out[8];
	CU_ASSERT_EQUAL(il_path_normalize("relative", out, sizeof out), -1);
	CU_ASSERT_EQUAL(il_path_normalize("/much/too/long/for/this", out, sizeof out), -1);
}

static void test_join(void)
{
	char out[256];
	CU_ASSERT_EQUAL(il_path_join("/home/u", "x/../y", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "/home/u/y");
	CU_ASSERT_EQUAL(il_path_join("/home/u", "/etc//passwd", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "/etc/passwd");
	CU_ASSERT_EQUAL(il_path_join("/", "../a", out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "/a");
}

static void test_sockaddr(void)
{
	char addr[64];
	unsigned port = 0;
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(443) };
	inet_pton(AF_INET, "10.1.2.3", &s4.sin_addr);
	CU_ASSERT_EQUAL(il_sockaddr_describe(&s4, sizeof s4, addr, sizeof addr, &port), AF_INET);
	CU_ASSERT_STRING_EQUAL(addr, "10.1.2.3");
	CU_ASSERT_EQUAL(port, 443);
	CU_ASSERT_EQUAL(il_sockaddr_describe(&s4, sizeof s4 - 1, addr, sizeof addr, &port), -1);

	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &s6.sin6_addr);
	CU_ASSERT_EQUAL(il_sockaddr_describe(&s6, sizeof s6, addr, sizeof addr, &port), AF_INET);
	CU_ASSERT_STRING_EQUAL(addr, "192.0.2.7");
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	CU_ASSERT_EQUAL(il_sockaddr_describe(&s6, sizeof s6, addr, sizeof addr, &port), AF_INET6);
	CU_ASSERT_STRING_EQUAL(addr, "2001:db8::1");
	CU_ASSERT_EQUAL(port, 80);

	sa_family_t un = AF_UNIX;
	CU_ASSERT_EQUAL(il_sockaddr_describe(&un, sizeof un, addr, sizeof addr, &port), 0);
	CU_ASSERT_EQUAL(il_sockaddr_describe(&un, 1, addr, sizeof addr, &port), -1);
}

static void test_read_self(void)
{
	/* A string that ends right before an unmapped page must still read. */
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(m != MAP_FAILED);
	munmap(m + pg, (size_t)pg);
	char *s = m + pg - 6;
	memcpy(s, "hello", 6);
	char buf[64];
	CU_ASSERT_EQUAL(il_tgt_read_str(getpid(), (uint64_t)(uintptr_t)s, buf, sizeof buf), 5);
	CU_ASSERT_STRING_EQUAL(buf, "hello");
	/* no NUL before the hole: a fault, not garbage */
	memset(m + pg - 4, 'x', 4);
	CU_ASSERT_EQUAL(il_tgt_read_str(getpid(), (uint64_t)(uintptr_t)(m + pg - 4), buf, sizeof buf), -1);
	CU_ASSERT_EQUAL(errno, EFAULT);
	/* too long for the buffer */
	memset(m, 'y', 100);
	m[100] = '\0';
	CU_ASSERT_EQUAL(il_tgt_read_str(getpid(), (uint64_t)(uintptr_t)m, buf, sizeof buf), -1);
	CU_ASSERT_EQUAL(errno, ENAMETOOLONG);
	munmap(m, (size_t)pg);
	CU_ASSERT_EQUAL(il_tgt_read_str(getpid(), 0, buf, sizeof buf), -1);

	const char *argv[] = { "rm", "-rf", "", "/srv/data", NULL };
	char **out = NULL;
	size_t n = 0;
	CU_ASSERT_EQUAL_FATAL(il_tgt_read_argv(getpid(), (uint64_t)(uintptr_t)argv, &out, &n), 0);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_STRING_EQUAL(out[0], "rm");
	CU_ASSERT_STRING_EQUAL(out[2], "");
	CU_ASSERT_STRING_EQUAL(out[3], "/srv/data");
	CU_ASSERT_PTR_NULL(out[4]);
	free(out);
	CU_ASSERT_EQUAL(il_tgt_read_argv(getpid(), 0, &out, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(out);

	/* strings longer than a page, and many of them: the block grows */
	size_t big = 3 * 4096 + 17;
	char *a1 = malloc(big + 1), *a2 = malloc(100);
	CU_ASSERT_FATAL(a1 && a2);
	memset(a1, 'a', big);
	a1[big] = '\0';
	strcpy(a2, "short");
	const char **many = calloc(2002, sizeof *many);
	CU_ASSERT_FATAL(many != NULL);
	for (int i = 0; i < 2000; i++)
		many[i] = (i % 33 == 1) ? a1 : a2;   /* 61 x 12 KiB: under 1 MiB */
	CU_ASSERT_EQUAL_FATAL(il_tgt_read_argv(getpid(), (uint64_t)(uintptr_t)many, &out, &n), 0);
	CU_ASSERT_EQUAL(n, 2000);
	CU_ASSERT_EQUAL(strlen(out[1]), big);
	CU_ASSERT_STRING_EQUAL(out[1998], "short");
	CU_ASSERT_EQUAL(strlen(out[1981]), big);
	CU_ASSERT_PTR_NULL(out[2000]);
	free(out);
	/* beyond IL_SC_ARGV_BYTES of strings: E2BIG, nothing returned */
	for (int i = 0; i < 2000; i++)
		many[i] = a1;   /* 2000 x 12 KiB > 1 MiB */
	out = NULL;
	CU_ASSERT_EQUAL(il_tgt_read_argv(getpid(), (uint64_t)(uintptr_t)many, &out, &n), -1);
	CU_ASSERT_EQUAL(errno, E2BIG);
	CU_ASSERT_PTR_NULL(out);
	free(many);
	free(a1);
	free(a2);
}

/* The pidfd route gives the same facts as /proc/TID/status, and a kept
 * pidfd never speaks for a thread id's next owner. */
static void test_pidfds(void)
{
	il_pidfds *t = il_pidfds_new();
	CU_ASSERT_FATAL(t != NULL);
	il_tgt_status a, b;
	int pidfd = -1;
	CU_ASSERT_EQUAL_FATAL(il_pidfds_identify(t, getpid(), &a, &pidfd), 0);
	CU_ASSERT_EQUAL_FATAL(il_tgt_read_status(getpid(), &b), 0);
	CU_ASSERT_EQUAL(a.tgid, b.tgid);
	CU_ASSERT_EQUAL(a.ppid, b.ppid);
	CU_ASSERT_EQUAL(a.uid, b.uid);
	CU_ASSERT_EQUAL(a.fsuid, b.fsuid);
	CU_ASSERT_EQUAL(a.fsgid, b.fsgid);
	/* a pidfd reaches our descriptors (the route pidfd_getfd takes) */
	int d = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int dup_ = il_tgt_dup_dir(getpid(), pidfd, d);
	CU_ASSERT(dup_ >= 0);
	char path[64];
	CU_ASSERT_EQUAL(il_fd_path(dup_, path, sizeof path), 0);
	CU_ASSERT_STRING_EQUAL(path, "/");
	int procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	CU_ASSERT_EQUAL(il_fd_path_at(procfd, dup_, path, sizeof path), 0);
	CU_ASSERT_STRING_EQUAL(path, "/");
	close(procfd);
	close(dup_);
	CU_ASSERT_EQUAL(il_tgt_dup_dir(getpid(), pidfd, 999), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
	close(d);
	/* the working directory: plain, a name that only looks removed, removed */
	char cwd[4096], got[4096];
	CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
	CU_ASSERT_EQUAL(il_tgt_cwd_path(getpid(), got, sizeof got), 0);
	CU_ASSERT_STRING_EQUAL(got, cwd);
	char tmpl[] = "/tmp/il-cwd.XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(tmpl) != NULL);
	char odd[96];
	snprintf(odd, sizeof odd, "%s/d (deleted)", tmpl);
	CU_ASSERT_EQUAL_FATAL(mkdir(odd, 0700), 0);
	CU_ASSERT_EQUAL_FATAL(chdir(odd), 0);
	CU_ASSERT_EQUAL(il_tgt_cwd_path(getpid(), got, sizeof got), 0);
	CU_ASSERT_STRING_EQUAL(got, odd);
	CU_ASSERT_EQUAL(rmdir(odd), 0);
	CU_ASSERT_EQUAL(il_tgt_cwd_path(getpid(), got, sizeof got), -1);
	CU_ASSERT_EQUAL_FATAL(chdir(cwd), 0);
	rmdir(tmpl);
	/* a child that is gone is not identified */
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	CU_ASSERT_EQUAL(il_pidfds_identify(t, c, &a, &pidfd), 0);
	CU_ASSERT_EQUAL(a.ppid, getpid());
	waitpid(c, NULL, 0);
	CU_ASSERT_EQUAL(il_pidfds_identify(t, c, &a, &pidfd), -1);
	il_pidfds_free(t);
}

/* The directory cache gives back a handle only while the caller's
 * descriptor is the same open file and the path still names it. */
static void test_dircache(void)
{
	char tmpl[] = "/tmp/il-dircache.XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(tmpl) != NULL);
	char a[96], b[96];
	snprintf(a, sizeof a, "%s/a", tmpl);
	snprintf(b, sizeof b, "%s/b", tmpl);
	CU_ASSERT_EQUAL_FATAL(mkdir(a, 0700), 0);
	il_dircache *dc = il_dircache_new(getpid(), 0);
	CU_ASSERT_FATAL(dc != NULL);
	int tfd = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);     /* "the caller's" */
	int ours = fcntl(tfd, F_DUPFD_CLOEXEC, 0);                  /* the same open file */
	const char *p = NULL;
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), -1);
	CU_ASSERT_EQUAL_FATAL(il_dircache_put(dc, getpid(), tfd, ours, a), ours);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), ours);
	CU_ASSERT_STRING_EQUAL(p, a);
	/* renamed (by anyone): the remembered path names nothing now */
	CU_ASSERT_EQUAL_FATAL(rename(a, b), 0);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), -1);
	CU_ASSERT_EQUAL_FATAL(rename(b, a), 0);
	/* the caller's number now names another open file of the same directory */
	ours = fcntl(tfd, F_DUPFD_CLOEXEC, 0);
	CU_ASSERT_EQUAL_FATAL(il_dircache_put(dc, getpid(), tfd, ours, a), ours);
	int other = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CU_ASSERT_EQUAL(dup2(other, tfd), tfd);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), -1);
	close(other);
	/* a directory replaced by another at the same path */
	ours = fcntl(tfd, F_DUPFD_CLOEXEC, 0);
	CU_ASSERT_EQUAL_FATAL(il_dircache_put(dc, getpid(), tfd, ours, a), ours);
	CU_ASSERT_EQUAL_FATAL(rename(a, b), 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(a, 0700), 0);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), -1);
	/* a flush forgets; non-directories are not kept */
	ours = fcntl(tfd, F_DUPFD_CLOEXEC, 0);
	CU_ASSERT_EQUAL_FATAL(il_dircache_put(dc, getpid(), tfd, ours, b), ours);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), ours);
	il_dircache_flush(dc);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), -1);
	int f = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	if (f >= 0) {
		CU_ASSERT_EQUAL(il_dircache_put(dc, getpid(), f, f, "/etc/hostname"), -1);
		close(f);
	}
	il_dircache_free(dc);

	/* With a re-check interval, the path is trusted for that long: a
	 * rename by someone else shows only after it... */
	rmdir(a);
	dc = il_dircache_new(getpid(), 200);
	CU_ASSERT_FATAL(dc != NULL);
	ours = fcntl(tfd, F_DUPFD_CLOEXEC, 0);   /* tfd: the directory now at b */
	CU_ASSERT_EQUAL_FATAL(il_dircache_put(dc, getpid(), tfd, ours, b), ours);
	CU_ASSERT_EQUAL_FATAL(rename(b, a), 0);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), ours);
	usleep(250 * 1000);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), -1);
	/* ...a flush (a supervised rename) forgets at once, and the descriptor
	 * check never waits */
	ours = fcntl(tfd, F_DUPFD_CLOEXEC, 0);
	CU_ASSERT_EQUAL_FATAL(il_dircache_put(dc, getpid(), tfd, ours, a), ours);
	il_dircache_flush(dc);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), -1);
	ours = fcntl(tfd, F_DUPFD_CLOEXEC, 0);
	CU_ASSERT_EQUAL_FATAL(il_dircache_put(dc, getpid(), tfd, ours, a), ours);
	other = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CU_ASSERT_EQUAL(dup2(other, tfd), tfd);
	CU_ASSERT_EQUAL(il_dircache_get(dc, getpid(), tfd, &p), -1);
	close(other);
	il_dircache_free(dc);
	close(tfd);
	rmdir(a);
	rmdir(b);
	rmdir(tmpl);
}

static void test_status(void)
{
	il_tgt_status st;
	CU_ASSERT_EQUAL_FATAL(il_tgt_read_status(getpid(), &st), 0);
	CU_ASSERT_EQUAL(st.tgid, getpid());
	CU_ASSERT_EQUAL(st.ppid, getppid());
	CU_ASSERT_EQUAL(st.threads, 1);
	CU_ASSERT_EQUAL(st.uid, getuid());
	CU_ASSERT_FALSE(il_tgt_shares_memory(getpid(), &st));
	st.threads = 2;
	CU_ASSERT_TRUE(il_tgt_shares_memory(getpid(), &st));
}

static void test_cache(void)
{
	il_shimcache_clear();
	const char *argv[] = { "rm", "-rf", "x" };
	il_action a = { .kind = IL_KIND_EXEC, .program = "/usr/bin/rm", .argv = argv, .argc = 3 };
	il_action b = a;
	const char *argv2[] = { "rm", "-rf", "y" };
	b.argv = argv2;
	uint64_t ka = il_shimcache_key(&a), kb = il_shimcache_key(&b);
	CU_ASSERT_NOT_EQUAL(ka, kb);
	/* argv boundaries matter: ["ab","c"] != ["a","bc"] */
	const char *s1[] = { "ab", "c" }, *s2[] = { "a", "bc" };
	il_action c1 = { .kind = IL_KIND_EXEC, .program = "/p", .argv = s1, .argc = 2 };
	il_action c2 = { .kind = IL_KIND_EXEC, .program = "/p", .argv = s2, .argc = 2 };
	CU_ASSERT_NOT_EQUAL(il_shimcache_key(&c1), il_shimcache_key(&c2));

	il_shimcache_hit hit;
	il_shimcache_put(100, IL_KIND_EXEC, ka, true, NULL, "rule-1");
	CU_ASSERT_FALSE(il_shimcache_take(101, IL_KIND_EXEC, ka, &hit));   /* other pid */
	CU_ASSERT_FALSE(il_shimcache_take(100, IL_KIND_EXEC, kb, &hit));   /* other call */
	CU_ASSERT_FALSE(il_shimcache_take(100, IL_KIND_DELETE, ka, &hit)); /* other kind */
	CU_ASSERT_TRUE(il_shimcache_take(100, IL_KIND_EXEC, ka, &hit));
	CU_ASSERT_TRUE(hit.gated);
	CU_ASSERT_STRING_EQUAL(hit.rule, "rule-1");
	CU_ASSERT_FALSE(il_shimcache_take(100, IL_KIND_EXEC, ka, &hit));   /* consumed */
}

/* The sidecar hooks: DECIDE noted, PENDING marks it gated, ALLOW stores. */
static void test_cache_hooks(void)
{
	il_shimcache_clear();
	int conn1, conn2;
	il_action a = { .kind = IL_KIND_CONNECT, .addr = "10.0.0.1", .port = 443,
	                .host = "api.example.com", .pid = 77 };
	il_wire_buf b = { 0 };

	il_shimcache_note_decide(&conn1, &a, "preload");
	CU_ASSERT_EQUAL_FATAL(il_wire_encode_pending(&b, "r-1", 0), 0);
	il_shimcache_note_frame(&conn1, b.data, b.len);
	b.len = 0;
	CU_ASSERT_EQUAL_FATAL(il_wire_encode_verdict(&b, IL_WIRE_ALLOW, "r-1", "r", NULL, NULL, NULL), 0);
	il_shimcache_note_frame(&conn1, b.data, b.len);
	il_shimcache_hit hit;
	CU_ASSERT_TRUE_FATAL(il_shimcache_take(77, IL_KIND_CONNECT, il_shimcache_key(&a), &hit));
	CU_ASSERT_TRUE(hit.gated);
	CU_ASSERT_STRING_EQUAL(hit.host, "api.example.com");

	/* a DENY stores nothing */
	il_shimcache_note_decide(&conn1, &a, "preload");
	b.len = 0;
	il_wire_encode_verdict(&b, IL_WIRE_DENY, "r-2", NULL, "no", NULL, NULL);
	il_shimcache_note_frame(&conn1, b.data, b.len);
	CU_ASSERT_FALSE(il_shimcache_take(77, IL_KIND_CONNECT, il_shimcache_key(&a), &hit));

	/* the seccomp layer's own questions are not shim verdicts */
	il_shimcache_note_decide(&conn2, &a, "seccomp");
	b.len = 0;
	il_wire_encode_verdict(&b, IL_WIRE_ALLOW, "r-3", NULL, NULL, NULL, NULL);
	il_shimcache_note_frame(&conn2, b.data, b.len);
	CU_ASSERT_FALSE(il_shimcache_take(77, IL_KIND_CONNECT, il_shimcache_key(&a), &hit));

	/* a closed connection's note is forgotten */
	il_shimcache_note_decide(&conn1, &a, NULL);
	il_shimcache_forget(&conn1);
	il_shimcache_note_frame(&conn1, b.data, b.len);
	CU_ASSERT_FALSE(il_shimcache_take(77, IL_KIND_CONNECT, il_shimcache_key(&a), &hit));
	il_wire_buf_free(&b);
	il_shimcache_clear();
}

static void test_enforce_parse(void)
{
	il_enforce e;
	CU_ASSERT_EQUAL(il_enforce_parse("auto", &e), 0);
	CU_ASSERT_EQUAL(e, IL_ENFORCE_AUTO);
	CU_ASSERT_EQUAL(il_enforce_parse("both", &e), 0);
	CU_ASSERT_EQUAL(e, IL_ENFORCE_BOTH);
	CU_ASSERT_EQUAL(il_enforce_parse("seccomp", &e), 0);
	CU_ASSERT_EQUAL(il_enforce_parse("preload", &e), 0);
	CU_ASSERT_EQUAL(il_enforce_parse("Both", &e), -1);
	CU_ASSERT_EQUAL(il_enforce_parse("", &e), -1);
	CU_ASSERT_EQUAL(il_enforce_parse(NULL, &e), -1);
	bool pre, sec;
	const char *warn;
	char err[256];
	CU_ASSERT_EQUAL(il_enforce_resolve(IL_ENFORCE_PRELOAD, &pre, &sec, &warn, err, sizeof err), 0);
	CU_ASSERT_TRUE(pre);
	CU_ASSERT_FALSE(sec);
	CU_ASSERT_PTR_NULL(warn);
}

static void test_fd_passing(void)
{
	int sp[2];
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	int pipefd[2];
	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	int v = 4242;
	CU_ASSERT_EQUAL(il_seccomp_send_fd(sp[0], pipefd[1], &v, sizeof v), 0);
	int got = -1, w = 0;
	CU_ASSERT_EQUAL(il_seccomp_recv_fd(sp[1], &w, sizeof w, &got), (ssize_t)sizeof w);
	CU_ASSERT_EQUAL(w, 4242);
	CU_ASSERT_FATAL(got >= 0);
	CU_ASSERT_EQUAL(write(got, "z", 1), 1);
	char c = 0;
	CU_ASSERT_EQUAL(read(pipefd[0], &c, 1), 1);
	CU_ASSERT_EQUAL(c, 'z');
	/* plain data: no descriptor */
	CU_ASSERT_EQUAL(write(sp[0], &v, sizeof v), (ssize_t)sizeof v);
	got = 7;
	CU_ASSERT_EQUAL(il_seccomp_recv_fd(sp[1], &w, sizeof w, &got), (ssize_t)sizeof w);
	CU_ASSERT_EQUAL(got, -1);
	close(sp[0]);
	close(sp[1]);
	close(pipefd[0]);
	close(pipefd[1]);
}

static CU_TestInfo seccomp_tests[] = {
	{ "lexical path normalisation", test_normalize },
	{ "joining relative paths", test_join },
	{ "socket addresses as the rules see them", test_sockaddr },
	{ "reading strings and argv from a process", test_read_self },
	{ "/proc status and shared memory", test_status },
	{ "callers' pidfds: identity and descriptors", test_pidfds },
	{ "directory cache: same file, same path, or nothing", test_dircache },
	{ "shim verdict cache: keys and consumption", test_cache },
	{ "shim verdict cache: sidecar hooks", test_cache_hooks },
	{ "--enforce parsing", test_enforce_parse },
	{ "SCM_RIGHTS hand-off", test_fd_passing },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "seccomp", NULL, NULL, NULL, NULL, seccomp_tests },
	CU_SUITE_INFO_NULL,
};

IL_UNIT_MAIN(suites)
