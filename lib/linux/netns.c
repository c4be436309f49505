/*
 * Network off: a new network namespace. It holds only a loopback interface,
 * which is brought up so the command's own servers and clients still talk to
 * each other; nothing routes out. Abstract UNIX sockets are per network
 * namespace too. Pathname UNIX sockets are not: seccomp.c refuses to create
 * AF_UNIX sockets (socketpair() stays allowed) while the network is off.
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
		s->missing |= WSB_PROT_NETWORK;
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
