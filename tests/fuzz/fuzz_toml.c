/*
 * fuzz_toml.c — libFuzzer target for the TOML parser.
 *
 * Parses the input bytes as a document and frees the result. On success it
 * also walks the tree checking the invariants consumers rely on: every node
 * has a position, strings are NUL-terminated at their length, and the tree is
 * no deeper than TOML_MAX_DEPTH + 1. On failure the error must carry a
 * message. Sanitizers catch the rest (leaks, overflows, undefined behaviour).
 */
#include "toml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tree(const toml_value *v, int depth)
{
	if (depth > TOML_MAX_DEPTH + 1 || v->line < 1 || v->col < 1)
		abort();
	if (v->type == TOML_STRING && v->u.s.ptr[v->u.s.len] != '\0')
		abort();
	if (v->type == TOML_ARRAY)
		for (size_t i = 0; i < v->u.arr.len; i++)
			check_tree(v->u.arr.items[i], depth + 1);
	if (v->type == TOML_TABLE)
		for (size_t i = 0; i < v->u.tab.len; i++) {
			const toml_kv *kv = &v->u.tab.items[i];
			if (kv->key[kv->key_len] != '\0')
				abort();
			check_tree(kv->value, depth + 1);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	toml_error err;
	toml_value *root = toml_parse((const char *)data, size, &err);
	if (root) {
		check_tree(root, 0);
		toml_free(root);
	} else if (err.msg[0] == '\0' || memchr(err.msg, '\0', sizeof err.msg) == NULL) {
		abort();
	}
	return 0;
}
