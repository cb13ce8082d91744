/*
 * fuzz_wire.c — libFuzzer target: decode arbitrary bytes as a shim frame.
 * A frame that decodes must re-encode (as DECIDE) and decode again to the
 * same action.
 */
#include "wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[300];
	il_wire_message m;
	if (il_wire_decode_frame(data, size, &m, err, sizeof err) < 0)
		return 0;
	if (m.type == IL_MSG_DECIDE) {
		il_wire_buf b = { 0 };
		if (il_wire_encode_decide(&b, &m.action) == 0) {
			il_wire_message m2;
			if (il_wire_decode_frame(b.data, b.len, &m2, err, sizeof err) < 0)
				abort();
			/* The encoder writes the fields of the action's kind only. */
			if (m2.action.kind != m.action.kind || m2.action.argc != m.action.argc ||
			    !same(m2.action.program, m.action.program) ||
			    (m.action.kind == IL_KIND_DELETE && !same(m2.action.path, m.action.path)) ||
			    (m.action.kind == IL_KIND_HTTP && !same(m2.action.url, m.action.url)))
				abort();
			for (size_t i = 0; i < m.action.argc; i++)
				if (strcmp(m.action.argv[i], m2.action.argv[i]) != 0)
					abort();
			il_wire_message_free(&m2);
		}
		il_wire_buf_free(&b);
	}
	il_wire_message_free(&m);
	return 0;
}
