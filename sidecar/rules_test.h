/*
 * rules_test.h — `[[test]]` tables in rule files, and building actions
 * from a short command-line description (for `rules explain`).
 *
 * A test's action owns its strings (they live as long as the policy). The
 * fixed variable values tests are loaded with are IL_TEST_HOME and
 * IL_TEST_WORKSPACE, so a rule set's tests give the same result on every
 * machine; a test action without `cwd` runs in IL_TEST_WORKSPACE.
 */
#ifndef INTERLOCK_RULES_TEST_H
#define INTERLOCK_RULES_TEST_H

#include "action.h"
#include "policy.h"

#define IL_TEST_HOME "/home/agent"
#define IL_TEST_WORKSPACE "/home/agent/project"

typedef struct il_rule_test {
	char *name;                /* `name`, or "test #N" */
	const char *file;
	int line;
	il_action action;
	il_decision expect;
	char *rule;                /* expected primary rule id, or NULL */
	char **rules;              /* ids that must all be among the matches */
	size_t nrules;
	void *storage;             /* owned strings behind `action` */
} il_rule_test;

size_t il_policy_test_count(const il_policy *p);
const il_rule_test *il_policy_test(const il_policy *p, size_t i);

/* Decide the test's action into *v and compare with its expectations.
 * Returns true on pass; on failure writes a one-line reason into msg. */
bool il_rule_test_run(const il_policy *p, const il_rule_test *t, il_verdict *v,
                      char *msg, size_t msglen);

/* An action built from strings, owning them. */
typedef struct {
	il_action a;
	char **bufs;               /* owned allocations */
	size_t nbufs, capbufs;
	const char **argv;         /* owned vector */
	const char **headers;      /* owned vector */
} il_owned_action;

/* Split an http(s) URL into a->scheme, host, port, url_path, query and a
 * canonical a->url. 0, or -1 with a message in err. */
int il_owned_action_set_url(il_owned_action *o, const char *url, char *err, size_t errlen);

/* "HOST:PORT", "[V6]:PORT" or "ADDR:PORT" into host/addr/port. 0 or -1. */
int il_owned_action_set_target(il_owned_action *o, const char *target, char *err, size_t errlen);

/* Keep `s` (copied) alive with the action; returns the copy or NULL. */
const char *il_owned_action_keep(il_owned_action *o, const char *s);

void il_owned_action_free(il_owned_action *o);

#endif
