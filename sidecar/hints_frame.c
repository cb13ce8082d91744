/*
 * hints_frame.c — the HINTS reply, built from a policy (hints_frame.h).
 */
#include "hints_frame.h"

#include <stdlib.h>

/* The HTTP screen's fields: a marker, then one group per http rule. False
 * (nothing written) when the rules exceed what the shim accepts. */
static bool put_http_screen(il_wire_buf *b, const il_http_hint *h, size_t n)
{
	size_t nglobs = 0;
	for (size_t i = 0; i < n; i++)
		nglobs += h[i].nmethods + h[i].nhosts + h[i].nurl_hosts;
	if (n > IL_HINT_HTTP_MAX_RULES || nglobs > IL_HINT_HTTP_MAX_GLOBS)
		return false;
	il_wire_put_u32(b, IL_T_HINT_HTTP_SCREEN, 1);
	for (size_t i = 0; i < n; i++) {
		il_wire_put_u32(b, IL_T_HINT_HTTP_RULE, 0);
		for (size_t k = 0; k < h[i].nmethods; k++)
			il_wire_put_str(b, IL_T_HINT_HTTP_METHOD, h[i].methods[k]);
		for (size_t k = 0; k < h[i].nhosts; k++)
			il_wire_put_str(b, IL_T_HINT_HTTP_HOST, h[i].hosts[k]);
		for (size_t k = 0; k < h[i].nurl_hosts; k++)
			il_wire_put_str(b, IL_T_HINT_HTTP_URL_HOST, h[i].url_hosts[k]);
	}
	return true;
}

int il_hints_frame(il_wire_buf *b, const il_policy *p, bool sees_all)
{
	const char **globs = NULL, **progs = NULL;
	size_t n = 0, nprogs = 0, nhh = 0;
	il_http_hint *hh = NULL;
	bool screen = !sees_all && il_policy_delete_hints(p, &globs, &n) == 1;
	bool http_free = !sees_all && !il_policy_http_gated(p);
	bool exec_screen = !sees_all && il_policy_exec_hints(p, &progs, &nprogs) == 1;
	bool http_screen = !sees_all && !http_free && il_policy_http_hints(p, &hh, &nhh) == 1;

	il_wire_begin(b, IL_MSG_HINTS);
	il_wire_put_u32(b, IL_T_HINT_MODE, screen ? IL_HINT_SCREEN : IL_HINT_ASK);
	il_wire_put_u32(b, IL_T_HINT_HTTP_FREE, http_free ? 1 : 0);
	il_wire_put_u32(b, IL_T_HINT_EXEC_SCREEN, exec_screen ? 1 : 0);
	for (size_t i = 0; exec_screen && i < nprogs; i++)
		il_wire_put_str(b, IL_T_HINT_PROGRAM, progs[i]);
	for (size_t i = 0; screen && i < n; i++)
		il_wire_put_str(b, IL_T_HINT_GLOB, globs[i]);
	if (http_screen)
		put_http_screen(b, hh, nhh);
	int rc = il_wire_end(b);
	il_policy_http_hints_free(hh, nhh);
	free(globs);
	free(progs);
	return rc;
}
