/*
 * approver_cli.c — the `cli` backend: pending requests wait in the
 * sidecar's queue and are answered with `interlock approve|deny ID` over the
 * control socket (control_server.c). The backend itself only announces each
 * request on the sidecar's stderr, so the operator sees what to approve.
 */
#include "approver.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

static int cli_submit(il_approver *ap, const il_approval_request *r)
{
	(void)ap;
	char d[32];
	il_format_duration(r->deadline_mono_ms - il_now_mono_ms(), d, sizeof d);
	const il_verdict *v = r->verdict;
	fprintf(stderr, "interlock: %s awaits approval: %s (rule %s, risk %s, %s left); "
	        "run: interlock approve %s | interlock deny %s\n",
	        r->id, r->summary, v->primary ? v->primary->id : "default",
	        il_risk_name(v->risk), d, r->id, r->id);
	fflush(stderr);
	return 0;
}

static void cli_cancel(il_approver *ap, const char *id, const char *why)
{
	(void)ap;
	(void)id;
	(void)why;
}

static const il_approver_ops cli_ops = {
	.name = "cli",
	.local_decisions = true,
	.submit = cli_submit,
	.cancel = cli_cancel,
	.free = NULL,
};

il_approver *il_approver_cli_new(il_sidecar *sc, il_loop *loop, char *err, size_t n)
{
	il_approver *ap = calloc(1, sizeof *ap);
	if (!ap) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	ap->ops = &cli_ops;
	ap->sc = sc;
	ap->loop = loop;
	return ap;
}
