/*
 * The mechanism ladder: for each protection, the strongest mechanism this
 * machine offers, in the order of docs/linux-backend.md ("Mechanism
 * ladder"). The probes behind it (Landlock ABI, user namespaces, cgroups,
 * /proc children) are read once per process and cached by their modules;
 * this module decides the process tree without a PID namespace and names,
 * in the plan, the mechanism chosen for each protection and why the
 * stronger ones were not available.
 */
#include "linux.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int wsb__lx_proc_children_available(void)
{
	static int cached = -1;
	char path[64];
	int fd;

	if (cached >= 0)
		return cached;
	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cached = fd >= 0;
	if (fd >= 0)
		close(fd);
	return cached;
}

/* Without a PID namespace the command sees every process of the host; one
 * of its own uid outside the sandbox could be traced (ptrace, pidfd_getfd,
 * /proc/<pid>/mem) and made to do what the sandbox refuses. Landlock (any
 * ABI) refuses tracing outside the domain; so does Yama at scope 1 or more
 * (descendants only). Cached. */
int wsb__lx_ptrace_confined(void)
{
	static int yama = -2;
	char *text = NULL;
	size_t len;

	if (wsb__lx_landlock_abi() > 0)
		return 1;
	if (yama == -2) {
		yama = -1;
		if (wsb__backend_read_small_file(&text, &len, "/proc/sys/kernel/yama/ptrace_scope", 32) == WSB_OK) {
			yama = (int)strtol(text, NULL, 10);
			wsb__free(text);
		}
	}
	return yama >= 1;
}

/* Process tree without a PID namespace. The supervisor (the sandbox's
 * "init", an ordinary child of the caller here) becomes a sub-reaper, so
 * every orphan of the tree is re-parented to it rather than escaping to
 * the system's init; at the end it kills its children until none is left
 * (each killed child's orphans come back to it). That holds only if the
 * command cannot kill the supervisor, which shares its uid: a nested
 * Landlock domain scoped for signals (ABI 6) forbids it. Below ABI 6, or
 * without /proc/<pid>/task/<tid>/children, the protection is missing. A
 * cgroup of the tree's own (limits.c), killed by the caller at the end,
 * is added where one is writable; alone it is not enough below ABI 6,
 * since the command can kill the caller too. */
int wsb__lx_tree_decide(wsb__lx_setup *s, struct wsb_plan *plan)
{
	wsb__plan_step *st;
	int rc;

	if (s->use_pidns)
		return WSB_OK;
	if (wsb__lx_landlock_abi() < 6 || !wsb__lx_proc_children_available()) {
		s->missing |= WSB_PROT_PROCESS_TREE;
		return WSB_OK;
	}
	s->tree_by_subreaper = 1;
	s->protections |= WSB_PROT_PROCESS_TREE;
	if ((rc = wsb__lx_add(plan, &st, "process", "set", "subreaper")) < 0)
		return rc;
	return wsb__lx_set(st, "value", "the supervisor is a sub-reaper; at the end it kills "
		"its children until none is left; the command cannot signal it (Landlock signal scope)");
}

static const char *userns_why(void)
{
	return "user namespaces are unavailable (user.max_user_namespaces, "
		"kernel.unprivileged_userns_clone, AppArmor or a container's seccomp profile)";
}

static int rec(struct wsb_plan *plan, unsigned int bit, const char *mech, const char *why)
{
	return wsb__plan_mechanism(plan, bit, mech, why);
}

static int limit_rec(struct wsb_plan *plan, const wsb__lx_setup *s, unsigned int bit,
	const char *by)
{
	int leave = bit == WSB_PROT_LIMIT_MEMORY ? s->limits.memory_leavable :
		bit == WSB_PROT_LIMIT_PROCESSES ? s->limits.processes_leavable : 0;

	if (by && leave)
		return rec(plan, bit, !strcmp(by, "cgroup-v2") ?
			"missing (a cgroup v2 is applied, but the command could move itself out of it)" :
			"missing (a cgroup v1 is applied, but the command could move itself out of it)",
			"no Landlock, or a writable root overlaps the cgroup file system: nothing "
			"refuses the command a write to a cgroup.procs");
	if (!by || (s->missing & bit))
		return rec(plan, bit, !by || strcmp(by, "rlimit") ? "missing" :
			bit == WSB_PROT_LIMIT_MEMORY ? "missing (RLIMIT_AS is applied: each process, not the tree)" :
			"missing (RLIMIT_NPROC is applied: it counts every process of the user without a "
			"user namespace, and does not bind uid 0)",
			"no writable cgroup (v2 delegated subtree or v1) with the controller");
	if (!strcmp(by, "cgroup-v2"))
		return rec(plan, bit, "cgroup-v2", NULL);
	if (!strcmp(by, "cgroup-v1"))
		return rec(plan, bit, "cgroup-v1",
			"no writable, delegated cgroup v2 subtree with the controller");
	return rec(plan, bit, bit == WSB_PROT_LIMIT_CPU ? "rlimit (RLIMIT_CPU, each process)" :
		"rlimit (RLIMIT_NPROC in the sandbox's user namespace)",
		bit == WSB_PROT_LIMIT_CPU ? NULL : "no writable cgroup (v2 or v1) with the controller");
}

