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
 *    Without a network namespace socket() is refused for every family.
 *    socketpair() stays for streams only: one end of a datagram pair can be
 *    connected again, or sendto() any pathname datagram socket.
 * Any other architecture than x86_64 (and the x32 ABI) is refused.
 */
#include "linux.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
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

enum rule_kind { DENY_EPERM, DENY_ENOSYS, CHECK_CLONE, CHECK_IOCTL, CHECK_SOCKET, DENY_SOCKET,
	CHECK_SOCKETPAIR };

struct rule {
	int nr;
	int kind;
	const char *name;
};

static const struct rule denied[] = {
	{ __NR_unshare, DENY_EPERM, "unshare" }, { __NR_setns, DENY_EPERM, "setns" },
	{ __NR_mount, DENY_EPERM, "mount" }, { __NR_umount2, DENY_EPERM, "umount2" },
	{ __NR_pivot_root, DENY_EPERM, "pivot_root" }, { __NR_chroot, DENY_EPERM, "chroot" },
	{ __NR_open_tree, DENY_EPERM, "open_tree" }, { __NR_move_mount, DENY_EPERM, "move_mount" },
	{ __NR_fsopen, DENY_EPERM, "fsopen" }, { __NR_fsconfig, DENY_EPERM, "fsconfig" },
	{ __NR_fsmount, DENY_EPERM, "fsmount" }, { __NR_fspick, DENY_EPERM, "fspick" },
	{ __NR_mount_setattr, DENY_EPERM, "mount_setattr" },
	{ __NR_io_uring_setup, DENY_EPERM, "io_uring_setup" },
	{ __NR_io_uring_enter, DENY_EPERM, "io_uring_enter" },
	{ __NR_io_uring_register, DENY_EPERM, "io_uring_register" },
	{ __NR_keyctl, DENY_EPERM, "keyctl" }, { __NR_add_key, DENY_EPERM, "add_key" },
	{ __NR_request_key, DENY_EPERM, "request_key" }, { __NR_bpf, DENY_EPERM, "bpf" },
	{ __NR_perf_event_open, DENY_EPERM, "perf_event_open" },
	{ __NR_userfaultfd, DENY_EPERM, "userfaultfd" },
	{ __NR_open_by_handle_at, DENY_EPERM, "open_by_handle_at" },
	{ __NR_kexec_load, DENY_EPERM, "kexec_load" }, { __NR_kexec_file_load, DENY_EPERM, "kexec_file_load" },
	{ __NR_init_module, DENY_EPERM, "init_module" }, { __NR_finit_module, DENY_EPERM, "finit_module" },
	{ __NR_delete_module, DENY_EPERM, "delete_module" }, { __NR_reboot, DENY_EPERM, "reboot" },
	{ __NR_swapon, DENY_EPERM, "swapon" }, { __NR_swapoff, DENY_EPERM, "swapoff" },
	{ __NR_acct, DENY_EPERM, "acct" }, { __NR_syslog, DENY_EPERM, "syslog" },
	{ __NR_iopl, DENY_EPERM, "iopl" }, { __NR_ioperm, DENY_EPERM, "ioperm" },
	{ __NR_quotactl, DENY_EPERM, "quotactl" }, { __NR_vhangup, DENY_EPERM, "vhangup" },
	{ __NR_clone3, DENY_ENOSYS, "clone3" },
	{ __NR_clone, CHECK_CLONE, "clone" },
	{ __NR_ioctl, CHECK_IOCTL, "ioctl" },
	{ __NR_socket, CHECK_SOCKET, "socket" },
	{ __NR_socketpair, CHECK_SOCKETPAIR, "socketpair" },
};

#define RET_ERRNO(e) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define RET_ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define LOAD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))

typedef struct emitter {
	struct sock_filter *f;
	size_t n, cap;
	int overflow;
} emitter;

static void put(emitter *e, struct sock_filter ins)
{
	if (e->n == e->cap) {
		e->overflow = 1;
		return;
	}
	e->f[e->n++] = ins;
}

static void emit_block(emitter *e, int kind)
{
	switch (kind) {
	case DENY_EPERM:
	case DENY_SOCKET:
		put(e, (struct sock_filter)RET_ERRNO(EPERM));
		break;
	case DENY_ENOSYS:
		put(e, (struct sock_filter)RET_ERRNO(ENOSYS));
		break;
	case CHECK_CLONE: /* refuse any CLONE_NEW* flag */
		put(e, (struct sock_filter)LOAD(ARG_LO(0)));
		put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1));
		put(e, (struct sock_filter)RET_ERRNO(EPERM));
		put(e, (struct sock_filter)RET_ALLOW);
		break;
	case CHECK_IOCTL: /* no typing into a terminal */
		put(e, (struct sock_filter)LOAD(ARG_LO(1)));
		put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x5412 /* TIOCSTI */, 1, 0));
		put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x541C /* TIOCLINUX */, 0, 1));
		put(e, (struct sock_filter)RET_ERRNO(EPERM));
		put(e, (struct sock_filter)RET_ALLOW);
		break;
	case CHECK_SOCKETPAIR: /* a datagram pair could re-target one end at any pathname socket */
		put(e, (struct sock_filter)LOAD(ARG_LO(1)));
		put(e, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf));
		put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCK_STREAM, 2, 0));
		put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCK_SEQPACKET, 1, 0));
		put(e, (struct sock_filter)RET_ERRNO(EPERM));
		put(e, (struct sock_filter)RET_ALLOW);
		break;
	case CHECK_SOCKET: /* families the network namespace confines */
		put(e, (struct sock_filter)LOAD(ARG_LO(0)));
		put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 3, 0));
		put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 2, 0));
		put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 1, 0));
		put(e, (struct sock_filter)RET_ERRNO(EPERM));
		put(e, (struct sock_filter)RET_ALLOW);
		break;
	}
}

