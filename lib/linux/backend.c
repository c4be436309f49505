/*
 * The Linux backend (lib/backend.h): decide, then act, then process.
 *  decide: read what the kernel offers (Landlock ABI, user namespaces,
 *          cgroups) and fill the plan and a wsb__lx_setup with every
 *          namespace, mount, Landlock rule, seccomp rule and limit;
 *  act:    spawn.c clones the child that applies them to itself;
 *  process: process.c.
 * Nothing outlives the process on Linux (no ACLs, no journal): revert has
 * nothing to undo.
 */
#include "linux.h"
#include "proxy.h"
#include "core/envblock.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *const wsb__backend_name = "linux";

wsb_u64 wsb__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (wsb_u64)ts.tv_sec * 1000u + (wsb_u64)ts.tv_nsec / 1000000u;
}

int wsb__backend_default_state_dir(char **out)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	wsb__buf b = WSB__BUF_INIT;

	*out = NULL;
	if (xdg && xdg[0] == '/') {
		wsb__buf_puts(&b, xdg);
		wsb__buf_puts(&b, "/wsandbox");
	} else {
		if (!home || home[0] != '/') {
			struct passwd *pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home || home[0] != '/')
			return wsb__error(WSB_ENOENT,
				"no state directory: neither XDG_STATE_HOME nor a home directory is set");
		wsb__buf_puts(&b, home);
		wsb__buf_puts(&b, "/.local/state/wsandbox");
	}
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

int wsb__backend_identity_check(const struct wsb_identity *identity)
{
	if (identity && identity->kind != WSB_IDENTITY_CURRENT_USER)
		return wsb__error(WSB_ENOTSUP,
			"sandbox users exist only on Windows; on Linux use the current user");
	return WSB_OK;
}

int wsb__backend_read_small_file(char **out, size_t *out_len, const char *path, size_t max)
{
	wsb__buf b = WSB__BUF_INIT;
	int fd, err;
	struct stat lst, st;

	*out = NULL;
	*out_len = 0;
	/* The file (a ".git" in a root) may have been planted by a sandboxed
	 * command, and we read it in the caller's context: a symlink is not
	 * followed, and anything but a regular file is not even opened (a
	 * FIFO could block, a device's open could act). lstat first; then
	 * O_NOFOLLOW | O_NONBLOCK and the same inode, in case it was swapped. */
	if (lstat(path, &lst) < 0) {
		err = errno;
		if (err == ENOENT || err == ENOTDIR)
			return WSB_ENOENT;
		return wsb__error_os(WSB_EOS, err, "cannot open %s: %s", path, strerror(err));
	}
	if (!S_ISREG(lst.st_mode))
		return WSB_ENOENT; /* not a regular file: nothing to read as one */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT || err == ENOTDIR || err == ELOOP)
			return WSB_ENOENT;
		return wsb__error_os(WSB_EOS, err, "cannot open %s: %s", path, strerror(err));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		close(fd);
		return WSB_ENOENT;
	}
	if (wsb__buf_grow(&b, 0) < 0) {
		close(fd);
		return WSB_ENOMEM;
	}
	b.ptr[0] = '\0';
	while (b.size < max) {
		size_t want = max - b.size < 4096 ? max - b.size : 4096;
		ssize_t n;
		if (wsb__buf_grow(&b, want) < 0) {
			close(fd);
			wsb__buf_dispose(&b);
			return WSB_ENOMEM;
		}
		n = read(fd, b.ptr + b.size, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			close(fd);
			wsb__buf_dispose(&b);
			return wsb__error_os(WSB_EOS, err, "cannot read %s: %s", path, strerror(err));
		}
		if (n == 0)
			break;
		b.size += (size_t)n;
		b.ptr[b.size] = '\0';
	}
	close(fd);
	*out_len = b.size;
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

/* Read once per effective uid: the sysctls rarely change, and if they do,
 * clone() still refuses and the spawn fails closed. */
