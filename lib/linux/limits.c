/*
 * Resource limits, the job-object counterpart. For each limit the first
 * mechanism that works here is chosen, and the plan says which:
 *   memory:    cgroup v2 memory.max -> cgroup v1 memory.limit_in_bytes ->
 *              RLIMIT_AS (per process only: reported as missing, because
 *              the tree as a whole is not bounded);
 *   processes: cgroup v2 pids.max -> cgroup v1 pids.max -> RLIMIT_NPROC,
 *              which counts per (user namespace, uid): with the sandbox's
 *              own user namespace that is exactly the sandbox's tree;
 *   CPU time:  RLIMIT_CPU (per process; SIGXCPU then SIGKILL).
 * Counts include the sandbox's init process and threads (the kernel counts
 * tasks), so one is added to the process limit for init.
 * A cgroup is created under the caller's own cgroup (so every limit above
 * it still applies) and removed when the process handle is freed.
 */
#include "linux.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *const by_v2 = "cgroup-v2";
static const char *const by_v1 = "cgroup-v1";
static const char *const by_rlimit = "rlimit";

/* Read a whole small text file (NUL-terminated) or return NULL. */
static char *slurp(const char *path)
{
	char *text = NULL;
	size_t len = 0;

	if (wsb__backend_read_small_file(&text, &len, path, 1 << 20) < 0)
		return NULL;
	return text;
}

static char *join(const char *a, const char *b)
{
	wsb__buf buf = WSB__BUF_INIT;

	wsb__buf_puts(&buf, a);
	if (strcmp(b, "/") != 0)
		wsb__buf_puts(&buf, b);
	if (buf.oom) {
		wsb__buf_dispose(&buf);
		return NULL;
	}
	return wsb__buf_detach(&buf);
}

/* The caller's cgroup path for a v1 controller ("" = v2), from /proc/self/cgroup
 * whose lines read "ID:controller,controller:path". */
static char *own_cgroup(const char *controller)
{
	char *text = slurp("/proc/self/cgroup"), *line, *save = NULL, *res = NULL;

	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line && !res; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2, *item, *s2 = NULL;

		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		*c1 = '\0';
		*c2 = '\0';
		if (controller[0] == '\0') {
			if (strcmp(line, "0") == 0 && c1[1] == '\0')
				res = wsb__strdup(c2 + 1);
			continue;
		}
		for (item = strtok_r(c1 + 1, ",", &s2); item; item = strtok_r(NULL, ",", &s2))
			if (strcmp(item, controller) == 0) {
				res = wsb__strdup(c2 + 1);
				break;
			}
	}
	wsb__free(text);
	return res;
}

/* Mount point of a cgroup hierarchy: v2 (controller "") or the v1 one holding controller. */
static char *cgroup_mount(const char *controller)
{
	char *text = slurp("/proc/self/mountinfo"), *line, *save = NULL, *res = NULL;

	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line && !res; line = strtok_r(NULL, "\n", &save)) {
		char *sep = strstr(line, " - "), *fields[6], *p, *s2 = NULL;
		int n = 0;
		char fstype[32], opts[256];

		if (!sep)
			continue;
		if (sscanf(sep + 3, "%31s %*s %255s", fstype, opts) != 2)
			continue;
		*sep = '\0';
		for (p = strtok_r(line, " ", &s2); p && n < 6; p = strtok_r(NULL, " ", &s2))
			fields[n++] = p;
		if (n < 5)
			continue;
		if (controller[0] == '\0') {
			if (strcmp(fstype, "cgroup2") == 0)
				res = wsb__strdup(fields[4]);
		} else if (strcmp(fstype, "cgroup") == 0) {
			char *o, *s3 = NULL;
			for (o = strtok_r(opts, ",", &s3); o; o = strtok_r(NULL, ",", &s3))
				if (strcmp(o, controller) == 0) {
					res = wsb__strdup(fields[4]);
					break;
				}
		}
	}
	wsb__free(text);
	return res;
}

static char *cgroup_dir(const char *controller)
{
	char *mnt, *own, *dir = NULL;

	if (wsb__lx_fake_missing & WSB__LX_FAKE_NO_CGROUP)
		return NULL;
	mnt = cgroup_mount(controller);
	own = mnt ? own_cgroup(controller) : NULL;
	if (own)
		dir = join(mnt, own);
	wsb__free(mnt);
	wsb__free(own);
	if (dir && access(dir, W_OK) != 0) {
		wsb__free(dir);
		dir = NULL;
	}
	return dir;
}

