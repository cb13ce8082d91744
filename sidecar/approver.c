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
	if (!spec || strcmp(spec, "cli") == 0)
		return il_approver_cli_new(sc, loop, err, n);
	if (strcmp(spec, "tty") == 0)
		return il_approver_tty_new(sc, loop, err, n);
	if (strncmp(spec, "http://", 7) == 0 || strncmp(spec, "https://", 8) == 0)
		snprintf(err, n, "approver '%s': the HTTP approval-service backend is not available in this build", spec);
	else
		snprintf(err, n, "unknown approver '%s' (expected tty or cli)", spec);
	return NULL;
}

void il_approver_free(il_approver *ap)
{
	if (!ap)
		return;
	if (ap->ops->free)
		ap->ops->free(ap);
	free(ap);
}
