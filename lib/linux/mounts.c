/*
 * The private mount namespace: what Landlock cannot express.
 *  - a private layer on /tmp and /dev/shm (the private temp directory): an
 *    overlay whose lower layer is the host's directory (readable, so a
 *    program or build tree there still runs) and whose upper layer is a
 *    tmpfs that dies with the sandbox; writable roots that live there are
 *    bound on top from the host ("carried"), so writes to them are real.
 *    Without overlayfs, an empty tmpfs (the plan says so). A temp directory
 *    inside a writable root stays the host's;
 *  - read-only bind mounts over protected names (.git ...), the gitdir a
 *    .git file points to, and protected paths: writes fail with EROFS, and
 *    the mount point itself cannot be renamed or removed (EBUSY);
 *  - empty mounts over deny-read paths (a mode-000 read-only tmpfs for a
 *    directory, a nodev /dev/null for a file: opening it fails);
 *  - a /proc that shows only the sandbox's PID namespace.
 * Propagation to the caller's namespace is cut first (MS_SLAVE).
 */
#include "linux.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef __NR_mount_setattr
#  define __NR_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#  define AT_RECURSIVE 0x8000
#endif
#define WSB_MOUNT_ATTR_RDONLY 0x00000001
#define WSB_MOUNT_ATTR_NODEV  0x00000004

struct wsb_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

/* Budget of the protected-name scan under each writable root. */
#define SCAN_MAX_DEPTH 3
#define SCAN_MAX_DIRS 1024
#define MAX_CARRIES 64

static const char *const tmp_dirs[] = { "/tmp", "/dev/shm" };

/* Every path here is normalized (policy entries, mount targets built from
 * them), so the core's component-wise containment applies. */
static int path_under(const char *path, const char *dir)
{
	return wsb__path_within(path, dir, WSB__PATH_POSIX);
}

static int add_mount(wsb__lx_mounts *m, int kind, const char *target)
{
	wsb__lx_mount *it;

	if (wsb__array_reserve(&m->items, &m->cap, m->count, sizeof(*m->items), 16) != WSB_OK)
		return WSB_ENOMEM;
	it = &m->items[m->count];
	it->kind = kind;
	it->lost_bit = 0;
	it->target = wsb__strdup(target);
	if (!it->target)
		return wsb__error_nomem();
	m->count++;
	return WSB_OK;
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case WSB__LX_MOUNT_OVERLAY: return "overlay (host contents read-only below, private tmpfs on top)";
	case WSB__LX_MOUNT_TMPFS: return "tmpfs (empty)";
	case WSB__LX_MOUNT_CARRY: return "bind (carried into private temp)";
	case WSB__LX_MOUNT_CARRY_RO: return "read-only bind (carried into private temp)";
	case WSB__LX_MOUNT_RO_BIND: return "read-only bind";
	case WSB__LX_MOUNT_EMPTY_DIR: return "empty read-only tmpfs, mode 000";
	case WSB__LX_MOUNT_EMPTY_FILE: return "nodev /dev/null";
	case WSB__LX_MOUNT_PROC: return "proc";
	}
	return "?";
}

static int planned(wsb__lx_mounts *m, struct wsb_plan *plan, int kind,
	const char *target, const char *why)
{
	wsb__plan_step *step;
	size_t i;
	int rc;

	for (i = 0; i < m->count; i++)
		if (m->items[i].kind == kind && strcmp(m->items[i].target, target) == 0)
			return WSB_OK;
	if ((rc = add_mount(m, kind, target)) < 0)
		return rc;
	if ((rc = wsb__lx_add(plan, &step, "mount", "add", target)) < 0)
		return rc;
	if ((rc = wsb__lx_set(step, "type", kind_name(kind))) < 0)
		return rc;
	return wsb__lx_set(step, "reason", why);
}

typedef struct decide_ctx {
	wsb__lx_mounts *m;
	struct wsb_plan *plan;
	const struct wsb_policy *policy;
} decide_ctx;

/* Still visible once the private temp directory is in place? Only an empty
 * tmpfs hides the host's files (except carried paths). */