int wsb__lx_userns_available(void)
{
	static int cached = -1;
	static uid_t cached_euid;
	char *text = NULL;
	size_t len;
	int ok = 1;

	if (wsb__lx_fake_missing & WSB__LX_FAKE_NO_USERNS)
		return 0;
	if (cached >= 0 && cached_euid == geteuid())
		return cached;
	if (wsb__backend_read_small_file(&text, &len, "/proc/sys/user/max_user_namespaces", 32) == WSB_OK) {
		ok = strtol(text, NULL, 10) > 0;
		wsb__free(text);
	}
	if (ok && geteuid() != 0 &&
	    wsb__backend_read_small_file(&text, &len, "/proc/sys/kernel/unprivileged_userns_clone", 32) == WSB_OK) {
		ok = strtol(text, NULL, 10) > 0;
		wsb__free(text);
	}
	cached_euid = geteuid();
	cached = ok;
	return ok;
}

void wsb__lx_setup_free(wsb__lx_setup *s)
{
	if (!s)
		return;
	wsb__lx_landlock_dispose(&s->landlock);
	wsb__lx_mounts_dispose(&s->mounts);
	wsb__lx_limits_dispose(&s->limits);
	wsb__lx_seccomp_dispose(&s->seccomp);
	wsb__free(s);
}

static void setup_free_cb(void *p)
{
	wsb__lx_setup_free(p);
}

static int ns_step(struct wsb_plan *plan, const char *ns, const char *detail)
{
	wsb__plan_step *st;
	int rc;

	if ((rc = wsb__lx_add(plan, &st, "namespace", "add", ns)) < 0)
		return rc;
	return detail ? wsb__lx_set(st, "detail", detail) : WSB_OK;
}

/* WSB_NETWORK_ALLOWLIST (docs/network.md): the command keeps the network
 * namespace of network off, and the listener init makes there (as for the
 * relay) is served by the filtering proxy (proxy.c) directly, from spawn
 * on. With no namespace WSB_PROT_NETWORK is missing (netns.c: seccomp's
 * refusal of socket() would cut the proxy off too), so spawning fails
 * closed unless the caller accepted that; then the network is the host's
 * and the proxy variables point straight at the proxy, only advice. */
static int allowlist_decide(wsb__lx_setup *s, struct wsb_plan *plan, const struct wsb_policy *policy)
{
	int rc;

	if (policy->relay_listen)
		return wsb__error(WSB_ECONFLICT, "a network allow-list and a loopback relay cannot be "
			"combined: the allow-list's proxy serves the one listener in the command's network "
			"namespace");
	s->allowlist = 1;
	if (s->use_netns && s->net_off) {
		s->relay_listen = WSB__LX_PROXY_PORT;
		s->relay_in_netns = 1;
	}
	if (!plan)
		return WSB_OK;
	if ((rc = wsb__plan_network_proxy(plan, policy, s->relay_in_netns ?
			"127.0.0.1:3128 in the sandbox's network namespace" : "127.0.0.1 on the host")) < 0)
		return rc;
	return wsb__plan_note(plan, s->relay_in_netns ?
		"network allow-list: the command's only way out is the filtering proxy, reached at "
		"127.0.0.1:3128 in its network namespace (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY); "
		"direct connections are refused as with network off" :
		"network allow-list: no network namespace, so the proxy variables are only advice");
}

/* The loopback relay (relay.c, docs/relay.md): with a network namespace
 * its listener lives there, made by init, and the command reaches the
 * host's target port through it and nothing else of the host's network, so
 * WSB_PROT_NETWORK stays in force; without one it is bound on the host. */
