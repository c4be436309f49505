/*
 * Network off: a new network namespace. It holds only a loopback interface,
 * which is brought up so the command's own servers and clients still talk to
 * each other; nothing routes out. Abstract UNIX sockets are per network
 * namespace too. Pathname UNIX sockets are not: seccomp.c refuses to create
 * AF_UNIX sockets (socketpair() stays allowed) while the network is off.
 *
 * Without a network namespace (no user namespaces) the network is still
 * off: seccomp.c refuses socket() for every family, so the command can
 * create no socket but a socketpair(); Landlock (ABI 4) refuses TCP bind
 * and connect as a second layer. A loopback relay needs an AF_INET socket
 * in the command, so with one the network stays missing there; so it does
 * when nothing keeps the command from tracing the user's other processes
 * (no Landlock, no Yama), which could connect for it.
 */
#include "linux.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int wsb__lx_netns_decide(wsb__lx_setup *s, struct wsb_plan *plan,
	const struct wsb_policy *policy)
{
	wsb__plan_step *step;
	int rc;

	s->net_off = policy->network != WSB_NETWORK_ON;
	if (!s->net_off)
		return WSB__LX_NOTE(plan, "network on: the host's network namespace is used");
	if (!s->use_netns) {
		if (policy->network == WSB_NETWORK_ALLOWLIST) {
			s->missing |= WSB_PROT_NETWORK;
			return WSB__LX_NOTE(plan, "a network allow-list without a network namespace "
				"cannot hold: the command would need AF_INET sockets to reach the proxy, "
				"and Landlock filters TCP by port, not by address");
		}
		if (policy->relay_listen) {
			s->missing |= WSB_PROT_NETWORK;
			return WSB__LX_NOTE(plan, "network off without a network namespace cannot keep a "
				"loopback relay: the command would need AF_INET sockets, and Landlock "
				"filters TCP by port, not by address");
		}
		if (!wsb__lx_ptrace_confined()) {
			s->missing |= WSB_PROT_NETWORK;
			return WSB__LX_NOTE(plan, "network off without a network namespace needs Landlock "
				"or Yama: else the command could trace a process of the same user outside "
				"the sandbox and use its network");
		}
		s->net_by_seccomp = 1;
		s->protections |= WSB_PROT_NETWORK;
		return WSB_OK;
	}
	if ((rc = wsb__lx_add(plan, &step, "namespace", "add", "network")) < 0)
		return rc;
	if ((rc = wsb__lx_set(step, "interfaces", "lo (up)")) < 0)
		return rc;
	s->protections |= WSB_PROT_NETWORK;
	return WSB_OK;
}

/* Child side. */
int wsb__lx_netns_apply(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = errno;
	} else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = errno;
	}
	close(fd);
	return err;
}
