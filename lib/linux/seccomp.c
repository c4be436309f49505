/*
 * The system-call filter: closes what the other layers leave open. Denied
 * calls fail with EPERM (clone3 with ENOSYS, so libc falls back to clone,
 * whose flags the filter can see):
 *  - new namespaces (unshare, setns, clone with CLONE_NEW*): no user
 *    namespace in which to regain capabilities and re-mount;
 *  - mount-table changes (mount, umount2, pivot_root, the new mount API);
 *  - io_uring (its operations bypass this filter), keyctl, bpf,
 *    perf_event_open, userfaultfd, module/kexec/reboot/swap/acct calls;
 *  - TIOCSTI/TIOCLINUX ioctls (typing into a terminal);
 *  - network off: socket() for families other than AF_INET, AF_INET6 and
 *    AF_NETLINK (which the network namespace confines); this covers AF_UNIX,
 *    whose pathname sockets reach outside any namespace. socketpair() stays.
 * Any other architecture than x86_64 (and the x32 ABI) is refused.
 */
#include "linux.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_io_uring_setup
#  define __NR_io_uring_setup 425
#  define __NR_io_uring_enter 426
#  define __NR_io_uring_register 427
#endif
#ifndef __NR_open_tree
#  define __NR_open_tree 428
#  define __NR_move_mount 429
#  define __NR_fsopen 430
#  define __NR_fsconfig 431
#  define __NR_fsmount 432
#  define __NR_fspick 433
#endif
#ifndef __NR_clone3
#  define __NR_clone3 435
#endif
#ifndef __NR_mount_setattr
#  define __NR_mount_setattr 442
#endif
#ifndef CLONE_NEWTIME
#  define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#  define CLONE_NEWCGROUP 0x02000000
#endif

#if !defined(__x86_64__)
#  error "the Linux seccomp filter is written for x86_64"
#endif

#define X32_SYSCALL_BIT 0x40000000u
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
	CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME)

struct denied {
	int nr;
	const char *name;
};

static const struct denied denied[] = {
	{ __NR_unshare, "unshare" }, { __NR_setns, "setns" },
	{ __NR_mount, "mount" }, { __NR_umount2, "umount2" },
	{ __NR_pivot_root, "pivot_root" }, { __NR_chroot, "chroot" },
	{ __NR_open_tree, "open_tree" }, { __NR_move_mount, "move_mount" },
	{ __NR_fsopen, "fsopen" }, { __NR_fsconfig, "fsconfig" },
	{ __NR_fsmount, "fsmount" }, { __NR_fspick, "fspick" },
	{ __NR_mount_setattr, "mount_setattr" },
	{ __NR_io_uring_setup, "io_uring_setup" }, { __NR_io_uring_enter, "io_uring_enter" },
	{ __NR_io_uring_register, "io_uring_register" },
	{ __NR_keyctl, "keyctl" }, { __NR_add_key, "add_key" },
	{ __NR_request_key, "request_key" }, { __NR_bpf, "bpf" },
	{ __NR_perf_event_open, "perf_event_open" }, { __NR_userfaultfd, "userfaultfd" },
	{ __NR_open_by_handle_at, "open_by_handle_at" },
	{ __NR_kexec_load, "kexec_load" }, { __NR_kexec_file_load, "kexec_file_load" },
	{ __NR_init_module, "init_module" }, { __NR_finit_module, "finit_module" },
	{ __NR_delete_module, "delete_module" }, { __NR_reboot, "reboot" },
	{ __NR_swapon, "swapon" }, { __NR_swapoff, "swapoff" }, { __NR_acct, "acct" },
	{ __NR_syslog, "syslog" }, { __NR_iopl, "iopl" }, { __NR_ioperm, "ioperm" },
	{ __NR_quotactl, "quotactl" }, { __NR_vhangup, "vhangup" },
};

#define RET_ERRNO(e) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define RET_ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define LOAD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))

