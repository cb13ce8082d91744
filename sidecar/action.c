/*
 * action.c — names of action kinds.
 */
#include "action.h"

#include <string.h>

static const char *const kind_names[] = {
	[IL_KIND_NONE] = "none",
	[IL_KIND_EXEC] = "exec",
	[IL_KIND_DELETE] = "delete",
	[IL_KIND_CONNECT] = "connect",
	[IL_KIND_HTTP] = "http",
};

const char *il_kind_name(il_kind k)
{
	if ((unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[k])
		return kind_names[k];
	return "none";
}

il_kind il_kind_from_name(const char *s)
{
	if (!s)
		return IL_KIND_NONE;
	for (unsigned k = IL_KIND_EXEC; k <= IL_KIND_HTTP; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return (il_kind)k;
	return IL_KIND_NONE;
}
