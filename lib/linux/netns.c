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
 *
 * Reuse: making a network namespace (its sysctl tables, the loopback
 * device) is the most expensive step of a spawn and holds nothing of one
 * command once every process of it is gone. So one empty namespace, with
 * loopback up, is made per policy (keyed by the policy's content and the
 * caller's ids) and entered by every command under that policy with setns
 * (spawn.c); each command still gets its own user, mount and PID
 * namespaces. A namespace is lent to one command at a time, until its init
 * is reaped (then no process of it is left, so no socket either): a command
 * that starts while another of the same policy runs makes its own, as
 * without reuse, so commands never meet on a shared loopback. Commands
 * under different policies never share one. A namespace belongs to a user namespace, and only a process
 * with CAP_SYS_ADMIN there may enter it: it is made inside a user
 * namespace of its own that maps the caller's uid and gid to themselves,
 * which the command's init enters first and nests its own user namespace
 * in (the same uid_map text then holds, one level down).
 */
#include "linux.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* ---- the warm namespace ---- */

int wsb__lx_no_reuse;

/* The last few policies spawned under, each with its namespaces, made at
 * the second spawn under the policy: a program that spawns once (wsb-run)
 * goes the cold way and pays nothing for a namespace it would not reuse.
 * An entry evicted is closed; the spawn holds duplicates of the descriptors
 * until its clone, so eviction never pulls one from under it. */
#define WARM_MAX 8
static struct warm {
	char *key;  /* the policy's JSON; NULL: free slot */
	uid_t uid;
	gid_t gid;
	int user_fd, net_fd;  /* -1: seen once, not made yet */
	unsigned long used;
	unsigned long lent;   /* the token of the command in it; 0: free */
	wsb__lx_initd initd;  /* its init server (initd.c), pid -1: none */
	int initd_tried;      /* started once (a server that failed is not restarted) */
} warm[WARM_MAX];
static unsigned long warm_clock, warm_tokens;
/* The process the servers are children of: after a fork the child's
 * copies of the table name its parent's servers, which would make inits
 * the parent's children; it forgets them and starts its own. */
static pid_t warm_owner;
static int warm_broken;
static pthread_mutex_t warm_lock = PTHREAD_MUTEX_INITIALIZER;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;
	size_t n = strlen(text);

	if (fd < 0)
		return errno == ENOENT && strstr(path, "setgroups") ? 0 : -1;
	ok = write(fd, text, n) == (ssize_t)n;
	close(fd);
	return ok ? 0 : -1;
}

/* A child in new user and network namespaces maps its ids, brings loopback
 * up and stays until its parent has opened both namespaces. */
static int make_warm(struct warm *w, const wsb__lx_setup *s)
{
	int ready[2] = { -1, -1 }, hold[2] = { -1, -1 }, st, rc = -1;
	char path[64], ok = 0;
	pid_t pid;

	w->user_fd = w->net_fd = -1;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(hold, O_CLOEXEC) < 0)
		goto out;
	pid = (pid_t)syscall(__NR_clone, CLONE_NEWUSER | CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		char c = 1;
		close(ready[0]);
		close(hold[1]);
		/* A caller that changed uid is not dumpable, which makes its
		 * /proc/<pid> files root's: ours must be writable and openable. */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		if (write_file("/proc/self/setgroups", "deny") < 0 ||
		    write_file("/proc/self/uid_map", s->uid_map) < 0 ||
		    write_file("/proc/self/gid_map", s->gid_map) < 0 ||
		    wsb__lx_netns_apply() != 0)
			_exit(1);
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	if (pid < 0)
		goto out;
	close(ready[1]);
	ready[1] = -1;
	close(hold[0]);
	hold[0] = -1;
	while (read(ready[0], &ok, 1) < 0 && errno == EINTR)
		;
	if (ok) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/user", (long)pid);
		w->user_fd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
		w->net_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (w->user_fd >= 0 && w->net_fd >= 0) {
			w->uid = s->uid;
			w->gid = s->gid;
			rc = 0;
		}
	}
	close(hold[1]);
	hold[1] = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
out:
	if (rc < 0) {
		if (w->user_fd >= 0)
			close(w->user_fd);
		if (w->net_fd >= 0)
			close(w->net_fd);
		w->user_fd = w->net_fd = -1;
	}
	if (ready[0] >= 0)
		close(ready[0]);
	if (ready[1] >= 0)
		close(ready[1]);
	if (hold[0] >= 0)
		close(hold[0]);
	if (hold[1] >= 0)
		close(hold[1]);
	return rc;
}

static void warm_drop(struct warm *w)
{
	if (w->key)
		wsb__lx_initd_stop(&w->initd, 0);
	if (w->user_fd >= 0)
		close(w->user_fd);
	if (w->net_fd >= 0)
		close(w->net_fd);
	wsb__free(w->key);
	memset(w, 0, sizeof(*w));
}

