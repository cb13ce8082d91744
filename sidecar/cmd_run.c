/* sidecar/cmd_run.c — SCAFFOLD: replaced by the real implementation. */
#include "cmd.h"
#include <stdio.h>
int cmd_run(int argc, char **argv) { (void)argc; fprintf(stderr, "interlock: %s: not built yet\n", argv[0]); return 2; }