int wsb__lx_ladder_record(struct wsb_plan *plan, const wsb__lx_setup *s,
	const struct wsb_policy *policy)
{
	int abi = wsb__lx_landlock_abi(), rc;
	int workspace = policy->mode == WSB_MODE_WORKSPACE_WRITE;
	int confine = policy->mode != WSB_MODE_FULL_ACCESS;
	const char *cgroup;
	char why[256];

	if (!plan)
		return WSB_OK;
	if (confine) {
		if (abi == 0)
			rc = rec(plan, WSB_PROT_FS_WRITE, "missing", "Landlock is not available");
		else if (abi < 3)
			rc = rec(plan, WSB_PROT_FS_WRITE, "missing (Landlock below ABI 3 applied, incomplete)",
				"Landlock ABI 3 (truncate) is not available");
		else
			rc = rec(plan, WSB_PROT_FS_WRITE, s->use_mountns ? "landlock" :
				"landlock (no private /tmp: the host's /tmp and /dev/shm are writable)",
				s->use_mountns ? NULL : userns_why());
		if (rc < 0)
			return rc;
	}
	if (workspace && (rc = rec(plan, WSB_PROT_FS_PROTECTED,
			s->use_mountns ? "mount-namespace (read-only bind mounts)" : "missing",
			s->use_mountns ? NULL : "no mount namespace, and Landlock cannot express a "
			"read-only hole in a writable root (its rules only add rights to whole "
			"hierarchies)")) < 0)
		return rc;
	if (confine && policy->deny_read.count && (rc = rec(plan, WSB_PROT_FS_DENY_READ,
			s->use_mountns ? "mount-namespace (empty mounts)" : s->deny_read_by_landlock ?
			"landlock (read granted around the deny-read paths; their names stay listable, "
			"entries created later beside them are unreadable)" : "missing",
			s->use_mountns ? NULL : s->deny_read_by_landlock ? "no mount namespace" :
			abi == 0 ? "no mount namespace, no Landlock" :
			"no mount namespace, and a deny-read path overlaps a path Landlock grants every "
			"right to (writable root, temp directory, device)")) < 0)
		return rc;
	if (policy->network == WSB_NETWORK_OFF) {
		if (s->use_netns)
			rc = rec(plan, WSB_PROT_NETWORK, "network-namespace", NULL);
		else if (s->net_by_seccomp) {
			snprintf(why, sizeof(why), "%s; socketpair() stays open (no peer outside the "
				"tree)%s%s", userns_why(),
				abi >= 4 ? "" : "; Landlock TCP rules need ABI 4",
				abi >= 6 ? "" : "; abstract-socket scoping needs ABI 6");
			rc = rec(plan, WSB_PROT_NETWORK, abi >= 4 ?
				"seccomp (socket() refused for every family) + landlock-tcp" :
				"seccomp (socket() refused for every family)", why);
		} else
			rc = rec(plan, WSB_PROT_NETWORK, "missing", policy->relay_listen ?
				"no network namespace, and a loopback relay needs AF_INET sockets" :
				"no network namespace, and neither Landlock nor Yama keeps the command from "
				"tracing a process of the same user outside the sandbox");
		if (rc < 0)
			return rc;
	} else if (policy->network == WSB_NETWORK_ALLOWLIST) {
		if ((rc = rec(plan, WSB_PROT_NETWORK, s->use_netns ?
				"network-namespace + filtering proxy" : "missing",
				s->use_netns ? NULL : "no network namespace, and the command would need "
				"AF_INET sockets to reach the proxy")) < 0)
			return rc;
	}
	cgroup = s->limits.tree_by && !s->limits.tree_leavable ? s->limits.tree_by : NULL;
	if (s->use_pidns) {
		rc = rec(plan, WSB_PROT_PROCESS_TREE, "pid-namespace", NULL);
	} else if (s->tree_by_subreaper) {
		snprintf(why, sizeof(why), "subreaper + session + landlock-signal-scope%s%s",
			cgroup ? " + kill of its own " : "", cgroup ? cgroup : "");
		rc = rec(plan, WSB_PROT_PROCESS_TREE, why, userns_why());
	} else if (cgroup && abi < 6) {
		/* The cgroup holds every descendant, and its kill at the end does not
		 * depend on the supervisor; but it depends on the caller, which
		 * the command can signal below ABI 6 (docs/linux-backend.md). */
		snprintf(why, sizeof(why), "missing (the kill of its own %s is applied: daemons, a "
			"killed supervisor and timeouts are contained while the caller lives)", cgroup);
		rc = rec(plan, WSB_PROT_PROCESS_TREE, why, "no PID namespace, and below Landlock ABI 6 "
			"the command can signal its supervisor and its caller (same uid): once both are "
			"dead, nothing kills the cgroup");
	} else {
		rc = rec(plan, WSB_PROT_PROCESS_TREE, "missing", abi < 6 ?
			"no PID namespace, no cgroup of its own that the command cannot leave, and "
			"without Landlock ABI 6 the command could kill its supervisor" :
			"no PID namespace, and /proc/<pid>/task/<tid>/children is unreadable");
	}
	if (rc < 0)
		return rc;
	if (policy->limits[WSB_LIMIT_MEMORY] &&
	    (rc = limit_rec(plan, s, WSB_PROT_LIMIT_MEMORY, s->limits.memory_by)) < 0)
		return rc;
	if (policy->limits[WSB_LIMIT_PROCESSES] &&
	    (rc = limit_rec(plan, s, WSB_PROT_LIMIT_PROCESSES, s->limits.processes_by)) < 0)
		return rc;
	if (policy->limits[WSB_LIMIT_CPU_TIME] &&
	    (rc = limit_rec(plan, s, WSB_PROT_LIMIT_CPU, s->limits.cpu_by)) < 0)
		return rc;
	if ((rc = rec(plan, WSB_PROT_NO_NEW_PRIVS, "prctl(PR_SET_NO_NEW_PRIVS)", NULL)) < 0)
		return rc;
	return rec(plan, WSB_PROT_SYSCALL_FILTER, "seccomp-bpf", NULL);
}