/* 1 if a v2 child of dir can use the controller. */
static int v2_has(const char *dir, const char *controller)
{
	char *path = join(dir, "/cgroup.subtree_control"), *text;
	int found = 0;

	if (!path)
		return 0;
	text = slurp(path);
	wsb__free(path);
	if (text) {
		char *w, *save = NULL;
		for (w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
			found |= strcmp(w, controller) == 0;
		wsb__free(text);
	}
	return found;
}

static int limit_step(struct wsb_plan *plan, const char *limit, wsb_u64 value,
	const char *unit, const char *by, const char *scope)
{
	wsb__plan_step *st;
	int rc;

	if ((rc = wsb__lx_add(plan, &st, "limit", "set", limit)) < 0)
		return rc;
	if ((rc = wsb__lx_set_u64(st, unit, value)) < 0)
		return rc;
	if ((rc = wsb__lx_set(st, "mechanism", by ? by : "none")) < 0)
		return rc;
	return wsb__lx_set(st, "scope", scope);
}

static void add_rlimit(wsb__lx_limits *l, int res, rlim_t soft, rlim_t hard)
{
	l->rlimits[l->rlimit_count].resource = res;
	l->rlimits[l->rlimit_count].soft = soft;
	l->rlimits[l->rlimit_count].hard = hard;
	l->rlimit_count++;
}

/* 1 if path and dir overlap (one contains the other). */
static int overlaps(const char *path, const char *dir)
{
	size_t p = strlen(path), d = strlen(dir);
	size_t n = p < d ? p : d;

	if (strncmp(path, dir, n) != 0)
		return 0;
	return p == d || (p < d ? (p == 1 || dir[p] == '/') : path[d] == '/');
}

/* 1 if the command could move itself out of a cgroup of this hierarchy
 * (v2: controller ""): moving a process is a write to some cgroup.procs,
 * which only Landlock refuses it (the files are the caller's, and a cgroup
 * namespace or the sandbox's user namespace does not protect them), unless
 * a path it grants every right overlaps the hierarchy. Proved in
 * tests/linux (env_escapes, cgroup-leave). */
static int leavable(const struct wsb_policy *policy, const char *controller)
{
	char *mnt;
	size_t i;
	int res;

	if (wsb__lx_landlock_abi() == 0 || policy->mode == WSB_MODE_FULL_ACCESS)
		return 1;
	if (!(mnt = cgroup_mount(controller)))
		return 1;
	res = 0;
	for (i = 0; policy->mode == WSB_MODE_WORKSPACE_WRITE && i < policy->write_roots.count; i++)
		res |= overlaps(policy->write_roots.items[i], mnt);
	wsb__free(mnt);
	return res;
}

/* Without a PID namespace the tree is also held by a cgroup of its own:
 * the one a limit makes, else one made for it alone (v2 under the caller's
 * writable v2 cgroup, else v1 under the caller's writable pids one). The
 * command must not be able to leave it: moving a process needs a write to
 * some cgroup.procs, which Landlock refuses unless a path it grants every
 * right overlaps the hierarchy (clone3's CLONE_INTO_CGROUP is refused by
 * seccomp). */
static int tree_decide(wsb__lx_setup *s, struct wsb_plan *plan,
	const struct wsb_policy *policy)
{
	wsb__lx_limits *l = &s->limits;
	int v2;

	if (!l->use_cgroup_v2_memory && !l->use_cgroup_v2_pids && !l->use_cgroup_v1_memory &&
	    !l->use_cgroup_v1_pids) {
		if ((l->v2_parent = cgroup_dir("")) != NULL)
			l->use_cgroup_v2_tree = 1;
		else if ((l->v1_pids_parent = cgroup_dir("pids")) != NULL)
			l->use_cgroup_v1_tree = 1;
		else
			return WSB_OK;
	}
	v2 = l->use_cgroup_v2_memory || l->use_cgroup_v2_pids || l->use_cgroup_v2_tree;
	l->tree_by = v2 ? by_v2 : by_v1;
	l->tree_leavable = leavable(policy, v2 ? "" : l->use_cgroup_v1_memory ? "memory" : "pids");
	return WSB__LX_NOTE(plan, l->tree_leavable ?
		"the tree has a cgroup of its own, killed at the end; the command could leave it "
		"(no Landlock, or a writable root overlaps the cgroup file system)" :
		"the tree has a cgroup of its own, killed at the end (cgroup.kill, else freeze and "
		"SIGKILL to every member); Landlock keeps every cgroup.procs read-only, so the "
		"command cannot leave it");
}

int wsb__lx_limits_decide(wsb__lx_setup *s, struct wsb_plan *plan,
	const struct wsb_policy *policy)
{
	wsb__lx_limits *l = &s->limits;
	wsb_u64 mem = policy->limits[WSB_LIMIT_MEMORY];
	wsb_u64 procs = policy->limits[WSB_LIMIT_PROCESSES];
	wsb_u64 cpu = policy->limits[WSB_LIMIT_CPU_TIME];
	int rc;

	s->memory_limit = mem;
	s->process_limit = procs;
	s->cpu_limit_ms = cpu;
	s->timeout_ms = policy->limits[WSB_LIMIT_TIMEOUT];
	s->output_cap = policy->limits[WSB_LIMIT_OUTPUT];

	if (mem || procs) {
		char *v2 = cgroup_dir("");
		if (v2 && ((mem && v2_has(v2, "memory")) || (procs && v2_has(v2, "pids")))) {
			l->v2_parent = v2;
			l->use_cgroup_v2_memory = mem && v2_has(v2, "memory");
			l->use_cgroup_v2_pids = procs && v2_has(v2, "pids");
		} else {
			wsb__free(v2);
		}
		if (mem && !l->use_cgroup_v2_memory && (l->v1_mem_parent = cgroup_dir("memory")))
			l->use_cgroup_v1_memory = 1;
		if (procs && !l->use_cgroup_v2_pids && (l->v1_pids_parent = cgroup_dir("pids")))
			l->use_cgroup_v1_pids = 1;
	}
	if (mem) {
		const char *scope = "process tree";
		if (l->use_cgroup_v2_memory) {
			l->memory_by = by_v2;
		} else if (l->use_cgroup_v1_memory) {
			l->memory_by = by_v1;
		}
		if (l->memory_by && (l->memory_leavable = leavable(policy,
				l->use_cgroup_v2_memory ? "" : "memory"))) {
			scope = "none: the command could move itself out of the cgroup";
			s->missing |= WSB_PROT_LIMIT_MEMORY;
		} else if (!l->memory_by) {
			l->memory_by = by_rlimit;
			scope = "each process (address space); the tree is not bounded";
			add_rlimit(l, RLIMIT_AS, (rlim_t)mem, (rlim_t)mem);
			s->missing |= WSB_PROT_LIMIT_MEMORY;
		}
		if (!(s->missing & WSB_PROT_LIMIT_MEMORY))
			s->protections |= WSB_PROT_LIMIT_MEMORY;
		if ((rc = limit_step(plan, "memory", mem, "bytes", l->memory_by, scope)) < 0)
			return rc;
	}
	if (procs) {
		const char *scope = "process tree (tasks, plus the sandbox's init)";
		if (l->use_cgroup_v2_pids) {
			l->processes_by = by_v2;
		} else if (l->use_cgroup_v1_pids) {
			l->processes_by = by_v1;
		}
		if (l->processes_by && s->use_userns && s->uid != 0 &&
		    leavable(policy, l->use_cgroup_v2_pids ? "" : "pids")) {
			/* RLIMIT_NPROC in the sandbox's user namespace cannot be
			 * left; a cgroup the command could leave adds nothing */
			l->use_cgroup_v2_pids = l->use_cgroup_v1_pids = 0;
			l->processes_by = NULL;
		}
		if (l->processes_by && (l->processes_leavable = leavable(policy,
				l->use_cgroup_v2_pids ? "" : "pids"))) {
			scope = "none: the command could move itself out of the cgroup";
			s->missing |= WSB_PROT_LIMIT_PROCESSES;
		} else if (!l->processes_by) {
			l->processes_by = by_rlimit;
			add_rlimit(l, RLIMIT_NPROC, (rlim_t)procs + 1, (rlim_t)procs + 1);
			if (s->uid == 0) {
				/* The kernel exempts the host's uid 0 from RLIMIT_NPROC,
				 * and the sandbox's uid 0 is the host's. */
				scope = "none: RLIMIT_NPROC does not bind uid 0";
				s->missing |= WSB_PROT_LIMIT_PROCESSES;
			} else if (!s->use_userns) {
				scope = "every process of the calling user (no user namespace)";
				s->missing |= WSB_PROT_LIMIT_PROCESSES;
			} else {
				scope = "the sandbox's user namespace (tasks, plus the sandbox's init)";
			}
		}
		if (!(s->missing & WSB_PROT_LIMIT_PROCESSES))
			s->protections |= WSB_PROT_LIMIT_PROCESSES;
		if ((rc = limit_step(plan, "processes", procs, "count", l->processes_by, scope)) < 0)
			return rc;
	}
	if (cpu) {
		rlim_t secs = (rlim_t)((cpu + 999) / 1000);
		l->cpu_by = by_rlimit;
		add_rlimit(l, RLIMIT_CPU, secs, secs + 1);
		s->protections |= WSB_PROT_LIMIT_CPU;
		if ((rc = limit_step(plan, "cpu_time", cpu, "ms", by_rlimit,
				"each process, rounded up to whole seconds")) < 0)
			return rc;
	}
	if (!s->use_pidns && (rc = tree_decide(s, plan, policy)) < 0)
		return rc;
	if (s->timeout_ms && (rc = limit_step(plan, "timeout", s->timeout_ms, "ms",
			"sandbox init timer + caller deadline", "process tree")) < 0)
		return rc;
	if (s->output_cap && (rc = limit_step(plan, "output", s->output_cap, "bytes",
			"caller", "each captured stream")) < 0)
		return rc;
	return WSB_OK;
}

void wsb__lx_limits_dispose(wsb__lx_limits *l)
{
	wsb__free(l->v2_parent);
	wsb__free(l->v1_mem_parent);
	wsb__free(l->v1_pids_parent);
	memset(l, 0, sizeof(*l));
}

int wsb__lx_rlimits_apply(const wsb__lx_limits *l)
{
	int i;

	for (i = 0; i < l->rlimit_count; i++) {
		struct rlimit r;
		r.rlim_cur = l->rlimits[i].soft;
		r.rlim_max = l->rlimits[i].hard;
		if (setrlimit(l->rlimits[i].resource, &r) < 0)
			return errno;
	}
	return 0;
}

/* ---- cgroups (parent side) ---- */

static int write_file(const char *dir, const char *name, const char *value)
{
	char *path = join(dir, name);
	int fd, err = 0;
	size_t n = strlen(value);

	if (!path)
		return ENOMEM;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		err = errno;
	else if (write(fd, value, n) != (ssize_t)n)
		err = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	wsb__free(path);
	return err;
}

static char *new_dir(const char *parent)
{
	static unsigned long counter;
	char name[64];
	char *dir;

	snprintf(name, sizeof(name), "/wsandbox-%ld-%lu", (long)getpid(),
		__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	dir = join(parent, name);
	if (dir && mkdir(dir, 0755) < 0) {
		wsb__free(dir);
		return NULL;
	}
	return dir;
}

int wsb__lx_cgroup_create(wsb__lx_cgroup *cg, const wsb__lx_limits *l,
	wsb_u64 memory, wsb_u64 processes)
{
	char num[32];
	int err;

	memset(cg, 0, sizeof(*cg));
	if (l->use_cgroup_v2_memory || l->use_cgroup_v2_pids || l->use_cgroup_v2_tree) {
		char *d = new_dir(l->v2_parent);
		if (!d)
			goto os_fail;
		cg->dirs[cg->dir_count++] = d;
		cg->first_is_v2 = 1;
		if (l->use_cgroup_v2_memory) {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)memory);
			if ((err = write_file(d, "/memory.max", num)) != 0)
				goto fail;
			write_file(d, "/memory.swap.max", "0");
			cg->mem_dir = d;
			cg->mem_is_v2 = 1;
		}
		if (l->use_cgroup_v2_pids) {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)processes + 1);
			if ((err = write_file(d, "/pids.max", num)) != 0)
				goto fail;
		}
	}
	if (l->use_cgroup_v1_memory) {
		char *d = new_dir(l->v1_mem_parent);
		if (!d)
			goto os_fail;
		cg->dirs[cg->dir_count++] = d;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)memory);
		if ((err = write_file(d, "/memory.limit_in_bytes", num)) != 0)
			goto fail;
		/* With swap accounting, bound memory+swap too so the tree cannot swap out. */
		write_file(d, "/memory.memsw.limit_in_bytes", num);
		cg->mem_dir = d;
	}
	if (l->use_cgroup_v1_pids || l->use_cgroup_v1_tree) {
		char *d = new_dir(l->v1_pids_parent);
		if (!d)
			goto os_fail;
		cg->dirs[cg->dir_count++] = d;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)processes + 1);
		if (l->use_cgroup_v1_pids && (err = write_file(d, "/pids.max", num)) != 0)
			goto fail;
	}
	return WSB_OK;
