/*
 * approver.c — choose and release approval backends (approver.h).
 */
#include "approver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

il_approver *il_approver_create(const char *spec, il_sidecar *sc, il_loop *loop,
                                char *err, size_t n)
{
	return il_approver_create_cfg(spec, NULL, sc, loop, err, n);
}

il_approver *il_approver_create_cfg(const char *spec, const il_approver_http_cfg *http,
                                    il_sidecar *sc, il_loop *loop, char *err, size_t n)
{
	if (!spec || strcmp(spec, "cli") == 0)
		return il_approver_cli_new(sc, loop, err, n);
	if (strcmp(spec, "tty") == 0)
		return il_approver_tty_new(sc, loop, err, n);
	if (strncmp(spec, "http://", 7) == 0 || strncmp(spec, "https://", 8) == 0) {
		il_approver_http_cfg none = { 0 };
		return il_approver_http_new(spec, http ? http : &none, sc, loop, err, n);
	}
	snprintf(err, n, "unknown approver '%s' (expected tty, cli or an http(s):// URL)", spec);
	return NULL;
}

void il_approver_event_report(il_approver *ap, const il_approver_event *ev)
{
	if (ap && ap->ops->event)
		ap->ops->event(ap, ev);
}

void il_approver_free(il_approver *ap)
{
	if (!ap)
		return;
	if (ap->ops->free)
		ap->ops->free(ap);
	free(ap);
}