int wsb__lx_netns_warm(int *out_user_fd, int *out_net_fd, int *out_initd_fd,
	unsigned long *out_token, const wsb__lx_setup *s, const struct wsb_policy *policy, int netns)
{
	struct warm *w = NULL;
	char *key = NULL;
	int i, rc = -1, saved = errno;

	*out_user_fd = *out_net_fd = -1;
	if (out_initd_fd)
		*out_initd_fd = -1;
	*out_token = 0;
	/* without a namespace to reuse, only a server is worth keeping */
	if (wsb__lx_no_reuse || (!netns && !out_initd_fd) || wsb__policy_json_string(&key, policy) < 0)
		goto done;
	pthread_mutex_lock(&warm_lock);
	if (warm_owner != getpid()) {
		for (i = 0; i < WARM_MAX; i++) {
			if (warm[i].key && warm[i].initd.sock >= 0)
				close(warm[i].initd.sock);   /* our copy; not our child */
			warm[i].initd.sock = warm[i].initd.pid = -1;
			warm[i].initd_tried = 0;         /* it may start its own */
		}
		warm_owner = getpid();
	}
	for (i = 0; i < WARM_MAX && !w; i++)
		if (warm[i].key && warm[i].uid == s->uid && warm[i].gid == s->gid &&
		    strcmp(warm[i].key, key) == 0)
			w = &warm[i];
	if (!w && (!warm_broken || !netns)) {
		/* First sight: a free slot, else the least recently used one,
		 * holds the key; this spawn goes the cold way. */
		w = &warm[0];
		for (i = 0; i < WARM_MAX && w->key; i++)
			if (!warm[i].key || warm[i].used < w->used)
				w = &warm[i];
		if (w->key)
			warm_drop(w);
		w->key = key;
		key = NULL;
		w->uid = s->uid;
		w->gid = s->gid;
		w->user_fd = w->net_fd = -1;
		w->initd.pid = w->initd.sock = -1;
		w->used = ++warm_clock;
		w = NULL;
	} else if (w && ((warm_broken && netns) || w->lent)) {
		/* once it failed, every spawn goes the cold way; and one lent
		 * to a running command is not lent again */
		w = NULL;
	} else if (w && netns && w->net_fd < 0 && make_warm(w, s) < 0) {
		/* make_warm closed what it opened; the key stays, unmade */
		warm_broken = 1;
		w = NULL;
	}
	if (w) {
		w->used = ++warm_clock;
		if (netns) {
			*out_user_fd = fcntl(w->user_fd, F_DUPFD_CLOEXEC, 3);
			*out_net_fd = fcntl(w->net_fd, F_DUPFD_CLOEXEC, 3);
		}
		if (!netns || (*out_user_fd >= 0 && *out_net_fd >= 0)) {
			w->lent = *out_token = ++warm_tokens;
			if (out_initd_fd && !w->initd_tried) {
				/* without one, its spawns go the in-process way */
				w->initd_tried = 1;
				wsb__lx_initd_start(&w->initd, w->user_fd, w->net_fd);
			}
			if (out_initd_fd)
				*out_initd_fd = wsb__lx_initd_dup(&w->initd);
			rc = 0;
			if (!netns && *out_initd_fd < 0) {
				w->lent = *out_token = 0;
				rc = -1;
			}
		} else {
			if (*out_user_fd >= 0)
				close(*out_user_fd);
			if (*out_net_fd >= 0)
				close(*out_net_fd);
			*out_user_fd = *out_net_fd = -1;
		}
	}
	pthread_mutex_unlock(&warm_lock);
done:
	wsb__free(key);
	errno = saved;
	return rc;
}

/* The entry lent with token (locked), or NULL: its slot was evicted and
 * holds another policy now. */
static struct warm *lent_to(unsigned long token)
{
	int i;

	for (i = 0; token && i < WARM_MAX; i++)
		if (warm[i].key && warm[i].lent == token)
			return &warm[i];
	return NULL;
}

void wsb__lx_netns_warm_return(unsigned long token)
{
	struct warm *w;

	pthread_mutex_lock(&warm_lock);
	if ((w = lent_to(token)) != NULL)
		w->lent = 0;
	pthread_mutex_unlock(&warm_lock);
}

void wsb__lx_netns_warm_release(void)
{
	int i;

	pthread_mutex_lock(&warm_lock);
	for (i = 0; i < WARM_MAX; i++) {
		if (!warm[i].key)
			continue;
		if (warm_owner == getpid())
			wsb__lx_initd_stop(&warm[i].initd, 1);
		warm[i].initd.pid = -1;   /* a forked child's copy: not its child */
		warm_drop(&warm[i]);
	}
	pthread_mutex_unlock(&warm_lock);
}

void wsb__lx_netns_warm_initd_failed(unsigned long token)
{
	struct warm *w;

	pthread_mutex_lock(&warm_lock);
	if ((w = lent_to(token)) != NULL)
		wsb__lx_initd_stop(&w->initd, 0);
	pthread_mutex_unlock(&warm_lock);
}

void wsb__lx_netns_warm_broken(void)
{
	pthread_mutex_lock(&warm_lock);
	warm_broken = 1;
	pthread_mutex_unlock(&warm_lock);
}
