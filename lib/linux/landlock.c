/*
 * Landlock: the file-system allow-list. Read (and execute) everywhere, write
 * only under the writable roots, the private /tmp and a few device nodes.
 * Uses the highest ABI the kernel offers; the constants of newer ABIs are
 * defined here because distribution headers lag behind the kernel.
 *
 * What Landlock cannot say (a read-only hole inside a writable root, a
 * deny-read hole inside the readable tree) is done by mounts.c.
 */
#include "linux.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#  define __NR_landlock_create_ruleset 444
#  define __NR_landlock_add_rule 445
#  define __NR_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH 1

#define LL_FS_EXECUTE     (1ull << 0)
#define LL_FS_WRITE_FILE  (1ull << 1)
#define LL_FS_READ_FILE   (1ull << 2)
#define LL_FS_READ_DIR    (1ull << 3)
#define LL_FS_REMOVE_DIR  (1ull << 4)
#define LL_FS_REMOVE_FILE (1ull << 5)
#define LL_FS_MAKE_CHAR   (1ull << 6)
#define LL_FS_MAKE_DIR    (1ull << 7)
#define LL_FS_MAKE_REG    (1ull << 8)
#define LL_FS_MAKE_SOCK   (1ull << 9)
#define LL_FS_MAKE_FIFO   (1ull << 10)
#define LL_FS_MAKE_BLOCK  (1ull << 11)
#define LL_FS_MAKE_SYM    (1ull << 12)
#define LL_FS_REFER       (1ull << 13) /* ABI 2 */
#define LL_FS_TRUNCATE    (1ull << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV   (1ull << 15) /* ABI 5 */

#define LL_NET_BIND_TCP    (1ull << 0) /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ull << 1) /* ABI 4 */

#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL               (1ull << 1) /* ABI 6 */

#define LL_MAX_ABI 7

#define LL_READ (LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_FILE_ONLY (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | \
	LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

unsigned int wsb__lx_fake_missing;
int wsb__lx_fake_landlock_abi;

int wsb__lx_landlock_abi(void)
{
	static int cached = -1;
	int abi;

	if (wsb__lx_fake_missing & WSB__LX_FAKE_NO_LANDLOCK)
		return 0;
	if (wsb__lx_fake_landlock_abi > 0)
		return wsb__lx_fake_landlock_abi;
	if (cached >= 0)
		return cached;
	abi = (int)syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (abi < 0)
		abi = 0;
	cached = abi;
	return abi;
}

