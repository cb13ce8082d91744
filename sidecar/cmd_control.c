/* sidecar/cmd_control.c — SCAFFOLD: replaced by the real implementation. */
#include "cmd.h"
#include <stdio.h>
int cmd_pending(int argc, char **argv) { (void)argc; fprintf(stderr, "interlock: %s: not built yet\n", argv[0]); return 2; }
int cmd_approve(int argc, char **argv) { (void)argc; fprintf(stderr, "interlock: %s: not built yet\n", argv[0]); return 2; }
int cmd_deny(int argc, char **argv) { (void)argc; fprintf(stderr, "interlock: %s: not built yet\n", argv[0]); return 2; }