static size_t block_len(int kind)
{
	static const size_t len[] = { 1, 1, 4, 5, 6, 1, 6 };
	return len[kind];
}

/* A binary search over the sorted rules: each system call is decided after
 * a handful of comparisons, which also keeps the kernel's per-syscall
 * verdict cache (computed by emulating the filter) cheap to build. */
static void emit_tree(emitter *e, const struct rule *r, size_t count)
{
	size_t i, slot, mid;

	if (count <= 4) {
		for (i = 0; i < count; i++) {
			put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)r[i].nr,
				0, (unsigned char)block_len(r[i].kind)));
			emit_block(e, r[i].kind);
		}
		put(e, (struct sock_filter)RET_ALLOW);
		return;
	}
	mid = count / 2;
	slot = e->n;
	put(e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (unsigned)r[mid].nr, 0, 0));
	emit_tree(e, r, mid);
	if (!e->overflow && e->n - slot - 1 > 255)
		e->overflow = 1;
	if (!e->overflow)
		e->f[slot].jt = (unsigned char)(e->n - slot - 1);
	emit_tree(e, r + mid, count - mid);
}

static int by_nr(const void *a, const void *b)
{
	return ((const struct rule *)a)->nr - ((const struct rule *)b)->nr;
}

static int step(struct wsb_plan *plan, const struct rule *r)
{
	static const char *const when[] = {
		NULL, "always (its flags are not visible to a filter; libc falls back to clone)",
		"flags include CLONE_NEW*", "request is TIOCSTI or TIOCLINUX",
		"network off and the family is not AF_INET, AF_INET6 or AF_NETLINK (AF_UNIX included; socketpair stays allowed)",
		"network off without a network namespace: every family (socketpair stays allowed)",
		"network off and the type is not SOCK_STREAM or SOCK_SEQPACKET (a datagram end can send to any pathname socket)"
	};
	wsb__plan_step *st;
	int rc;

	if ((rc = wsb__lx_add(plan, &st, "seccomp", "deny", r->name)) < 0)
		return rc;
	if (when[r->kind] && (rc = wsb__lx_set(st, "when", when[r->kind])) < 0)
		return rc;
	return wsb__lx_set(st, "errno", r->kind == DENY_ENOSYS ? "ENOSYS" : "EPERM");
}

int wsb__lx_seccomp_decide(wsb__lx_setup *s, struct wsb_plan *plan,
	const struct wsb_policy *policy)
{
	struct rule rules[WSB__ARRAY_SIZE(denied)];
	size_t count = 0, i;
	emitter e;
	int rc;

	for (i = 0; i < WSB__ARRAY_SIZE(denied); i++) {
		if ((denied[i].kind == CHECK_SOCKET || denied[i].kind == CHECK_SOCKETPAIR) &&
		    policy->network == WSB_NETWORK_ON)
			continue;
		rules[count] = denied[i];
		if (denied[i].kind == CHECK_SOCKET && s->net_by_seccomp)
			rules[count].kind = DENY_SOCKET;
		if ((rc = step(plan, &rules[count])) < 0)
			return rc;
		count++;
	}
	qsort(rules, count, sizeof(rules[0]), by_nr);
	e.cap = 16 + 8 * count;
	e.n = 0;
	e.overflow = 0;
	e.f = wsb__calloc(e.cap, sizeof(*e.f));
	if (!e.f)
		return wsb__error_nomem();
	put(&e, (struct sock_filter)LOAD(offsetof(struct seccomp_data, arch)));
	put(&e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
	put(&e, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	put(&e, (struct sock_filter)LOAD(offsetof(struct seccomp_data, nr)));
	put(&e, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
	put(&e, (struct sock_filter)RET_ERRNO(ENOSYS));
	emit_tree(&e, rules, count);
	if (e.overflow) {
		wsb__free(e.f);
		return wsb__error(WSB_ERROR, "the seccomp filter does not fit its jump ranges");
	}
	s->seccomp.prog = e.f;
	s->seccomp.len = (unsigned short)e.n;
	s->protections |= WSB_PROT_SYSCALL_FILTER;
	return WSB_OK;
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