static int visible(const decide_ctx *c, const char *path)
{
	size_t i, j;

	for (i = 0; i < c->m->count; i++) {
		if (c->m->items[i].kind != WSB__LX_MOUNT_TMPFS || !path_under(path, c->m->items[i].target))
			continue;
		for (j = 0; j < c->m->count; j++)
			if ((c->m->items[j].kind == WSB__LX_MOUNT_CARRY ||
			     c->m->items[j].kind == WSB__LX_MOUNT_CARRY_RO) &&
			    path_under(path, c->m->items[j].target))
				return 1;
		return 0;
	}
	return 1;
}

/* overlayfs in a user namespace needs the filesystem and Linux 5.11.
 * Cached: neither changes while we run. */
static int overlay_available(void)
{
	static int cached = -1;
	char *text = NULL;
	size_t len = 0;
	struct utsname u;
	int ok = 0;

	if (wsb__lx_fake_missing & WSB__LX_FAKE_NO_OVERLAY)
		return 0;
	if (cached >= 0)
		return cached;
	if (wsb__backend_read_small_file(&text, &len, "/proc/filesystems", 16384) == WSB_OK) {
		ok = strstr(text, "\toverlay\n") != NULL;
		wsb__free(text);
	}
	if (ok && uname(&u) == 0) {
		long major = strtol(u.release, NULL, 10);
		const char *dot = strchr(u.release, '.');
		long minor = dot ? strtol(dot + 1, NULL, 10) : 0;
		ok = major > 5 || (major == 5 && minor >= 11);
	}
	cached = ok;
	return ok;
}

/* Read with a small buffer: readdir() would fetch 32 KiB of entries (all
 * of a busy /tmp) on every spawn to look at the first one that is not "."
 * or "..". */
static int dir_empty(const char *path)
{
	union {
		char bytes[512];
		struct dirent64 align;
	} buf;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), empty = 1;
	ssize_t n, off;

	if (fd < 0)
		return 0;
	while (empty && (n = getdents64(fd, buf.bytes, sizeof(buf.bytes))) > 0)
		for (off = 0; empty && off < n; ) {
			const struct dirent64 *e = (const struct dirent64 *)(buf.bytes + off);
			empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
			off += e->d_reclen;
		}
	if (n < 0)
		empty = 0;  /* unreadable: not known to be empty, keep the overlay */
	close(fd);
	return empty;
}