os_fail:
	err = errno;
fail:
	wsb__lx_cgroup_destroy(cg);
	return wsb__error_os(WSB_EOS, err, "could not set up the cgroup for the limits: %s",
		strerror(err));
}

int wsb__lx_cgroup_attach(const wsb__lx_cgroup *cg, pid_t pid)
{
	char num[32];
	int i, err;

	snprintf(num, sizeof(num), "%ld", (long)pid);
	for (i = 0; i < cg->dir_count; i++)
		if ((err = write_file(cg->dirs[i], "/cgroup.procs", num)) != 0)
			return wsb__error_os(WSB_EOS, err, "could not move the sandbox into %s: %s",
				cg->dirs[i], strerror(err));
	return WSB_OK;
}

int wsb__lx_cgroup_oom(const wsb__lx_cgroup *cg)
{
	char *path, *text;
	const char *p;
	int oom = 0;

	if (!cg->mem_dir)
		return 0;
	path = join(cg->mem_dir, cg->mem_is_v2 ? "/memory.events" : "/memory.oom_control");
	text = path ? slurp(path) : NULL;
	wsb__free(path);
	if (text && (p = strstr(text, "oom_kill ")) != NULL)
		oom = strtoul(p + 9, NULL, 10) > 0;
	wsb__free(text);
	return oom;
}

