/*
 * describe.h — printable one-line descriptions of actions, for verdict
 * messages, prompts and `interlock pending`.
 *
 * The strings an agent sends are untrusted: a program name or argument can
 * hold terminal escape sequences meant to repaint a reviewer's prompt. Every
 * byte outside printable ASCII/UTF-8 is shown escaped (\x1b, \n), arguments
 * with spaces or quotes are quoted, and the result is bounded in length.
 */
#ifndef INTERLOCK_DESCRIBE_H
#define INTERLOCK_DESCRIBE_H

#include "action.h"

#include <stddef.h>

#define IL_DESCRIBE_MAX 1024

/* "exec rm -rf /srv/data", "delete /etc/passwd", "rmdir /x",
 * "rename /a over /b", "connect example.com:443 (93.184.216.34)",
 * "http POST https://api.example.com/v1/refunds". malloc'd; NULL on OOM. */
char *il_action_describe(const il_action *a);

/* Append s to buf (capacity n, NUL-terminated) with unsafe bytes escaped.
 * Truncates with "..." when full. */
void il_append_escaped(char *buf, size_t n, const char *s);

#endif