static uint64_t handled_for_abi(int abi)
{
	uint64_t h = (LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */

	if (abi >= 2)
		h |= LL_FS_REFER;
	if (abi >= 3)
		h |= LL_FS_TRUNCATE;
	if (abi >= 5)
		h |= LL_FS_IOCTL_DEV;
	return h;
}

static int add_rule(wsb__lx_landlock *l, const char *path, uint64_t access)
{
	wsb__lx_ll_rule *r;

	if (wsb__array_reserve(&l->rules, &l->rule_cap, l->rule_count, sizeof(*l->rules), 16) != WSB_OK)
		return WSB_ENOMEM;
	r = &l->rules[l->rule_count];
	r->path = wsb__strdup(path);
	if (!r->path)
		return wsb__error_nomem();
	r->access = access;
	l->rule_count++;
	return WSB_OK;
}

static void access_names(char *buf, size_t size, uint64_t access, uint64_t handled)
{
	static const char *const names[] = {
		"execute", "write_file", "read_file", "read_dir", "remove_dir",
		"remove_file", "make_char", "make_dir", "make_reg", "make_sock",
		"make_fifo", "make_block", "make_sym", "refer", "truncate", "ioctl_dev"
	};
	size_t i, used = 0;

	buf[0] = '\0';
	if ((access & handled) == handled) {
		strncpy(buf, "all", size - 1);
		buf[size - 1] = '\0';
		return;
	}
	for (i = 0; i < WSB__ARRAY_SIZE(names); i++) {
		size_t n;
		if (!(access & (1ull << i)))
			continue;
		n = strlen(names[i]);
		if (used + n + 2 >= size)
			break;
		if (used)
			buf[used++] = ',';
		memcpy(buf + used, names[i], n + 1);
		used += n;
	}
}

static int rule(wsb__lx_landlock *l, struct wsb_plan *plan, const char *path,
	uint64_t access, const char *why)
{
	wsb__plan_step *step;
	char names[256];
	int rc;

	access &= l->handled_fs;
	if ((rc = add_rule(l, path, access)) < 0)
		return rc;
	if (!plan)
		return WSB_OK;
	access_names(names, sizeof(names), access, l->handled_fs);
	if ((rc = wsb__lx_add(plan, &step, "landlock_rule", "add", path)) < 0)
		return rc;
	if ((rc = wsb__lx_set(step, "access", names)) < 0)
		return rc;
	return wsb__lx_set(step, "reason", why);
}

/* 1 if path is base or lies below it. */
static int within(const char *path, const char *base)
{
	size_t n = strlen(base);

	if (n == 1 && base[0] == '/')
		return 1;
	return strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Deny-read without a mount namespace. Landlock rules only add rights, so
 * instead of read on "/" every entry is granted read except the deny-read
 * paths and their ancestors; the ancestors are walked the same way, and
 * "/" itself gets READ_DIR only (listing, so the names inside a deny-read
 * directory stay visible, not its files). Entries are listed now: one
 * created later directly in an ancestor is unreadable. Symlinks get no rule
 * (their targets are entries somewhere, or deny-read). A deny-read path that
 * overlaps a path granted every right (writable root, temp, device) cannot
 * be carved out: 0 with *out_ok = 0. */
static int deny_read_rules(wsb__lx_landlock *l, struct wsb_plan *plan,
	const struct wsb_policy *policy, const char *const *granted, size_t granted_count,
	int *out_ok)
{
	wsb__strvec blocked = WSB__STRVEC_INIT, deny = WSB__STRVEC_INIT;
	size_t i, j;
	int rc = WSB_OK;

	*out_ok = 0;
	for (i = 0; i < policy->deny_read.count; i++) {
		char *real = realpath(policy->deny_read.items[i], NULL);
		const char *d = real ? real : policy->deny_read.items[i];
		if (strcmp(d, "/") == 0) {
			free(real);
			goto out;  /* nothing left to read: not this way */
		}
		for (j = 0; j < granted_count; j++)
			if (within(d, granted[j]) || within(granted[j], d)) {
				free(real);
				goto out;
			}
		rc = wsb__strvec_push(&deny, d);
		free(real);
		if (rc < 0)
			goto out;
	}
	/* every ancestor of a deny-read path */
	for (i = 0; i < deny.count; i++) {
		char *a = wsb__strdup(deny.items[i]), *slash;
		if (!a) {
			rc = wsb__error_nomem();
			goto out;
		}
		while ((slash = strrchr(a, '/')) != NULL) {
			slash[slash == a ? 1 : 0] = '\0';
			for (j = 0; j < blocked.count && strcmp(blocked.items[j], a) != 0; j++)
				;
			if (j == blocked.count && (rc = wsb__strvec_push(&blocked, a)) < 0)
				break;
			if (slash == a)
				break;
		}
		wsb__free(a);
		if (rc < 0)
			goto out;
	}
	if ((rc = rule(l, plan, "/", LL_FS_READ_DIR, "list directories (read is granted around the deny-read paths)")) < 0)
		goto out;
	for (i = 0; i < blocked.count; i++) {
		DIR *dir = opendir(blocked.items[i]);
		struct dirent *de;
		if (!dir)
			continue;
		while ((de = readdir(dir)) != NULL) {
			wsb__buf b = WSB__BUF_INIT;
			struct stat st;
			size_t k;
			int skip = 0;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			wsb__buf_puts(&b, strcmp(blocked.items[i], "/") ? blocked.items[i] : "");
			wsb__buf_putc(&b, '/');
			wsb__buf_puts(&b, de->d_name);
			if (b.oom) {
				wsb__buf_dispose(&b);
				closedir(dir);
				rc = wsb__error_nomem();
				goto out;
			}
			for (k = 0; k < deny.count && !skip; k++)
				skip = strcmp(b.ptr, deny.items[k]) == 0;
			for (k = 0; k < blocked.count && !skip; k++)
				skip = strcmp(b.ptr, blocked.items[k]) == 0;
			if (!skip && lstat(b.ptr, &st) == 0 && !S_ISLNK(st.st_mode))
				rc = rule(l, plan, b.ptr, LL_READ, "read, around the deny-read paths");
			wsb__buf_dispose(&b);
			if (rc < 0) {
				closedir(dir);
				goto out;
			}
		}
		closedir(dir);
	}
	*out_ok = 1;
out:
	wsb__strvec_dispose(&blocked);
	wsb__strvec_dispose(&deny);
	return rc;
}

int wsb__lx_landlock_decide(wsb__lx_setup *s, struct wsb_plan *plan,
	const struct wsb_policy *policy)
{
	static const char *const devices[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"
	};
	wsb__lx_landlock *l = &s->landlock;
	int abi = wsb__lx_landlock_abi();
	int confine_fs = policy->mode != WSB_MODE_FULL_ACCESS;
	wsb__plan_step *step;
	size_t i;
	int rc;

	if (abi > LL_MAX_ABI)
		abi = LL_MAX_ABI;
	if (abi == 0) {
		if (confine_fs)
			s->missing |= WSB_PROT_FS_WRITE;
		if (confine_fs && !s->use_mountns && policy->deny_read.count)
			s->missing |= WSB_PROT_FS_DENY_READ;
		return WSB__LX_NOTE(plan, "Landlock is not available in this kernel");
	}
	l->abi = abi;
	if (abi >= 6) {
		l->scoped = LL_SCOPE_SIGNAL;
		if (policy->network != WSB_NETWORK_ON)
			l->scoped |= LL_SCOPE_ABSTRACT_UNIX_SOCKET;
	}
	/* No rule allows a port: with the network off and no network
	 * namespace, every TCP bind and connect is refused. */
	if (s->net_by_seccomp && abi >= 4)
		l->handled_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	/* Without a PID namespace the command shares the supervisor's uid:
	 * its own nested domain, scoped for signals, keeps it from killing
	 * the supervisor (which would orphan the tree). */
	if (s->tree_by_subreaper && abi >= 6)
		l->command_scoped = l->scoped | LL_SCOPE_SIGNAL;
	if ((rc = wsb__lx_add(plan, &step, "landlock", "set", "ruleset")) < 0)
		return rc;
	if ((rc = wsb__lx_set_u64(step, "abi", (wsb_u64)abi)) < 0)
		return rc;
	if (l->handled_net && (rc = wsb__lx_set(step, "net", "tcp bind and connect refused")) < 0)
		return rc;
	if (l->command_scoped && (rc = wsb__lx_set(step, "command_domain",
			"nested, scoped for signals: the command cannot signal its supervisor")) < 0)
		return rc;
	if (l->scoped && (rc = wsb__lx_set(step, "scoped",
			(l->scoped & LL_SCOPE_ABSTRACT_UNIX_SOCKET) ? "signal,abstract_unix_socket" : "signal")) < 0)
		return rc;
	if (!confine_fs)
		return wsb__lx_set(step, "fs", "not handled (full access)");

	l->handled_fs = handled_for_abi(abi);
	if ((rc = wsb__lx_set(step, "fs", "handled")) < 0)
		return rc;
	if (!s->use_mountns && policy->deny_read.count) {
		/* what the rules below grant every right to */
		const char *granted[64 + WSB__ARRAY_SIZE(devices)];
		size_t n = 0;
		int ok = 0;
		for (i = 0; i < WSB__ARRAY_SIZE(devices); i++)
			granted[n++] = devices[i];
		if (!(policy->flags & WSB_POLICY_NO_TEMP_WRITE)) {
			granted[n++] = "/tmp";
			granted[n++] = "/dev/shm";
		}
		if (policy->mode == WSB_MODE_WORKSPACE_WRITE)
			for (i = 0; i < policy->write_roots.count && n < WSB__ARRAY_SIZE(granted); i++)
				granted[n++] = policy->write_roots.items[i];
		if (policy->mode == WSB_MODE_WORKSPACE_WRITE && policy->write_roots.count > 64)
			ok = 0;
		else if ((rc = deny_read_rules(l, plan, policy, granted, n, &ok)) < 0)
			return rc;
		if (ok) {
			s->deny_read_by_landlock = 1;
			s->protections |= WSB_PROT_FS_DENY_READ;
		} else {
			s->missing |= WSB_PROT_FS_DENY_READ;
			if ((rc = WSB__LX_NOTE(plan, "deny-read without a mount namespace: a deny-read path "
					"overlaps a writable root, the temp directory or a device, where Landlock "
					"cannot take read away")) < 0 ||
			    (rc = rule(l, plan, "/", LL_READ, "read everything")) < 0)
				return rc;
		}
	} else if ((rc = rule(l, plan, "/", LL_READ, "read everything (deny-read paths are masked by mounts)")) < 0)
		return rc;
	for (i = 0; i < WSB__ARRAY_SIZE(devices); i++)
		if ((rc = rule(l, plan, devices[i],
				LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_IOCTL_DEV, "device")) < 0)
			return rc;
	if (policy->mode == WSB_MODE_WORKSPACE_WRITE)
		for (i = 0; i < policy->write_roots.count; i++) {
			const char *root = policy->write_roots.items[i];
			struct stat st;
			if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
				/* A dry run says so; a spawn refuses. */
				if (plan) {
					if ((rc = WSB__LX_NOTE(plan,
							"writable root is not an existing directory: %s (a spawn fails with WSB_EPATH)",
							root)) < 0)
						return rc;
					continue;
				}
				return wsb__error_os(WSB_EPATH, errno,
					"writable root is not an existing directory: %s", root);
			}
			if ((rc = rule(l, plan, root, ~0ull, "writable root")) < 0)
				return rc;
		}
	if (!(policy->flags & WSB_POLICY_NO_TEMP_WRITE)) {
		if ((rc = rule(l, plan, "/tmp", ~0ull, "private temp directory")) < 0)
			return rc;
		if ((rc = rule(l, plan, "/dev/shm", ~0ull, "private shared memory directory")) < 0)
			return rc;
	}
	if (abi < 3) {
		/* Before ABI 3 (Linux 6.2) truncate(2) is not a handled right:
		 * the command could empty any file outside the roots that the
		 * user may write. Applied anyway, but not reported in force. */
		s->missing |= WSB_PROT_FS_WRITE;
		return WSB__LX_NOTE(plan,
			"Landlock ABI %d cannot refuse truncate(2) outside the writable roots (ABI 3, Linux 6.2, can): write confinement is incomplete",
			abi);
	}
	s->protections |= WSB_PROT_FS_WRITE;
	return WSB_OK;
}

void wsb__lx_landlock_dispose(wsb__lx_landlock *l)
{
	size_t i;

	for (i = 0; i < l->rule_count; i++)
		wsb__free(l->rules[i].path);
	wsb__free(l->rules);
	memset(l, 0, sizeof(*l));
}

/* Child side: system calls only. */
int wsb__lx_landlock_apply(const wsb__lx_landlock *l)
{
	struct ll_ruleset_attr attr;
	int fd, err;
	size_t i;

	if (l->abi == 0 || (l->handled_fs == 0 && l->handled_net == 0 && l->scoped == 0))
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = l->handled_fs;
	attr.handled_access_net = l->handled_net;
	attr.scoped = l->scoped;
	fd = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return errno;
	for (i = 0; i < l->rule_count; i++) {
		struct ll_path_beneath_attr pb;
		struct stat st;
		int pfd = open(l->rules[i].path, O_PATH | O_CLOEXEC);

		if (pfd < 0) {
			if (errno == ENOENT)
				continue; /* e.g. no /dev/shm here: nothing to grant */
			err = errno;
			close(fd);
			return err;
		}
		pb.allowed_access = l->rules[i].access;
		if (fstat(pfd, &st) == 0 && !S_ISDIR(st.st_mode))
			pb.allowed_access &= LL_FILE_ONLY;
		pb.parent_fd = pfd;
		if (syscall(__NR_landlock_add_rule, fd, LL_RULE_PATH_BENEATH, &pb, 0) < 0) {
			err = errno;
			close(pfd);
			close(fd);
			return err;
		}
		close(pfd);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(__NR_landlock_restrict_self, fd, 0) < 0) {
		err = errno;
		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/* Child side, in the command after vfork: system calls only. */
int wsb__lx_landlock_scope_command(const wsb__lx_landlock *l)
{
	struct ll_ruleset_attr attr;
	int fd, err = 0;

	if (l->command_scoped == 0)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.scoped = l->command_scoped;
	fd = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return errno;
	if (syscall(__NR_landlock_restrict_self, fd, 0) < 0)
		err = errno;
	close(fd);
	return err;
}