static int relay_decide(wsb__lx_setup *s, struct wsb_plan *plan, const struct wsb_policy *policy)
{
	wsb__strvec env = WSB__STRVEC_INIT;
	wsb__plan_step *st;
	size_t i;
	int rc;

	if (policy->network == WSB_NETWORK_ALLOWLIST)
		return allowlist_decide(s, plan, policy);
	if (!policy->relay_listen)
		return WSB_OK;
	s->relay_listen = policy->relay_listen;
	s->relay_target = policy->relay_target;
	s->relay_in_netns = s->use_netns && s->net_off;
	if (!plan)
		return WSB_OK;
	if ((rc = wsb__plan_loopback_relay(plan, policy)) < 0)
		return rc;
	st = &plan->steps[plan->step_count - 1];
	if ((rc = wsb__plan_set(st, "listener", s->relay_in_netns ?
			"the sandbox's network namespace (made by its init, served by the caller)" :
			"the host's loopback, shared by the caller's processes")) < 0)
		return rc;
	if ((rc = wsb__env_relay_proxies(&env, policy, 1)) < 0)
		goto out;
	for (i = 0; i < env.count; i++) {
		char *eq = strchr(env.items[i], '=');
		*eq = '\0';
		if ((rc = wsb__plan_add(plan, &st, "env", "set", env.items[i])) < 0 ||
		    (rc = wsb__plan_set(st, "value", eq + 1)) < 0)
			goto out;
	}
	rc = s->relay_in_netns ?
		wsb__plan_note(plan, "loopback relay: the command can reach the host's 127.0.0.1:%u through "
			"127.0.0.1:%u in its network namespace; the rest of the host's network stays out of reach",
			(unsigned int)s->relay_target, (unsigned int)s->relay_listen) :
		wsb__plan_note(plan, "loopback relay: 127.0.0.1:%u on the host forwards to 127.0.0.1:%u",
			(unsigned int)s->relay_listen, (unsigned int)s->relay_target);
out:
	wsb__strvec_dispose(&env);
	return rc;
}

/* decide: fill a setup (and, when plan is not NULL, its steps). */
static int decide(wsb__lx_setup **out, struct wsb_plan *plan, const struct wsb_policy *policy)
{
	wsb__lx_setup *s;
	wsb__plan_step *st;
	int rc;

	*out = NULL;
	s = wsb__calloc(1, sizeof(*s));
	if (!s)
		return wsb__error_nomem();
	s->uid = geteuid();
	s->gid = getegid();
	snprintf(s->uid_map, sizeof(s->uid_map), "%lu %lu 1\n", (unsigned long)s->uid, (unsigned long)s->uid);
	snprintf(s->gid_map, sizeof(s->gid_map), "%lu %lu 1\n", (unsigned long)s->gid, (unsigned long)s->gid);
	s->use_userns = wsb__lx_userns_available();
	s->use_mountns = s->use_pidns = s->use_netns = s->use_userns;

	if (s->use_userns) {
		if ((rc = ns_step(plan, "user", s->uid == 0 ?
				"uid 0 mapped to itself, with every capability dropped before exec" :
				"the caller's uid and gid mapped to themselves")) < 0)
			goto fail;
		if ((rc = ns_step(plan, "mount", "private; propagation to the host cut (slave)")) < 0 ||
		    (rc = ns_step(plan, "pid", "the sandbox's init is PID 1; its exit kills the tree")) < 0)
			goto fail;
		s->protections |= WSB_PROT_PROCESS_TREE;
	} else {
		if ((rc = WSB__LX_NOTE(plan, "user namespaces are unavailable: no mount, PID or network "
				"namespace; each protection uses the strongest mechanism left (see \"mechanisms\")")) < 0 ||
		    (rc = wsb__lx_tree_decide(s, plan)) < 0)
			goto fail;
	}
	if ((rc = wsb__lx_netns_decide(s, plan, policy)) < 0 ||
	    (rc = wsb__lx_mounts_decide(s, plan, policy)) < 0 ||
	    (rc = wsb__lx_landlock_decide(s, plan, policy)) < 0 ||
	    (rc = wsb__lx_limits_decide(s, plan, policy)) < 0 ||
	    (rc = wsb__lx_seccomp_decide(s, plan, policy)) < 0 ||
	    (rc = relay_decide(s, plan, policy)) < 0)
		goto fail;
	if ((rc = wsb__lx_add(plan, &st, "process", "set", "no_new_privs")) < 0)
		goto fail;
	s->protections |= WSB_PROT_NO_NEW_PRIVS;
	if ((rc = wsb__lx_add(plan, &st, "process", "set", "capabilities")) < 0 ||
	    (rc = wsb__lx_set(st, "value", "none (securebits NOROOT, ambient, effective, permitted cleared)")) < 0 ||
	    (rc = wsb__lx_add(plan, &st, "process", "set", "session")) < 0 ||
	    (rc = wsb__lx_set(st, "value", "new session, no controlling terminal")) < 0 ||
	    (rc = wsb__lx_add(plan, &st, "process", "set", "inherited_fds")) < 0 ||
	    (rc = wsb__lx_set(st, "value", "0, 1, 2 only (close_range CLOEXEC)")) < 0)
		goto fail;
	s->protections &= ~s->missing;
	if ((rc = wsb__lx_ladder_record(plan, s, policy)) < 0)
		goto fail;
	*out = s;
	return WSB_OK;
fail:
	wsb__lx_setup_free(s);
	return rc;
}

