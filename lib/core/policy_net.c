/*
 * The policy's network allow-list rules (docs/network.md): host names,
 * wildcard subdomains and address ranges, parsed and canonicalized by
 * hostpat.c before they are stored, so a failed call leaves the policy
 * unchanged.
 */
#include "policy.h"

#include <stdio.h>
#include <string.h>

static int add_rule(wsb_policy *policy, const char *pattern, int address, int deny,
	const char *fn)
{
	wsb__hostpat rule;
	size_t i;
	int rc;

	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	if (pattern == NULL)
		return wsb__error_null(fn, "pattern");
	if ((rc = wsb__hostpat_parse(&rule, pattern, address, deny)) < 0) {
		char why[256];

		if (rc == WSB_ENOMEM)
			return rc;
		/* Copy first: the reason lives in the buffer the new error reuses. */
		snprintf(why, sizeof(why), "%s", wsb_error_message(NULL));
		return wsb__error(rc, "%s: invalid pattern '%.200s': %s", fn, pattern, why);
	}
	rc = WSB_OK;
	for (i = 0; i < policy->net_rule_count && rc == WSB_OK; i++)
		if (policy->net_rules[i].deny == deny && strcmp(policy->net_rules[i].text, rule.text) == 0)
			rc = wsb__error(WSB_EEXIST, "%s: '%s' is already a rule", fn, rule.text);
	if (rc == WSB_OK && policy->net_rule_count >= WSB_MAX_ROOTS)
		rc = wsb__error(WSB_ERANGE, "%s: more than %d network rules", fn, WSB_MAX_ROOTS);
	if (rc == WSB_OK)
		rc = wsb__array_reserve(&policy->net_rules, &policy->net_rule_cap,
			policy->net_rule_count, sizeof(rule), 8);
	if (rc < 0) {
		wsb__hostpat_dispose(&rule);
		return rc;
	}
	policy->net_rules[policy->net_rule_count++] = rule;
	return WSB_OK;
}

int wsb_policy_allow_host(wsb_policy *policy, const char *pattern)
{
	return add_rule(policy, pattern, 0, 0, "wsb_policy_allow_host");
}

int wsb_policy_deny_host(wsb_policy *policy, const char *pattern)
{
	return add_rule(policy, pattern, 0, 1, "wsb_policy_deny_host");
}

int wsb_policy_set_network_callback(wsb_policy *policy, wsb_network_event_fn fn, void *ctx)
{
	if (policy == NULL)
		return wsb__error_null("wsb_policy_set_network_callback", "policy");
	policy->net_callback = fn;
	policy->net_callback_ctx = fn ? ctx : NULL;
	return WSB_OK;
}

int wsb_policy_allow_address(wsb_policy *policy, const char *pattern)
{
	return add_rule(policy, pattern, 1, 0, "wsb_policy_allow_address");
}
