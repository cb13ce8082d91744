/*
 * approver_tty.c — the `tty` backend: prompt on the terminal that ran
 * `interlock run`, one request at a time, line-oriented.
 *
 * The sidecar opens /dev/tty itself. Before each prompt it discards input
 * typed ahead (tcflush), so an answer typed earlier for the agent cannot
 * approve a request the human has not seen. The terminal is read only while
 * a prompt is shown. A line "y"/"yes" approves, "n"/"no" [reason] denies,
 * "d" shows details; anything else repeats the prompt. The prompt line is
 * refreshed every second with the time left. See docs/sidecar.md for the
 * limits of sharing a terminal with the agent.
 */
#include "approver.h"
#include "describe.h"
#include "sidecar.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

typedef struct {
	int fd;
	const il_approval_request **q;   /* queue; q[0] is being prompted */
	size_t nq, capq;
	bool prompting;
	bool watching;
	uint64_t tick;
	char line[1024];
	size_t linelen;
	bool overflow;
	char user[128];
} tty_state;

static void tty_write(tty_state *t, const char *s)
{
	(void)il_write_all(t->fd, s, strlen(s));
}

IL_PRINTF(2, 3) static void tty_printf(tty_state *t, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	tty_write(t, buf);
}

static void show_prompt_line(tty_state *t)
{
	const il_approval_request *r = t->q[0];
	char d[32];
	int64_t left = r->deadline_mono_ms - il_now_mono_ms();
	il_format_duration(left > 0 ? (left + 999) / 1000 * 1000 : 0, d, sizeof d);
	tty_printf(t, "\r\033[Kinterlock: approve %s? [y/n/d] (%s left) ", r->id, d);
}

static void show_block(tty_state *t)
{
	const il_approval_request *r = t->q[0];
	const il_verdict *v = r->verdict;
	const il_action *a = r->action;
	char cwd[600] = "";
	il_append_escaped(cwd, sizeof cwd, a->cwd ? a->cwd : "?");
	tty_printf(t, "\r\n\033[Kinterlock: approval needed [%s]%s\n", r->id,
	           t->nq > 1 ? " (more queued)" : "");
	tty_printf(t, "  action: %s\n", r->summary);
	tty_printf(t, "  cwd:    %s\n", cwd);
	for (size_t i = 0; i < v->nmatched; i++) {
		const il_rule *ru = v->matched[i].rule;
		char desc[600] = "";
		il_append_escaped(desc, sizeof desc, ru->description ? ru->description : "");
		tty_printf(t, "  rule:   %s (%s, %s)%s%s\n", ru->id, il_decision_name(ru->decision),
		           il_risk_name(ru->risk), *desc ? ": " : "", desc);
	}
	tty_printf(t, "  risk:   %s", il_risk_name(v->risk));
	if (r->approvals_needed > 1)
		tty_printf(t, "   approvals: %u of %u", r->approvals_got, r->approvals_needed);
	tty_printf(t, "\n  agent:  %s pid %d\n", r->agent_id ? r->agent_id : "-", (int)a->pid);
}

static void show_details(tty_state *t)
{
	const il_approval_request *r = t->q[0];
	const il_action *a = r->action;
	char buf[1200];
	tty_printf(t, "\n  kind:    %s\n", il_kind_name(a->kind));
	if (a->program) {
		buf[0] = '\0';
		il_append_escaped(buf, sizeof buf, a->program);
		tty_printf(t, "  program: %s\n", buf);
	}
	for (size_t i = 0; i < a->argc && i < 64; i++) {
		buf[0] = '\0';
		il_append_escaped(buf, sizeof buf, a->argv[i]);
		tty_printf(t, "  argv[%zu]: %s\n", i, buf);
	}
	for (size_t i = 0; i < a->nheaders && i < 64; i++) {
		buf[0] = '\0';
		il_append_escaped(buf, sizeof buf, a->headers[i]);
		tty_printf(t, "  header:  %s\n", buf);
	}
	for (size_t i = 0; i < r->verdict->nmatched; i++) {
		buf[0] = '\0';
		il_append_escaped(buf, sizeof buf, r->verdict->matched[i].why);
		tty_printf(t, "  why %s: %s\n", r->verdict->matched[i].rule->id, buf);
	}
	tty_printf(t, "  session: %s  uid %u  ppid %d\n", r->session ? r->session : "-",
	           (unsigned)a->uid, (int)a->ppid);
}

static void on_tick(il_loop *l, void *arg);
static void on_input(il_loop *l, int fd, uint32_t events, void *arg);

static void stop_prompt(il_approver *ap)
{
	tty_state *t = ap->priv;
	if (t->watching) {
		il_loop_del_fd(ap->loop, t->fd);
		t->watching = false;
	}
	il_loop_cancel_timer(ap->loop, t->tick);
	t->tick = 0;
	t->prompting = false;
	t->linelen = 0;
	t->overflow = false;
}

/* Show the head of the queue, if any and not shown yet. */
static void start_prompt(il_approver *ap)
{
	tty_state *t = ap->priv;
	if (t->prompting || t->nq == 0)
		return;
	t->prompting = true;
	tcflush(t->fd, TCIFLUSH);
	show_block(t);
	show_prompt_line(t);
	if (il_loop_add_fd(ap->loop, t->fd, EPOLLIN, on_input, ap) == 0)
		t->watching = true;
	t->tick = il_loop_add_timer(ap->loop, il_now_mono_ms() + 1000, on_tick, ap);
}