/* 1 if the process behind pidfd (pid) is still in the cgroup named by
 * base ("/wsandbox-..."): read after the pidfd was opened, so a pid reused
 * by a process outside is never signalled. */
static int still_member(pid_t pid, const char *base)
{
	char path[64], *text;
	const char *at;
	size_t n = strlen(base);
	int in = 0;

	snprintf(path, sizeof(path), "/proc/%ld/cgroup", (long)pid);
	if (!(text = slurp(path)))
		return 0;
	for (at = strstr(text, base); at && !in; at = strstr(at + 1, base))
		in = at[n] == '\n' || at[n] == '/' || at[n] == '\0';
	wsb__free(text);
	return in;
}

void wsb__lx_cgroup_kill(const wsb__lx_cgroup *cg)
{
	const char *dir, *base;
	char *procs;
	int round;

	if (!cg->dir_count)
		return;
	dir = cg->dirs[0];
	base = strrchr(dir, '/');
	/* cgroup.kill (5.14) kills every member, forks included, at once;
	 * else a frozen v2 cgroup (5.2) forks no more while it is emptied. */
	if (cg->first_is_v2 && write_file(dir, "/cgroup.kill", "1") != 0)
		write_file(dir, "/cgroup.freeze", "1");
	if (!(procs = join(dir, "/cgroup.procs")))
		return;
	for (round = 0; round < 2000; round++) {
		char *text = slurp(procs), *w, *save = NULL;
		int any = 0;
		struct timespec ts = { 0, 1000000 };

		if (!text)
			break;
		for (w = strtok_r(text, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
			pid_t pid = (pid_t)strtol(w, NULL, 10);
			int fd;

			if (pid <= 0)
				continue;
			any = 1;
			fd = (int)syscall(__NR_pidfd_open, pid, 0);
			if (fd < 0)
				continue;
			if (still_member(pid, base))
				syscall(__NR_pidfd_send_signal, fd, SIGKILL, NULL, 0);
			close(fd);
		}
		wsb__free(text);
		if (!any)
			break;
		nanosleep(&ts, NULL);
	}
	wsb__free(procs);
}

void wsb__lx_cgroup_destroy(wsb__lx_cgroup *cg)
{
	int i, tries;

	for (i = 0; i < cg->dir_count; i++) {
		/* The last tasks may take a moment to leave after init is reaped. */
		for (tries = 0; tries < 200 && rmdir(cg->dirs[i]) < 0 && errno == EBUSY; tries++) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
		wsb__free(cg->dirs[i]);
	}
	memset(cg, 0, sizeof(*cg));
}
