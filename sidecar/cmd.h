/*
 * cmd.h — the `interlock` subcommands. Each takes the arguments after its
 * own name (argv[0] is the subcommand name) and returns the process exit
 * status; fatal usage errors may die().
 */
#ifndef INTERLOCK_CMD_H
#define INTERLOCK_CMD_H

int cmd_run(int argc, char **argv);          /* cmd_run.c */
int cmd_serve(int argc, char **argv);        /* cmd_serve.c */
int cmd_pending(int argc, char **argv);      /* cmd_control.c */
int cmd_approve(int argc, char **argv);      /* cmd_control.c */
int cmd_deny(int argc, char **argv);         /* cmd_control.c */
int cmd_rules(int argc, char **argv);        /* cmd_rules.c */
int cmd_audit(int argc, char **argv);        /* cmd_audit.c */
int cmd_break_glass(int argc, char **argv);  /* cmd_breakglass.c */

#endif
