/*
 * How a Windows command reaches the allow-list's proxy (proxy.h,
 * docs/network.md). A sandbox user whose firewall rules hold may reach
 * only the loopback ports setup allowed, so its proxy listens on the first
 * of those that is free and the firewall keeps every direct connection out
 * (WSB_PROT_NETWORK). The caller's own user under a restricted token has no
 * network enforcement on Windows: the proxy listens on an ephemeral port and
 * the proxy variables are advice (WSB_PROT_NETWORK_ADVISORY, and spawn
 * refuses unless WSB_PROT_NETWORK was accepted as missing, as for network
 * off).
 */
#include "proxy.h"
#include "elevated.h"
#include "core/envblock.h"
#include "core/plan.h"
#include "core/policy.h"

/* A sandbox user the firewall confines: the proxy must be on a port it
 * may reach. */
static int confined(const wsb__sandbox_account *acct)
{
	return acct && acct->user8 && !acct->online && acct->firewall;
}

int wsb__w32_allowlist_check(const struct wsb_policy *policy, const wsb__sandbox_account *acct)
{
	if (policy->network != WSB_NETWORK_ALLOWLIST)
		return WSB_OK;
	if (policy->relay_listen)
		return wsb__error(WSB_ECONFLICT, "a network allow-list and a loopback relay cannot be "
			"combined: the allow-list's proxy takes the loopback port the sandbox may reach");
	if (confined(acct) && acct->port_count == 0)
		return wsb__error(WSB_ENOTSETUP, "the network allow-list needs a loopback port that the "
			"offline user %s may reach, for its proxy; setup allowed none: run setup again "
			"(elevated) with a port in wsb_setup_options.loopback_ports", acct->user8);
	return WSB_OK;
}

int wsb__w32_allowlist_plan(struct wsb_plan *plan, const struct wsb_policy *policy,
	const wsb__sandbox_account *acct, unsigned int protections)
{
	wsb__buf where = WSB__BUF_INIT;
	size_t i;
	int rc;

	if (policy->network != WSB_NETWORK_ALLOWLIST)
		return WSB_OK;
	if (confined(acct)) {
		wsb__buf_printf(&where, "127.0.0.1 at the first free port of those setup allowed (");
		for (i = 0; i < acct->port_count; i++)
			wsb__buf_printf(&where, "%s%u", i ? ", " : "", (unsigned int)acct->ports[i]);
		wsb__buf_printf(&where, ")");
	} else {
		wsb__buf_printf(&where, "127.0.0.1 at an ephemeral port on the host");
	}
	if (where.oom)
		rc = wsb__error_nomem();
	else
		rc = wsb__plan_network_proxy(plan, policy, where.ptr);
	wsb__buf_dispose(&where);
	if (rc < 0)
		return rc;
	return wsb__plan_note(plan, (protections & WSB_PROT_NETWORK) ?
		"network allow-list: the command's only way out is the filtering proxy on the loopback "
		"port chosen at spawn (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY empty); the offline "
		"user's firewall refuses direct connections as with network off" :
		"network allow-list is advisory only: the proxy variables point at the filtering proxy "
		"(port chosen at spawn), but a program that ignores them reaches the network directly. "
		"Enforcement needs the elevated sandbox (WSB_IDENTITY_SANDBOX_USER) with its firewall "
		"rules intact");
}

int wsb__w32_allowlist_start(struct wsb_process *p, wsb__w32_decision *d,
	const struct wsb_policy *policy, const wsb__sandbox_account *acct)
{
	unsigned short port = 0;
	int rc;

	if (policy->network != WSB_NETWORK_ALLOWLIST)
		return WSB_OK;
	if ((rc = wsb__w32_allowlist_check(policy, acct)) != WSB_OK)
		return rc;
	if ((rc = wsb__w32_proxy_start(&p->proxy, &port, policy, confined(acct) ? acct->ports : NULL,
			confined(acct) ? acct->port_count : 0)) != WSB_OK)
		return rc;
	/* Windows names are case-insensitive: one spelling is enough. */
	return wsb__env_proxy_vars(&d->env_extra, policy, port, 0, 1);
}