/* The private temp directories and the writable roots carried into them. */
static int decide_temp(decide_ctx *c, int workspace)
{
	const struct wsb_policy *policy = c->policy;
	int overlay = overlay_available(), rc;
	size_t i, j;
	struct stat st;

	for (i = 0; i < WSB__ARRAY_SIZE(tmp_dirs); i++) {
		int in_root = 0;

		if (stat(tmp_dirs[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		for (j = 0; workspace && j < policy->write_roots.count; j++)
			in_root |= path_under(tmp_dirs[i], policy->write_roots.items[j]);
		if (in_root) {
			/* The root's writes must reach the host: no private layer. */
			if ((rc = WSB__LX_NOTE(c->plan, "%s is inside a writable root: the host's %s is used, writable",
					tmp_dirs[i], tmp_dirs[i])) < 0)
				return rc;
			continue;
		}
		/* A link count above 2 means a subdirectory, so not empty,
		 * without reading the directory (about 40 us for a busy /tmp on
		 * ext4). A wrong "not empty" would only cost an overlay, which
		 * is right for any contents; "empty" is always read. */
		if (overlay && st.st_nlink <= 2 && dir_empty(tmp_dirs[i])) {
			/* Nothing to show: a plain tmpfs is the same, at a third of
			 * the cost of an overlay. */
			if ((rc = planned(c->m, c->plan, WSB__LX_MOUNT_TMPFS, tmp_dirs[i],
					"private temp directory (the host's is empty): writes are discarded when the sandbox ends")) < 0)
				return rc;
			continue;
		}
		if (!overlay && (rc = WSB__LX_NOTE(c->plan,
				"overlayfs is unavailable: %s is an empty private tmpfs that hides the host's %s (reads included), except writable roots and the working directory",
				tmp_dirs[i], tmp_dirs[i])) < 0)
			return rc;
		if ((rc = planned(c->m, c->plan, overlay ? WSB__LX_MOUNT_OVERLAY : WSB__LX_MOUNT_TMPFS,
				tmp_dirs[i], "private temp directory: writes are discarded when the sandbox ends")) < 0)
			return rc;
		for (j = 0; workspace && j < policy->write_roots.count; j++) {
			const char *root = policy->write_roots.items[j];
			size_t k;
			int nested = 0;

			if (!path_under(root, tmp_dirs[i]))
				continue;
			for (k = 0; k < policy->write_roots.count; k++)
				nested |= k != j && path_under(root, policy->write_roots.items[k]) &&
					strcmp(root, policy->write_roots.items[k]) != 0;
			if (!nested && (rc = planned(c->m, c->plan, WSB__LX_MOUNT_CARRY, root,
					"writable root inside the private temp directory: writes reach the host")) < 0)
				return rc;
		}
	}
	return WSB_OK;
}

static int protect_gitdir(decide_ctx *c, const char *gitfile, const char *dir)
{
	char *contents = NULL, *gitdir = NULL;
	size_t len = 0;
	struct stat st;
	int rc;

	rc = wsb__backend_read_small_file(&contents, &len, gitfile, 4096);
	if (rc < 0)
		return rc == WSB_ENOENT ? WSB_OK : rc;
	rc = wsb__gitdir_from_file(&gitdir, contents, len, dir, WSB__PATH_POSIX);
	wsb__free(contents);
	if (rc < 0)
		return rc;
	if (gitdir && stat(gitdir, &st) == 0 && visible(c, gitdir))
		rc = planned(c->m, c->plan, WSB__LX_MOUNT_RO_BIND, gitdir,
			"gitdir named by a protected .git file");
	wsb__free(gitdir);
	return rc;
}

static int scan_root(decide_ctx *c, const char *root, size_t *budget)
{
	wsb__strvec queue = WSB__STRVEC_INIT;
	size_t head = 0;
	int rc = WSB_OK;
	struct stat rootst;

	if (stat(root, &rootst) < 0)
		return WSB_OK; /* the spawn reports a missing root */
	if ((rc = wsb__strvec_push(&queue, root)) < 0)
		return rc;
	while (head < queue.count && rc == WSB_OK) {
		const char *dir = queue.items[head];
		size_t depth = 0;
		const char *p;
		DIR *d;
		struct dirent *e;

		for (p = dir + strlen(root); *p; p++)
			depth += *p == '/';
		head++;
		if (*budget == 0) {
			c->m->truncated_scan = 1;
			break;
		}
		(*budget)--;
		d = opendir(dir);
		if (!d)
			continue;
		/* Stay on the root's file system. */
		if (head > 1) {
			struct stat dst;
			if (fstat(dirfd(d), &dst) < 0 || dst.st_dev != rootst.st_dev) {
				closedir(d);
				continue;
			}
		}
		while ((e = readdir(d)) != NULL && rc == WSB_OK) {
			wsb__buf child = WSB__BUF_INIT;
			struct stat st;
			int prot = wsb__policy_protects_name(c->policy, e->d_name);
			int is_dir = e->d_type == DT_DIR;

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			/* d_type spares a stat for the many entries that are neither
			 * protected nor directories to descend into. */
			if (!prot && ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
				      depth + 1 >= SCAN_MAX_DEPTH))
				continue;
			if (strcmp(dir, "/") != 0)
				wsb__buf_puts(&child, dir);
			wsb__buf_putc(&child, '/');
			wsb__buf_puts(&child, e->d_name);
			if (child.oom) {
				wsb__buf_dispose(&child);
				rc = wsb__error_nomem();
				break;
			}
			if (prot || e->d_type == DT_UNKNOWN) {
				if (lstat(child.ptr, &st) < 0) {
					wsb__buf_dispose(&child);
					continue;
				}
				is_dir = S_ISDIR(st.st_mode);
			}
			if (prot && S_ISLNK(st.st_mode)) {
				/* A protected name that is a symlink protects its target. */
				char *target = realpath(child.ptr, NULL);
				if (target && visible(c, target))
					rc = planned(c->m, c->plan, WSB__LX_MOUNT_RO_BIND, target,
						"target of a protected name that is a symlink");
				free(target);
			} else if (prot) {
				rc = planned(c->m, c->plan, WSB__LX_MOUNT_RO_BIND, child.ptr,
					"protected name");
				if (rc == WSB_OK && S_ISREG(st.st_mode))
					rc = protect_gitdir(c, child.ptr, dir);
			} else if (is_dir) {
				rc = wsb__strvec_push_owned(&queue, wsb__buf_detach(&child));
				continue;
			}
			wsb__buf_dispose(&child);
		}
		closedir(d);
	}
	wsb__strvec_dispose(&queue);
	return rc;
}

static int in_writable_root(const struct wsb_policy *policy, const char *path)
{
	size_t i;

	if (policy->mode != WSB_MODE_WORKSPACE_WRITE)
		return 0;
	for (i = 0; i < policy->write_roots.count; i++)
		if (path_under(path, policy->write_roots.items[i]))
			return 1;
	return 0;
}

/* A protected or deny-read path that is not there. Outside every writable
 * root the command can neither have moved it nor create it: nothing to
 * protect. Inside one, an earlier command may have renamed a directory
 * above it (only the path itself is a mount point) and could read or write
 * it at its new place, or may create it: the protection is missing. */
static int absent(wsb__lx_setup *s, struct wsb_plan *plan, const struct wsb_policy *policy,
	const char *path, unsigned int bit, char **first)
{
	if (!in_writable_root(policy, path))
		return WSB_OK;
	s->missing |= bit;
	if (!*first && !(*first = wsb__strdup(path)))
		return wsb__error_nomem();
	return WSB__LX_NOTE(plan,
		"%s path %s does not exist inside a writable root (a command may have moved it or may create it): %s is missing",
		bit == WSB_PROT_FS_PROTECTED ? "protected" : "deny-read", path,
		bit == WSB_PROT_FS_PROTECTED ? "FS_PROTECTED" : "FS_DENY_READ");
}

int wsb__lx_mounts_decide(wsb__lx_setup *s, struct wsb_plan *plan,
	const struct wsb_policy *policy)
{
	decide_ctx c;
	size_t i, budget = SCAN_MAX_DIRS;
	int rc = WSB_OK, workspace = policy->mode == WSB_MODE_WORKSPACE_WRITE;
	int confine = policy->mode != WSB_MODE_FULL_ACCESS;
	struct stat st;

	c.m = &s->mounts;
	c.plan = plan;
	c.policy = policy;

	if (!s->use_mountns) {
		/* deny-read without a mount namespace: landlock.c */
		if (workspace)
			s->missing |= WSB_PROT_FS_PROTECTED;
		return WSB_OK;
	}
	if (confine && !(policy->flags & WSB_POLICY_NO_TEMP_WRITE) &&
	    (rc = decide_temp(&c, workspace)) < 0)
		return rc;
	if (workspace) {
		for (i = 0; i < policy->write_roots.count; i++)
			if ((rc = scan_root(&c, policy->write_roots.items[i], &budget)) < 0)
				return rc;
		if (c.m->truncated_scan && (rc = WSB__LX_NOTE(plan,
				"the protected-name scan stopped after %d directories: deeper names are not mounted read-only",
				SCAN_MAX_DIRS)) < 0)
			return rc;
		for (i = 0; i < policy->protect_paths.count; i++) {
			const char *p = policy->protect_paths.items[i];
			if (stat(p, &st) < 0)
				rc = absent(s, plan, policy, p, WSB_PROT_FS_PROTECTED, &c.m->absent_protected);
			else if (visible(&c, p))
				rc = planned(c.m, plan, WSB__LX_MOUNT_RO_BIND, p, "protected path");
			if (rc < 0)
				return rc;
		}
		s->protections |= WSB_PROT_FS_PROTECTED;
	}
	if (confine) {
		for (i = 0; i < policy->deny_read.count; i++) {
			const char *p = policy->deny_read.items[i];
			if (stat(p, &st) < 0)
				rc = absent(s, plan, policy, p, WSB_PROT_FS_DENY_READ, &c.m->absent_deny_read);
			else if (visible(&c, p))
				rc = planned(c.m, plan, S_ISDIR(st.st_mode) ? WSB__LX_MOUNT_EMPTY_DIR :
					WSB__LX_MOUNT_EMPTY_FILE, p, "deny-read path");
			if (rc < 0)
				return rc;
		}
		if (policy->deny_read.count)
			s->protections |= WSB_PROT_FS_DENY_READ;
	}
	/* What vanishes between now and its mount is judged by the same rule. */
	for (i = 0; i < c.m->count; i++) {
		wsb__lx_mount *it = &c.m->items[i];
		if (!in_writable_root(policy, it->target))
			continue;
		if (it->kind == WSB__LX_MOUNT_RO_BIND)
			it->lost_bit = WSB_PROT_FS_PROTECTED;
		else if (it->kind == WSB__LX_MOUNT_EMPTY_DIR || it->kind == WSB__LX_MOUNT_EMPTY_FILE)
			it->lost_bit = WSB_PROT_FS_DENY_READ;
	}
	c.m->allow_lost = policy->allow_missing & (WSB_PROT_FS_PROTECTED | WSB_PROT_FS_DENY_READ);
	if (s->use_pidns && (rc = planned(c.m, plan, WSB__LX_MOUNT_PROC, "/proc",
			"show only the sandbox's processes")) < 0)
		return rc;
	return WSB_OK;
}

int wsb__lx_mounts_add_carry(wsb__lx_mounts *m, const char *path)
{
	size_t i, j;

	for (i = 0; i < m->count; i++)
		if ((m->items[i].kind == WSB__LX_MOUNT_CARRY ||
		     m->items[i].kind == WSB__LX_MOUNT_CARRY_RO) &&
		    path_under(path, m->items[i].target))
			return WSB_OK;
	for (i = 0; i < m->count; i++) {
		/* The tmpfs's own root is there anyway. */
		if (m->items[i].kind != WSB__LX_MOUNT_TMPFS || !path_under(path, m->items[i].target) ||
		    strcmp(path, m->items[i].target) == 0)
			continue;
		/* Right after its temp mount, before anything on top. */
		j = i + 1;
		/* Read-only: below /tmp, Landlock would otherwise grant it the
		 * private temp directory's write access. */
		if (add_mount(m, WSB__LX_MOUNT_CARRY_RO, path) < 0)
			return WSB_ENOMEM;
		if (j != m->count - 1) {
			wsb__lx_mount tmp = m->items[m->count - 1];
			memmove(&m->items[j + 1], &m->items[j], (m->count - 1 - j) * sizeof(tmp));
			m->items[j] = tmp;
		}
		return WSB_OK;
	}
	return WSB_OK;
}

void wsb__lx_mounts_dispose(wsb__lx_mounts *m)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		wsb__free(m->items[i].target);
	wsb__free(m->items);
	wsb__free(m->absent_protected);
	wsb__free(m->absent_deny_read);
	memset(m, 0, sizeof(*m));
}

/* ---- child side: system calls only ---- */

static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path), i;

	if (n >= sizeof(buf))
		return ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return errno;
		buf[i] = path[i];
	}
	return 0;
}