static int step(struct wsb_plan *plan, const char *name, const char *when, const char *err)
{
	wsb__plan_step *st;
	int rc;

	if ((rc = wsb__plan_add(plan, &st, "seccomp", "deny", name)) < 0)
		return rc;
	if (when && (rc = wsb__plan_set(st, "when", when)) < 0)
		return rc;
	return wsb__plan_set(st, "errno", err);
}

int wsb__lx_seccomp_decide(wsb__lx_setup *s, struct wsb_plan *plan,
	const struct wsb_policy *policy)
{
	struct sock_filter *f;
	size_t n = 0, cap = 16 + 2 * WSB__ARRAY_SIZE(denied) + 32, i;
	int rc;

	f = wsb__calloc(cap, sizeof(*f));
	if (!f)
		return wsb__error_nomem();
	f[n++] = (struct sock_filter)LOAD(offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)LOAD(offsetof(struct seccomp_data, nr));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1);
	f[n++] = (struct sock_filter)RET_ERRNO(ENOSYS);
	for (i = 0; i < WSB__ARRAY_SIZE(denied); i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i].nr, 0, 1);
		f[n++] = (struct sock_filter)RET_ERRNO(EPERM);
		if ((rc = step(plan, denied[i].name, NULL, "EPERM")) < 0)
			goto fail;
	}
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1);
	f[n++] = (struct sock_filter)RET_ERRNO(ENOSYS);
	if ((rc = step(plan, "clone3", "always (flags are not visible to the filter; libc falls back to clone)", "ENOSYS")) < 0)
		goto fail;
	/* clone: refuse any CLONE_NEW* flag. */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4);
	f[n++] = (struct sock_filter)LOAD(ARG_LO(0));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1);
	f[n++] = (struct sock_filter)RET_ERRNO(EPERM);
	f[n++] = (struct sock_filter)RET_ALLOW;
	if ((rc = step(plan, "clone", "flags include CLONE_NEW*", "EPERM")) < 0)
		goto fail;
	/* ioctl: no typing into a terminal. */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 5);
	f[n++] = (struct sock_filter)LOAD(ARG_LO(1));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x5412 /* TIOCSTI */, 1, 0);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x541C /* TIOCLINUX */, 0, 1);
	f[n++] = (struct sock_filter)RET_ERRNO(EPERM);
	f[n++] = (struct sock_filter)RET_ALLOW;
	if ((rc = step(plan, "ioctl", "request is TIOCSTI or TIOCLINUX", "EPERM")) < 0)
		goto fail;
	if (policy->network == WSB_NETWORK_OFF) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 6);
		f[n++] = (struct sock_filter)LOAD(ARG_LO(0));
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 3, 0);
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 2, 0);
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 1, 0);
		f[n++] = (struct sock_filter)RET_ERRNO(EPERM);
		f[n++] = (struct sock_filter)RET_ALLOW;
		if ((rc = step(plan, "socket", "network off and family is not AF_INET, AF_INET6 or AF_NETLINK (AF_UNIX included; socketpair allowed)", "EPERM")) < 0)
			goto fail;
	}
	f[n++] = (struct sock_filter)RET_ALLOW;
	s->seccomp.prog = f;
	s->seccomp.len = (unsigned short)n;
	s->protections |= WSB_PROT_SYSCALL_FILTER;
	return WSB_OK;
fail:
	wsb__free(f);
	return rc;
}

void wsb__lx_seccomp_dispose(wsb__lx_seccomp *sc)
{
	wsb__free(sc->prog);
	sc->prog = NULL;
	sc->len = 0;
}

/* Child side. */
int wsb__lx_seccomp_apply(const wsb__lx_seccomp *sc)
{
	struct sock_fprog prog;

	if (!sc->prog)
		return 0;
	prog.len = sc->len;
	prog.filter = sc->prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errno;
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return errno;
	return 0;
}