static void on_tick(il_loop *l, void *arg)
{
	il_approver *ap = arg;
	tty_state *t = ap->priv;
	t->tick = 0;
	if (!t->prompting || !t->nq)
		return;
	if (t->linelen == 0)     /* do not repaint over a half-typed answer */
		show_prompt_line(t);
	t->tick = il_loop_add_timer(l, il_now_mono_ms() + 1000, on_tick, ap);
}

static void remove_at(tty_state *t, size_t i)
{
	memmove(t->q + i, t->q + i + 1, (t->nq - i - 1) * sizeof *t->q);
	t->nq--;
}

/* Act on one answer line for the request at the head of the queue. */
static void answer(il_approver *ap, char *line)
{
	tty_state *t = ap->priv;
	const il_approval_request *r = t->q[0];
	while (*line == ' ' || *line == '\t')
		line++;
	char *rest = line;
	while (*rest && *rest != ' ' && *rest != '\t')
		rest++;
	if (*rest)
		*rest++ = '\0';
	while (*rest == ' ' || *rest == '\t')
		rest++;
	char id[16], msg[600];
	snprintf(id, sizeof id, "%s", r->id);
	if (strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0) {
		tty_printf(t, "\r\033[Kinterlock: %s: approving\n", id);
		stop_prompt(ap);
		remove_at(t, 0);
		int rc = il_sidecar_resolve(ap->sc, id, IL_APPROVE, t->user, "tty",
		                            *rest ? rest : NULL, msg, sizeof msg);
		tty_printf(t, "interlock: %s\n", msg);
		(void)rc;
	} else if (strcmp(line, "n") == 0 || strcmp(line, "N") == 0 || strcmp(line, "no") == 0) {
		tty_printf(t, "\r\033[Kinterlock: %s: denying\n", id);
		stop_prompt(ap);
		remove_at(t, 0);
		il_sidecar_resolve(ap->sc, id, IL_DENY, t->user, "tty", *rest ? rest : NULL,
		                   msg, sizeof msg);
		tty_printf(t, "interlock: %s\n", msg);
	} else {
		if (strcmp(line, "d") == 0 || strcmp(line, "D") == 0)
			show_details(t);
		else
			tty_write(t, "  answer y (approve), n [reason] (deny) or d (details)\n");
		show_prompt_line(t);
		return;
	}
	start_prompt(ap);
}

static void on_input(il_loop *l, int fd, uint32_t events, void *arg)
{
	(void)l;
	(void)events;
	il_approver *ap = arg;
	tty_state *t = ap->priv;
	char buf[512];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The terminal went away: nobody can answer; deadlines deny. */
		il_warn("approver tty: terminal closed; pending requests will time out");
		stop_prompt(ap);
		return;
	}
	for (ssize_t i = 0; i < n && t->prompting; i++) {
		char ch = buf[i];
		if (ch == '\n' || ch == '\r') {
			if (t->overflow) {
				t->linelen = 0;
				t->overflow = false;
				show_prompt_line(t);
				continue;
			}
			t->line[t->linelen] = '\0';
			t->linelen = 0;
			answer(ap, t->line);
			continue;
		}
		if (t->linelen + 1 >= sizeof t->line)
			t->overflow = true;
		else
			t->line[t->linelen++] = ch;
	}
}

static int tty_submit(il_approver *ap, const il_approval_request *r)
{
	tty_state *t = ap->priv;
	if (t->nq == t->capq) {
		size_t cap = t->capq ? t->capq * 2 : 16;
		const il_approval_request **q = realloc(t->q, cap * sizeof *q);
		if (!q)
			return -1;
		t->q = q;
		t->capq = cap;
	}
	t->q[t->nq++] = r;
	if (!t->prompting)
		start_prompt(ap);
	return 0;
}

static void tty_cancel(il_approver *ap, const char *id, const char *why)
{
	tty_state *t = ap->priv;
	for (size_t i = 0; i < t->nq; i++) {
		if (strcmp(t->q[i]->id, id) != 0)
			continue;
		if (i == 0 && t->prompting) {
			tty_printf(t, "\r\033[Kinterlock: %s: %s\n", id, why);
			stop_prompt(ap);
			remove_at(t, 0);
			start_prompt(ap);
		} else {
			remove_at(t, i);
		}
		return;
	}
}

static void tty_free(il_approver *ap)
{
	tty_state *t = ap->priv;
	if (!t)
		return;
	stop_prompt(ap);
	close(t->fd);
	free(t->q);
	free(t);
}

static const il_approver_ops tty_ops = {
	.name = "tty",
	.local_decisions = true,
	.submit = tty_submit,
	.cancel = tty_cancel,
	.free = tty_free,
};

il_approver *il_approver_tty_new(il_sidecar *sc, il_loop *loop, char *err, size_t n)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, n, "--approver tty needs a terminal, but /dev/tty cannot be opened (%s); "
		         "use --approver cli", strerror(errno));
		return NULL;
	}
	il_approver *ap = calloc(1, sizeof *ap);
	tty_state *t = calloc(1, sizeof *t);
	if (!ap || !t) {
		free(ap);
		free(t);
		close(fd);
		snprintf(err, n, "out of memory");
		return NULL;
	}
	t->fd = fd;
	il_user_name(getuid(), t->user, sizeof t->user);
	ap->ops = &tty_ops;
	ap->sc = sc;
	ap->loop = loop;
	ap->priv = t;
	return ap;
}