static void fd_path(char *buf, int fd)
{
	static const char prefix[] = "/proc/self/fd/";
	char digits[16];
	int n = 0;

	memcpy(buf, prefix, sizeof(prefix));
	do {
		digits[n++] = (char)('0' + fd % 10);
		fd /= 10;
	} while (fd > 0);
	buf += sizeof(prefix) - 1;
	while (n > 0)
		*buf++ = digits[--n];
	*buf = '\0';
}

static size_t put(char *buf, size_t n, size_t cap, const char *text)
{
	size_t len = strlen(text);

	if (n + len >= cap)
		return cap;
	memcpy(buf + n, text, len + 1);
	return n + len;
}

/* An overlay on dir: the host's dir (held by an O_PATH fd, as the tmpfs
 * hides its path) below, read-only; a fresh tmpfs mounted on dir first
 * holds the upper and work directories, and the overlay then hides it. */
static int mount_overlay(const char *dir)
{
	char opts[256], lower[32], upper[64], work[64];
	size_t n = 0;
	struct stat st;
	int fd, err = 0;

	if (strlen(dir) > 40)
		return ENAMETOOLONG;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	fd_path(lower, fd);
	put(upper, put(upper, 0, sizeof(upper), dir), sizeof(upper), "/.u");
	put(work, put(work, 0, sizeof(work), dir), sizeof(work), "/.w");
	n = put(opts, n, sizeof(opts), "lowerdir=");
	n = put(opts, n, sizeof(opts), lower);
	n = put(opts, n, sizeof(opts), ",upperdir=");
	n = put(opts, n, sizeof(opts), upper);
	n = put(opts, n, sizeof(opts), ",workdir=");
	n = put(opts, n, sizeof(opts), work);
	if (n >= sizeof(opts))
		err = ENAMETOOLONG;
	else if (fstat(fd, &st) < 0)
		err = errno;
	else if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		err = errno;
	else if (mkdir(upper, 0700) < 0 || mkdir(work, 0700) < 0 ||
		 chmod(upper, st.st_mode & 07777) < 0)
		err = errno;
	else if (mount("overlay", dir, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
		err = errno;
	close(fd);
	return err;
}

static int set_attr(const char *target, uint64_t attr)
{
	struct wsb_mount_attr a;
	struct statvfs sv;
	unsigned long flags = MS_BIND | MS_REMOUNT;

	memset(&a, 0, sizeof(a));
	a.attr_set = attr;
	if (syscall(__NR_mount_setattr, AT_FDCWD, target, AT_RECURSIVE, &a, sizeof(a)) == 0)
		return 0;
	if (errno != ENOSYS)
		return errno;
	/* Kernels before 5.12: remount the top mount, keeping the flags a user
	 * namespace may not clear. */
	if (statvfs(target, &sv) < 0)
		return errno;
	flags |= (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0) | (sv.f_flag & ST_NODEV ? MS_NODEV : 0) |
		(sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0) | (sv.f_flag & ST_NOATIME ? MS_NOATIME : 0) |
		(sv.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0) | (sv.f_flag & ST_RELATIME ? MS_RELATIME : 0);
	if (attr & WSB_MOUNT_ATTR_RDONLY)
		flags |= MS_RDONLY;
	if (attr & WSB_MOUNT_ATTR_NODEV)
		flags |= MS_NODEV;
	if (mount(NULL, target, NULL, flags, NULL) < 0)
		return errno;
	return 0;
}

/* 1 if a directory on the way to path denies init search by its mode
 * bits alone. The command has init's uid and groups and no capability, so
 * it is denied too; a refusal by a security module is not counted (the
 * command's program may run under another profile). */
static int search_denied(const char *path)
{
	char dir[4096];
	gid_t groups[256];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int ngroups = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups), g;
	size_t n = strlen(path), i;
	struct stat st;

	if (n >= sizeof(dir) || path[0] != '/')
		return 0;
	memcpy(dir, path, n + 1);
	for (i = 1; i < n; i++) {
		mode_t bit;
		int member = 0;
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (stat(dir, &st) < 0)
			return 0;
		dir[i] = '/';
		for (g = 0; g < ngroups && !member; g++)
			member = groups[g] == st.st_gid;
		bit = st.st_uid == uid ? S_IXUSR : (st.st_gid == gid || member) ? S_IXGRP : S_IXOTH;
		if (S_ISDIR(st.st_mode) && !(st.st_mode & bit))
			return 1;
	}
	return 0;
}

/* A protected or deny-read path that vanished since the decision follows
 * the decision's rule (see absent()): outside every writable root there is
 * nothing left to cover; inside one, its protection is lost, which fails
 * unless the policy accepts it missing. One that init may not even reach
 * (EACCES with a directory on the way whose mode denies it search, such as
 * another user's private one, which the caller's own scan could read as
 * root) is out of the command's reach as well: it needs no mount
 * (reaching: err is from the call that reached it, not from one after). */
static int gone(const wsb__lx_mounts *m, const wsb__lx_mount *it, int err, int reaching,
	unsigned int *lost)
{
	if (err == EACCES && reaching && search_denied(it->target))
		return 0;
	if (err != ENOENT && err != ENOTDIR)
		return err;
	if (!it->lost_bit)
		return 0;
	if (!(m->allow_lost & it->lost_bit))
		return ENOENT;
	*lost |= it->lost_bit;
	return 0;
}

int wsb__lx_mounts_apply(const wsb__lx_mounts *m, int *out_index, unsigned int *out_lost)
{
	int carry_fd[MAX_CARRIES];
	size_t i, carries = 0;
	int err = 0;

	*out_index = -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return errno;
	/* Hold on to carried paths before a tmpfs hides them. */
	for (i = 0; i < m->count; i++) {
		if (m->items[i].kind != WSB__LX_MOUNT_CARRY && m->items[i].kind != WSB__LX_MOUNT_CARRY_RO)
			continue;
		if (carries == MAX_CARRIES) {
			*out_index = (int)i;
			return E2BIG;
		}
		carry_fd[carries] = open(m->items[i].target, O_PATH | O_CLOEXEC);
		if (carry_fd[carries] < 0) {
			*out_index = (int)i;
			return errno;
		}
		carries++;
	}
	carries = 0;
	for (i = 0; i < m->count && !err; i++) {
		const wsb__lx_mount *it = &m->items[i];
		char src[32];

		switch (it->kind) {
		case WSB__LX_MOUNT_OVERLAY:
			err = mount_overlay(it->target);
			break;
		case WSB__LX_MOUNT_TMPFS:
			if (mount("tmpfs", it->target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
				err = errno;
			break;
		case WSB__LX_MOUNT_CARRY:
		case WSB__LX_MOUNT_CARRY_RO:
			fd_path(src, carry_fd[carries++]);
			err = mkdir_p(it->target);
			if (!err && mount(src, it->target, NULL, MS_BIND | MS_REC, NULL) < 0)
				err = errno;
			if (!err && it->kind == WSB__LX_MOUNT_CARRY_RO)
				err = set_attr(it->target, WSB_MOUNT_ATTR_RDONLY);
			break;
		case WSB__LX_MOUNT_RO_BIND:
			if (mount(it->target, it->target, NULL, MS_BIND | MS_REC, NULL) < 0)
				err = gone(m, it, errno, 1, out_lost);
			else if ((err = set_attr(it->target, WSB_MOUNT_ATTR_RDONLY)) != 0)
				err = gone(m, it, err, 0, out_lost);  /* removed after the bind */
			break;
		case WSB__LX_MOUNT_EMPTY_DIR:
			if (mount("tmpfs", it->target, "tmpfs",
					MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
					"mode=000,size=4k,nr_inodes=2") < 0)
				err = gone(m, it, errno, 1, out_lost);
			break;
		case WSB__LX_MOUNT_EMPTY_FILE:
			if (mount("/dev/null", it->target, NULL, MS_BIND, NULL) < 0)
				err = gone(m, it, errno, 1, out_lost);
			else if ((err = set_attr(it->target, WSB_MOUNT_ATTR_RDONLY | WSB_MOUNT_ATTR_NODEV)) != 0)
				err = gone(m, it, err, 0, out_lost);
			break;
		case WSB__LX_MOUNT_PROC:
			/* Best effort: some container setups forbid a new proc. */
			mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
			break;
		}
		if (err)
			*out_index = (int)i;
	}
	for (i = 0; i < carries; i++)
		close(carry_fd[i]);
	return err;
}
