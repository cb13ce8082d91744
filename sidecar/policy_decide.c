/*
 * policy_decide.c — il_policy_decide(): try the rules of the action's kind
 * against it and fold every matching rule into the verdict. The strictest
 * decision wins (deny > approve > allow), higher risk breaks ties, then
 * the earlier rule; approve rules add their approvers, escalations, the
 * largest approvals count and the shortest timeout. No rule matched: the
 * policy's defaults. A malformed action is denied.
 *
 * Exec rules whose program patterns are all literal are found by binary
 * search on the program's basename; every other rule of the action's kind
 * is tried in turn, with the glob's literal prefix/suffix rejecting most
 * of them cheaply. Nothing is allocated: the action context lives on the
 * stack.
 */
#include "policy_actx.h"

#include <stdio.h>
#include <string.h>

static void format_why(const il_actx *x, char *out, size_t n)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < x->nwhy && o + 1 < n; i++) {
		const il_why_item *w = &x->why[i];
		int wr;
		if (w->subject && w->pattern)
			wr = snprintf(out + o, n - o, "%s%s \"%s\" ~ \"%s\"", i ? "; " : "", w->field,
			              w->subject, w->pattern);
		else if (w->pattern)
			wr = snprintf(out + o, n - o, "%s%s ~ \"%s\"", i ? "; " : "", w->field, w->pattern);
		else if (w->subject)
			wr = snprintf(out + o, n - o, "%s%s \"%s\"", i ? "; " : "", w->field, w->subject);
		else
			wr = snprintf(out + o, n - o, "%s%s (unknown: assumed to match)", i ? "; " : "",
			              w->field);
		if (wr < 0)
			break;
		o += (size_t)wr;
	}
	if (x->nwhy == 0)
		snprintf(out, n, "kind %s", il_kind_name(x->a->kind));
}

static int64_t rule_timeout(const il_policy *p, const il_rule *r)
{
	return r->timeout_ms > 0 ? r->timeout_ms : p->def_timeout_ms;
}

static void add_approvers(il_verdict *v, char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t k = 0; k < v->napprovers && !dup; k++)
			dup = strcmp(v->approvers[k], list[i]) == 0;
		if (!dup && v->napprovers < IL_MAX_VERDICT_APPROVERS)
			v->approvers[v->napprovers++] = list[i];
	}
}

static void record(const il_policy *p, const il_rule *r, il_actx *x, il_verdict *v)
{
	for (size_t i = 0; i < v->nmatched; i++)
		if (v->matched[i].rule == r)
			return;
	if (v->nmatched < IL_MAX_MATCHES) {
		il_rule_match *mm = &v->matched[v->nmatched++];
		mm->rule = r;
		format_why(x, mm->why, sizeof(mm->why));
	} else {
		v->truncated = true;
	}
	const il_rule *pr = v->primary;
	if (!pr || r->decision > pr->decision ||
	    (r->decision == pr->decision &&
	     (r->risk > pr->risk || (r->risk == pr->risk && r < pr)))) {
		v->primary = r;
		v->decision = r->decision;
		v->risk = r->risk;
	}
	if (r->decision != IL_ALLOW && !r->break_glass)
		v->break_glass_ok = false;
	if (r->decision == IL_APPROVE) {
		int64_t t = rule_timeout(p, r);
		if (v->timeout_ms == 0 || t < v->timeout_ms)
			v->timeout_ms = t;
		if (r->approvals > v->approvals)
			v->approvals = r->approvals;
		add_approvers(v, r->approvers, r->napprovers);
		for (size_t i = 0; i < r->nescalate && v->nescalate < IL_MAX_VERDICT_ESCALATE; i++)
			v->escalate[v->nescalate++] = r->escalate[i];
	}
}

static void try_rule(const il_policy *p, size_t idx, il_actx *x, il_verdict *v)
{
	const il_rule *r = &p->rules[idx];
	if (il_rule_matches(r, x))
		record(p, r, x, v);
}

/* Rules indexed under one literal program basename. */
static void try_name(const il_policy *p, const char *name, il_actx *x, il_verdict *v)
{
	if (!name)
		return;
	size_t lo = 0, hi = p->nexec_names;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(p->exec_names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < p->nexec_names && strcmp(p->exec_names[i].name, name) == 0; i++)
		try_rule(p, p->exec_names[i].rule, x, v);
}

void il_policy_decide(const il_policy *p, const il_action *a, il_verdict *out)
{
	memset(out, 0, offsetof(il_verdict, matched));
	out->nmatched = 0;
	out->truncated = false;
	out->timeout_ms = 0;
	out->approvals = 0;
	out->break_glass_ok = true;
	out->napprovers = 0;
	out->nescalate = 0;
	out->primary = NULL;
	if (!p || !a) {
		out->decision = IL_DENY;
		out->risk = IL_RISK_CRITICAL;
		return;
	}
	il_actx x;
	il_actx_prepare(&x, a);
	unsigned k = (unsigned)a->kind;
	if (k < 5) {
		for (size_t i = 0; i < p->nby_kind[k]; i++)
			try_rule(p, p->by_kind[k][i], &x, out);
		if (a->kind == IL_KIND_EXEC) {
			try_name(p, x.prog_base, &x, out);
			if (x.argv0_base && (!x.prog_base || strcmp(x.argv0_base, x.prog_base) != 0))
				try_name(p, x.argv0_base, &x, out);
		}
	}
	if (!out->primary) {
		out->decision = p->def_decision;
		out->risk = p->def_decision == IL_ALLOW ? IL_RISK_NONE : p->def_risk;
		if (out->decision == IL_APPROVE) {
			out->timeout_ms = p->def_timeout_ms;
			add_approvers(out, p->def_approvers, p->ndef_approvers);
		}
		if (a->kind == IL_KIND_NONE) {
			out->decision = IL_DENY;   /* fail closed on a malformed action */
			out->risk = IL_RISK_CRITICAL;
		}
	}
	if (out->decision != IL_APPROVE) {
		out->timeout_ms = 0;
		out->napprovers = 0;
		out->nescalate = 0;
	} else if (out->napprovers == 0) {
		add_approvers(out, p->def_approvers, p->ndef_approvers);
	}
	if (out->approvals == 0)
		out->approvals = 1;
	/* matches in rule-file order; escalations by time */
	for (size_t i = 1; i < out->nmatched; i++) {
		il_rule_match tmp = out->matched[i];
		size_t j = i;
		while (j > 0 && out->matched[j - 1].rule > tmp.rule) {
			out->matched[j] = out->matched[j - 1];
			j--;
		}
		out->matched[j] = tmp;
	}
	for (size_t i = 1; i < out->nescalate; i++) {
		il_escalation tmp = out->escalate[i];
		size_t j = i;
		while (j > 0 && out->escalate[j - 1].after_ms > tmp.after_ms) {
			out->escalate[j] = out->escalate[j - 1];
			j--;
		}
		out->escalate[j] = tmp;
	}
}