int wsb__backend_plan(struct wsb_plan **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity)
{
	struct wsb_plan *plan = NULL;
	wsb__lx_setup *s = NULL;
	int rc;

	*out = NULL;
	if ((rc = wsb__backend_identity_check(identity)) < 0)
		return rc;
	if ((rc = wsb__plan_new(&plan, "linux", policy)) < 0)
		return rc;
	if ((rc = decide(&s, plan, policy)) < 0) {
		wsb_plan_free(plan);
		return rc;
	}
	plan->backend_data = s;
	plan->backend_free = setup_free_cb;
	plan->protections = s->protections;
	plan->missing = s->missing;
	*out = plan;
	return WSB_OK;
}

static const char *prot_label(unsigned int bit)
{
	switch (bit) {
	case WSB_PROT_FS_WRITE: return "write confinement (Landlock)";
	case WSB_PROT_FS_PROTECTED: return "protected paths (mount namespace)";
	case WSB_PROT_FS_DENY_READ: return "deny-read paths (mount namespace, or Landlock without one)";
	case WSB_PROT_NETWORK: return "network isolation (network namespace, or seccomp without one)";
	case WSB_PROT_PROCESS_TREE: return "process-tree containment (PID namespace, or a sub-reaper with Landlock ABI 6)";
	case WSB_PROT_LIMIT_MEMORY: return "memory limit of the tree (memory cgroup)";
	case WSB_PROT_LIMIT_PROCESSES: return "process limit of the tree";
	case WSB_PROT_LIMIT_CPU: return "CPU-time limit";
	}
	return "a protection";
}

/* Dup fd to a number >= 3 with CLOEXEC so the child's dup2 onto 0-2 is
 * always a real copy (which clears CLOEXEC). */
