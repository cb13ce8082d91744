/*
 * policy_internal.h — the compiled form of a rule set, shared by the
 * loader (policy_load.c), the matcher (policy_decide.c, policy_match.c,
 * policy_actx.c), the [[test]] tables (rules_test.c) and the public
 * accessors (policy.c). Nothing outside those files includes it.
 */
#ifndef INTERLOCK_POLICY_INTERNAL_H
#define INTERLOCK_POLICY_INTERNAL_H

#include "cidr.h"
#include "glob.h"
#include "policy.h"
#include "rules_test.h"
#include "toml.h"

#include <regex.h>

typedef struct {
	il_glob *v;
	size_t n;
} il_globlist;

typedef struct {
	bool set;
	regex_t re;
	char *src;
} il_rx;

typedef struct {
	unsigned lo, hi;
} il_portrange;

typedef struct {
	il_cidr *v;
	size_t n;
} il_cidrlist;

typedef struct {
	il_portrange *v;
	size_t n;
} il_portlist;

enum { IL_PROTO_ANY = 0, IL_PROTO_TCP, IL_PROTO_UDP };
enum { IL_DIR_ANY = -1, IL_DIR_NO = 0, IL_DIR_YES = 1 };

/* Delete operations a rule applies to (bit per il_delete_op). */
#define IL_OPS_ALL 0x7u

/* Every condition a rule can carry; unused lists are empty. */
typedef struct il_match {
	/* common */
	il_globlist cwd, cwd_not;
	/* exec */
	il_globlist program, program_not;
	il_rx program_regex;
	bool has_args;
	il_globlist args_any, args_any_except, args_all, args_none, args_prefix, args_sequence;
	il_rx args_regex;
	il_globlist command;
	il_rx command_regex;
	/* delete (path*) and http (path* is the URL path) */
	il_globlist path, path_not;
	il_rx path_regex;
	int dir;                  /* IL_DIR_* */
	unsigned ops;             /* bit (1 << il_delete_op) */
	/* connect and http */
	il_globlist host, host_not;
	il_cidrlist addr, addr_not;
	il_portlist port, port_not;
	int proto;                /* IL_PROTO_* */
	/* http */
	il_globlist method, scheme, url, url_not;
	il_rx url_regex;
	il_globlist query_present, query_absent;
	il_globlist header_present, header_absent, header_match;
	int64_t body_larger_than; /* -1: no condition */
} il_match;

typedef struct {
	const char *name;         /* borrowed from the rule's program glob */
	size_t rule;
} il_name_idx;

struct il_policy {
	il_rule *rules;
	size_t nrules, caprules;

	/* rule indices per kind; exec rules with only literal program names
	 * are found through exec_names (sorted by name) instead */
	size_t *by_kind[5];
	size_t nby_kind[5];
	il_name_idx *exec_names;
	size_t nexec_names;

	il_decision def_decision;
	bool def_decision_set;
	int64_t def_timeout_ms;
	il_risk def_risk;
	char **def_approvers;
	size_t ndef_approvers;

	char version[65];
	char **files;             /* owned names, referenced by il_rule.file */
	size_t nfiles;
	char *home, *workspace;   /* the values variables were resolved with */

	il_rule_test *tests;
	size_t ntests, captests;
};

/* Loader state for one document, and the helpers the loader's files share
 * (policy_load.c, policy_conds.c, rules_test.c). */
typedef struct {
	il_policy *p;
	const char *file;
	il_errors *errs;
	size_t nerr;              /* errors this document produced */
} il_loader;

enum { IL_EXPAND_GLOB = 0, IL_EXPAND_REGEX, IL_EXPAND_PLAIN };

/* "FILE:LINE:COL: message" at v's position (1:1 when v is NULL). */
__attribute__((format(printf, 3, 4)))
void il_ld_err(il_loader *c, const toml_value *v, const char *fmt, ...);

/* Replace ${HOME} and ${WORKSPACE} (escaped for `mode`); keep a leading
 * ${CWD} in globs; any other ${...} is an error. malloc'd, or NULL after
 * reporting the error at v. */
char *il_ld_expand(il_loader *c, const toml_value *v, const char *key, const char *s, int mode);

/* The string value of v (reporting a type error and returning NULL otherwise). */
const char *il_ld_string(il_loader *c, const toml_value *v, const char *key);

/* A string or a non-empty array of strings: a malloc'd vector of the
 * string nodes (v itself for a single string), or NULL after reporting. */
const toml_value **il_ld_strlist(il_loader *c, const toml_value *v, const char *key, size_t *n);

/* Report keys of table t not in `allowed` (NULL-terminated); `what` names
 * the table in messages. */
void il_ld_check_keys(il_loader *c, const toml_value *t, const char *const *allowed,
                      const char *what);

/* policy_conds.c: compile the kind-specific and common conditions of one
 * [[rule]] into m (errors reported, m always safe to free). */
void il_match_load(il_loader *c, const toml_value *rule, il_kind kind, il_decision decision,
                   il_match *m);

/* rules_test.c: parse one [[test]] table into the policy's tests. */
void il_test_load(il_loader *c, const toml_value *t);

/* policy_load.c: parse and validate one document into p (appending rules,
 * tests and defaults); every problem goes to errs. 0 when no error. */
int il_policy_load_doc(il_policy *p, const char *file, const char *buf, size_t len,
                       il_errors *errs);

/* After all documents: check cross-file references (test rule ids), build
 * the indexes. 0 or -1 (errors in errs). */
int il_policy_finish(il_policy *p, il_errors *errs);

void il_match_free(il_match *m);

/* Does any condition of m depend on the working directory (a cwd / cwd_not
 * condition, or a glob written from ${CWD})? */
bool il_match_uses_cwd(const il_match *m);
void il_rule_test_free(il_rule_test *t);

#endif