static int high_fd(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int wsb__backend_spawn(struct wsb_process **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity, const wsb_spawn_options *opts)
{
	wsb__lx_setup *s = NULL;
	wsb__lx_exec e;
	wsb__lx_cgroup cg;
	wsb__strvec env = WSB__STRVEC_INIT, proxies = WSB__STRVEC_INIT;
	struct wsb__lx_relay *relay = NULL;
	struct wsb__lx_proxy *proxy = NULL;
	const char *extra[9];  /* the proxy variables, at most eight */
	int child_fd[3] = { -1, -1, -1 }, parent_fd[3] = { -1, -1, -1 };
	int modes[3], i, rc, status_fd = -1, relay_fd = -1, tty_fd = -1;
	unsigned int need, lost = 0;
	unsigned long warm = 0;
	size_t argc = 0;
	pid_t pid;
	wsb_u64 start;
	char cwdbuf[4096];

	*out = NULL;
	memset(&e, 0, sizeof(e));
	memset(&cg, 0, sizeof(cg));
	if ((rc = wsb__backend_identity_check(identity)) < 0 ||
	    (rc = decide(&s, NULL, policy)) < 0)
		return rc;

	/* Fail closed: every missing protection must have been accepted. */
	need = s->missing & ~policy->allow_missing;
	if (need) {
		unsigned int bit = need & (~need + 1);
		const char *absent = bit == WSB_PROT_FS_PROTECTED ? s->mounts.absent_protected :
			bit == WSB_PROT_FS_DENY_READ ? s->mounts.absent_deny_read : NULL;
		if (absent) {
			rc = wsb__error(WSB_EUNAVAIL, "%s is unavailable: %s does not exist but lies inside "
				"a writable root, where a command may have moved it away or may create it; "
				"wsb_policy_allow_missing() can accept running without it",
				prot_label(bit), absent);
			goto out;
		}
		rc = wsb__error(WSB_EUNAVAIL, "%s is unavailable on this machine%s; "
			"wsb_policy_allow_missing() can accept running without it",
			prot_label(bit), (bit == WSB_PROT_LIMIT_MEMORY && s->limits.memory_leavable) ||
			(bit == WSB_PROT_LIMIT_PROCESSES && s->limits.processes_leavable) ?
			" (its cgroup could be left by the command: without Landlock, or with a writable "
			"root overlapping the cgroup file system, nothing refuses it a write to a cgroup.procs)" :
			bit == WSB_PROT_LIMIT_MEMORY ?
			" (no writable cgroup with the memory controller; an rlimit bounds each process only)" :
			bit == WSB_PROT_FS_WRITE ? (wsb__lx_landlock_abi() == 0 ? " (no Landlock in this kernel)" :
			" (Landlock ABI below 3, before Linux 6.2, cannot refuse truncate(2) outside the writable roots)") :
			bit == WSB_PROT_LIMIT_PROCESSES && s->uid == 0 ?
			" (no writable cgroup with the pids controller, and RLIMIT_NPROC does not bind uid 0)" :
			!s->use_userns && bit == WSB_PROT_FS_PROTECTED ?
			" (user namespaces are unavailable, so there is no mount namespace, and Landlock cannot "
			"make a path inside a writable root read-only)" :
			!s->use_userns ? " (user namespaces are unavailable, so there is no mount, PID or network "
			"namespace, and the fallback of docs/linux-backend.md's ladder is not available either)" : "");
		goto out;
	}

	if (opts->cwd) {
		e.cwd = wsb__strdup(opts->cwd);
	} else if (getcwd(cwdbuf, sizeof(cwdbuf))) {
		e.cwd = wsb__strdup(cwdbuf);
	} else {
		rc = wsb__error_os(WSB_EOS, errno, "cannot read the current directory");
		goto out;
	}
	if (!e.cwd) {
		rc = wsb__error_nomem();
		goto out;
	}
	if (s->use_mountns && (rc = wsb__lx_mounts_add_carry(&s->mounts, e.cwd)) < 0)
		goto out;

	/* The allow-list's proxy: in the command's namespace it serves init's
	 * listener itself (below, once spawned), one hop with no relay; on the
	 * host it runs before the command, whose variables name its port. */
	if (s->allowlist && s->relay_in_netns) {
		rc = wsb__env_proxy_vars(&proxies, policy, s->relay_listen, 1, 1);
	} else if (s->allowlist) {
		unsigned short port;

		if ((rc = wsb__lx_proxy_start(&proxy, &port, policy, -1)) < 0)
			goto out;
		rc = wsb__env_proxy_vars(&proxies, policy, port, 1, 1);
	} else {
		rc = wsb__env_relay_proxies(&proxies, policy, 1);
	}
	if (rc < 0)
		goto out;
	for (i = 0; (size_t)i < proxies.count; i++)
		extra[i] = proxies.items[i];
	extra[i] = NULL;
	if ((rc = wsb__env_build(&env, policy, (const char *const *)environ, NULL, extra, 0)) < 0)
		goto out;
	e.envp = wsb__calloc(env.count + 1, sizeof(char *));
	for (argc = 0; opts->argv[argc]; argc++)
		;
	e.argv = wsb__calloc(argc + 1, sizeof(char *));
	if (!e.envp || !e.argv) {
		rc = wsb__error_nomem();
		goto out;
	}
	for (i = 0; (size_t)i < env.count; i++)
		e.envp[i] = env.items[i];
	for (i = 0; (size_t)i < argc; i++)
		if (!(e.argv[i] = wsb__strdup(opts->argv[i]))) {
			rc = wsb__error_nomem();
			goto out;
		}
	if ((rc = wsb__lx_find_program(&e.path, opts->argv[0], e.envp, e.cwd)) < 0)
		goto out;

	modes[0] = opts->stdin_mode;
	modes[1] = opts->stdout_mode;
	modes[2] = opts->stderr_mode;
	if (opts->terminal) {
		/* One terminal is all three streams: the caller keeps the master
		 * for reading (stdout), a copy for writing (stdin), one for resizing. */
		if ((rc = wsb__lx_pty_open(&parent_fd[1], &child_fd[0], opts->terminal_cols,
				opts->terminal_rows)) < 0)
			goto out;
		parent_fd[0] = high_fd(parent_fd[1]);
		tty_fd = high_fd(parent_fd[1]);
		child_fd[1] = high_fd(child_fd[0]);
		child_fd[2] = high_fd(child_fd[0]);
		if (parent_fd[0] < 0 || tty_fd < 0 || child_fd[1] < 0 || child_fd[2] < 0) {
			rc = wsb__error_os(WSB_EOS, errno, "cannot prepare the terminal: %s",
				strerror(errno));
			goto out;
		}
		modes[0] = modes[1] = modes[2] = WSB_STDIO_NULL;
		e.ctty = 1;
	}
	for (i = 0; i < 3; i++) {
		int p[2];
		if (modes[i] == WSB_STDIO_PIPE) {
			if (pipe2(p, O_CLOEXEC) < 0) {
				rc = wsb__error_os(WSB_EOS, errno, "pipe2 failed: %s", strerror(errno));
				goto out;
			}
			child_fd[i] = i == 0 ? p[0] : p[1];
			parent_fd[i] = i == 0 ? p[1] : p[0];
		} else if (modes[i] == WSB_STDIO_INHERIT) {
			child_fd[i] = high_fd(i);
		}
		if (child_fd[i] < 0)
			child_fd[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (child_fd[i] >= 0 && child_fd[i] < 3) {
			int h = high_fd(child_fd[i]);
			close(child_fd[i]);
			child_fd[i] = h;
		}
		if (child_fd[i] < 0) {
			rc = wsb__error_os(WSB_EOS, errno, "cannot prepare standard stream %d: %s", i,
				strerror(errno));
			goto out;
		}
		e.stdio_fd[i] = child_fd[i];
	}
	if (parent_fd[1] >= 0 && !opts->terminal)
		fcntl(parent_fd[1], F_SETPIPE_SZ, 1 << 20);

	if ((s->limits.use_cgroup_v1_memory || s->limits.use_cgroup_v1_pids ||
	     s->limits.use_cgroup_v2_memory || s->limits.use_cgroup_v2_pids ||
	     s->limits.use_cgroup_v1_tree || s->limits.use_cgroup_v2_tree) &&
	    (rc = wsb__lx_cgroup_create(&cg, &s->limits, s->memory_limit, s->process_limit)) < 0)
		goto out;
	/* On the host the relay runs before the command starts, as on
	 * Windows; in the namespace it can only start once init made its
	 * listener. */
	if (s->relay_listen && !s->relay_in_netns &&
	    (rc = wsb__lx_relay_acquire_host(&relay, s->relay_listen, s->relay_target)) < 0)
		goto out;
	start = wsb__now_ms();
	if ((rc = wsb__lx_spawn_tree(&pid, &status_fd, &lost, &relay_fd, &warm, s, &e, &cg,
			policy)) < 0)
		goto out;
	s->protections &= ~lost;
	s->missing |= lost;
	for (i = 0; i < 3; i++)
		close_fd(&child_fd[i]);
	if (relay_fd >= 0 && s->allowlist) {
		unsigned short port;

		rc = wsb__lx_proxy_start(&proxy, &port, policy, relay_fd);
		relay_fd = -1;
	} else if (relay_fd >= 0) {
		rc = wsb__lx_relay_start(&relay, relay_fd, s->relay_listen, s->relay_target);
	}
	if (rc == WSB_OK &&
	    (rc = wsb__lx_process_new(out, pid, status_fd, parent_fd[0], parent_fd[1],
			parent_fd[2], s, &cg, start, relay)) == WSB_OK) {
		relay = NULL;
		wsb__lx_process_set_proxy(*out, proxy);
		proxy = NULL;
		wsb__lx_process_set_warm(*out, warm);
		warm = 0;
	}
	if (rc < 0) {
		/* Without a PID namespace SIGKILL to init would orphan the
		 * command: init kills the tree on SIGTERM (spawn.c). */
		kill(pid, s->tree_by_subreaper ? SIGTERM : SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		wsb__lx_netns_warm_return(warm);
		close(status_fd);
		goto out;
	}
	for (i = 0; i < 3; i++)
		parent_fd[i] = -1;
	if (tty_fd >= 0) {
		wsb__lx_process_set_terminal(*out, tty_fd);
		tty_fd = -1;
	}
out:
	close_fd(&tty_fd);
	for (i = 0; i < 3; i++) {
		close_fd(&child_fd[i]);
		close_fd(&parent_fd[i]);
	}
	wsb__lx_relay_release(relay);
	wsb__lx_proxy_stop(proxy);
	wsb__lx_cgroup_destroy(&cg);
	wsb__free(e.path);
	wsb__free(e.cwd);
	if (e.argv)
		for (i = 0; (size_t)i < argc; i++)
			wsb__free(e.argv[i]);
	wsb__free(e.argv);
	wsb__free(e.envp);
	wsb__strvec_dispose(&env);
	wsb__strvec_dispose(&proxies);
	wsb__lx_setup_free(s);
	return rc;
}

int wsb__backend_revert(struct wsb_identity *identity)
{
	(void)identity;
	return WSB_OK; /* nothing lasting is changed on Linux */
}

void wsb__backend_reuse_release(void)
{
	wsb__lx_netns_warm_release();
}

static int not_linux(const char *what)
{
	return wsb__error(WSB_ENOTSUP, "%s exists only on Windows; the Linux backend needs no %s",
		what, what);
}

int wsb__backend_audit(char **out_json, const struct wsb_policy *policy, const wsb_audit_options *opts)
{
	(void)policy; (void)opts;
	*out_json = NULL;
	return wsb__error(WSB_ENOTSUP,
		"the world-writable audit exists only on Windows (on Linux, Landlock confines writes whatever the file modes)");
}

int wsb__backend_setup_plan(struct wsb_plan **out, const wsb_setup_options *opts)
{
	(void)opts;
	*out = NULL;
	return not_linux("elevated setup");
}

int wsb__backend_setup_install(const wsb_setup_options *opts)
{
	(void)opts;
	return not_linux("elevated setup");
}

int wsb__backend_setup_status(char **out_json, const wsb_setup_options *opts)
{
	(void)opts;
	*out_json = NULL;
	return not_linux("elevated setup");
}

int wsb__backend_setup_uninstall(const wsb_setup_options *opts)
{
	(void)opts;
	return not_linux("elevated setup");
}
