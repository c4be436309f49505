/*
 * The Linux backend's internal interface. One module per mechanism:
 *   landlock.c  file-system allow-list (Landlock)
 *   mounts.c    private mount namespace: private /tmp, read-only protected
 *               paths, empty mounts over deny-read paths, a fresh /proc
 *   netns.c     network namespace with loopback up
 *   limits.c    cgroup v2 -> cgroup v1 -> rlimits
 *   seccomp.c   the system-call filter
 *   ladder.c    which mechanism gives each protection (docs/linux-backend.md)
 *   relay.c     the loopback relay (docs/relay.md)
 *   spawn.c     clone into the namespaces, the tiny init, exec
 *   initd.c     the init server of a warm policy (wsb-initd): inits cloned
 *               from a small program instead of from the caller
 *   pty.c       the pseudo-terminal of wsb_spawn_options.terminal
 *   process.c   struct wsb_process: wait, kill, pipes, status
 *   backend.c   lib/backend.h: decide (plan) and glue
 *
 * Flow: the parent decides everything and prepares every byte the child
 * needs (paths, maps, the BPF program) before cloning, because the child of
 * a possibly multithreaded caller may only make system calls: no allocation,
 * no locks, no stdio.
 */
#ifndef WSB_LINUX_H
#define WSB_LINUX_H

#include "../backend.h"

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/resource.h>

/* ---- plan steps: the decide step records them only when a plan is
 * wanted (wsb_plan_create); a spawn decides with plan == NULL and skips
 * building strings it would throw away. ---- */
static inline int wsb__lx_add(struct wsb_plan *plan, wsb__plan_step **out_step,
	const char *kind, const char *action, const char *target)
{
	*out_step = NULL;
	return plan ? wsb__plan_add(plan, out_step, kind, action, target) : WSB_OK;
}

static inline int wsb__lx_set(wsb__plan_step *step, const char *key, const char *value)
{
	return step ? wsb__plan_set(step, key, value) : WSB_OK;
}

static inline int wsb__lx_set_u64(wsb__plan_step *step, const char *key, wsb_u64 value)
{
	return step ? wsb__plan_set_u64(step, key, value) : WSB_OK;
}

#define WSB__LX_NOTE(plan, ...) ((plan) ? wsb__plan_note((plan), __VA_ARGS__) : WSB_OK)

/* ---- mechanism probes (what the kernel offers) ---- */

/* Landlock ABI version (0 = unavailable). Cached after the first call. */
int wsb__lx_landlock_abi(void);
/* 1 if user namespaces can be created by this process (read from sysctls;
 * the real answer comes from clone()). */
int wsb__lx_userns_available(void);

/* 1 if this process can read /proc/self/task/<tid>/children, which the
 * supervisor walks to kill a tree without a PID namespace. Cached. */
int wsb__lx_proc_children_available(void);
/* 1 if the command cannot trace processes outside the sandbox even
 * without a PID namespace (Landlock, or Yama ptrace_scope >= 1). Cached. */
int wsb__lx_ptrace_confined(void);

/* Test hook: pretend these mechanisms are missing (WSB__LX_FAKE_* bits). */
#define WSB__LX_FAKE_NO_LANDLOCK 0x1
#define WSB__LX_FAKE_NO_USERNS   0x2
#define WSB__LX_FAKE_NO_CGROUP   0x4
#define WSB__LX_FAKE_NO_OVERLAY  0x8
extern unsigned int wsb__lx_fake_missing;
/* Test hook: report this Landlock ABI instead of the kernel's (0: the real
 * one). Only a lower number than the kernel's is meaningful. */
extern int wsb__lx_fake_landlock_abi;

/* ---- Landlock ---- */
typedef struct wsb__lx_ll_rule {
	char *path;
	uint64_t access;
} wsb__lx_ll_rule;

typedef struct wsb__lx_landlock {
	int abi;               /* 0: not applied */
	uint64_t handled_fs;
	uint64_t handled_net;  /* TCP bind/connect refused (ABI 4), no rule allows any */
	uint64_t scoped;
	uint64_t command_scoped;  /* a nested domain the command alone enters
	                           * (signal scope: it cannot signal its supervisor) */
	wsb__lx_ll_rule *rules;
	size_t rule_count;
	size_t rule_cap;
} wsb__lx_landlock;

/* ---- mounts ---- */
enum wsb__lx_mount_kind {
	WSB__LX_MOUNT_OVERLAY = 1,  /* private /tmp, /dev/shm: the host's contents
	                             * readable, writes to a discarded tmpfs layer */
	WSB__LX_MOUNT_TMPFS,        /* fresh empty tmpfs (the same without overlayfs) */
	WSB__LX_MOUNT_CARRY,        /* re-attach a host path below a private temp directory */
	WSB__LX_MOUNT_CARRY_RO,     /* the same, read-only (a working directory that is no root) */
	WSB__LX_MOUNT_RO_BIND,      /* bind the path onto itself, read-only, recursive */
	WSB__LX_MOUNT_EMPTY_DIR,    /* empty read-only tmpfs with mode 000 */
	WSB__LX_MOUNT_EMPTY_FILE,   /* /dev/null bound over a file */
	WSB__LX_MOUNT_PROC          /* /proc for the new PID namespace */
};

typedef struct wsb__lx_mount {
	int kind;
	char *target;
	/* The protection lost if the target is gone when it is mounted
	 * (WSB_PROT_FS_PROTECTED / _DENY_READ), or 0: a target inside a
	 * writable root may have been moved by a command, so its absence is
	 * a missing protection; outside every root nothing could move it. */
	unsigned int lost_bit;
} wsb__lx_mount;

typedef struct wsb__lx_mounts {
	wsb__lx_mount *items;
	size_t count;
	size_t cap;
	int truncated_scan;  /* the protected-name scan hit its budget */
	unsigned int allow_lost;   /* lost_bit values the policy accepts missing */
	/* first protected / deny-read path absent inside a writable root */
	char *absent_protected;
	char *absent_deny_read;
} wsb__lx_mounts;

/* ---- limits ---- */
typedef struct wsb__lx_rlimit {
	int resource;
	rlim_t soft, hard;
} wsb__lx_rlimit;

typedef struct wsb__lx_cgroup {
	char *dirs[2];       /* created cgroup directories (v2: one; v1: memory, pids) */
	int dir_count;
	char *mem_dir;       /* the directory holding the memory controller, or NULL */
	int mem_is_v2;
	int first_is_v2;     /* dirs[0] is a v2 cgroup (cgroup.kill, cgroup.freeze) */
} wsb__lx_cgroup;

typedef struct wsb__lx_limits {
	/* mechanism chosen for each limit: "cgroup-v2", "cgroup-v1", "rlimit", NULL */
	const char *memory_by;
	const char *processes_by;
	const char *cpu_by;
	int use_cgroup_v2_memory, use_cgroup_v2_pids;
	int use_cgroup_v1_memory, use_cgroup_v1_pids;
	/* no PID namespace: a cgroup made for the tree alone when no limit
	 * needs one (v2 under v2_parent, else v1 under v1_pids_parent) */
	int use_cgroup_v2_tree, use_cgroup_v1_tree;
	/* the cgroup holding the tree without a PID namespace ("cgroup-v2",
	 * "cgroup-v1" or NULL), and whether the command can write into that
	 * hierarchy (a Landlock grant overlaps it, or no Landlock) */
	const char *tree_by;
	int tree_leavable;
	/* a limit's cgroup the command could leave: the limit is missing */
	int memory_leavable, processes_leavable;
	char *v2_parent;     /* cgroup v2 directory to create ours under */
	char *v1_mem_parent;
	char *v1_pids_parent;
	wsb__lx_rlimit rlimits[4];
	int rlimit_count;
} wsb__lx_limits;

/* ---- seccomp ---- */
struct sock_filter;
typedef struct wsb__lx_seccomp {
	struct sock_filter *prog;
	unsigned short len;
} wsb__lx_seccomp;

/* ---- the whole decision ---- */
typedef struct wsb__lx_setup {
	unsigned int protections;   /* will be in force */
	unsigned int missing;       /* implied by the policy, not available */
	int use_userns, use_mountns, use_pidns, use_netns;
	int net_off;
	/* network off without a network namespace: seccomp refuses socket()
	 * for every family, Landlock refuses TCP (ABI 4) */
	int net_by_seccomp;
	/* process tree without a PID namespace: the supervisor is a
	 * sub-reaper that kills every descendant at the end */
	int tree_by_subreaper;
	/* deny-read without a mount namespace: Landlock grants read around
	 * the deny-read paths instead of on "/" (landlock.c) */
	int deny_read_by_landlock;
	uid_t uid;
	gid_t gid;
	char uid_map[48];
	char gid_map[48];
	wsb__lx_landlock landlock;
	wsb__lx_mounts mounts;
	wsb__lx_limits limits;
	wsb__lx_seccomp seccomp;
	wsb_u64 timeout_ms;
	wsb_u64 output_cap;
	wsb_u64 memory_limit, process_limit, cpu_limit_ms;
	/* loopback relay (0: none); relay_in_netns: its listener is created by
	 * init inside the network namespace, else bound on the host */
	unsigned short relay_listen, relay_target;
	int relay_in_netns;
	/* WSB_NETWORK_ALLOWLIST: the filtering proxy (proxy.c) serves the
	 * command; with a namespace it serves the listener init made there
	 * (relay_listen, relay_in_netns) itself, with no relay between */
	int allowlist;
} wsb__lx_setup;

void wsb__lx_setup_free(wsb__lx_setup *s);

/* decide, per module: each fills its part of setup and adds plan steps. */
int wsb__lx_landlock_decide(wsb__lx_setup *s, struct wsb_plan *plan, const struct wsb_policy *policy);
int wsb__lx_mounts_decide(wsb__lx_setup *s, struct wsb_plan *plan, const struct wsb_policy *policy);
int wsb__lx_netns_decide(wsb__lx_setup *s, struct wsb_plan *plan, const struct wsb_policy *policy);
int wsb__lx_limits_decide(wsb__lx_setup *s, struct wsb_plan *plan, const struct wsb_policy *policy);
int wsb__lx_seccomp_decide(wsb__lx_setup *s, struct wsb_plan *plan, const struct wsb_policy *policy);
/* process tree without a PID namespace (ladder.c) */
int wsb__lx_tree_decide(wsb__lx_setup *s, struct wsb_plan *plan);
/* Name, in the plan, the mechanism of each protection and why the
 * stronger ones were not used (ladder.c). */
int wsb__lx_ladder_record(struct wsb_plan *plan, const wsb__lx_setup *s,
	const struct wsb_policy *policy);
void wsb__lx_landlock_dispose(wsb__lx_landlock *l);
void wsb__lx_mounts_dispose(wsb__lx_mounts *m);
void wsb__lx_limits_dispose(wsb__lx_limits *l);
void wsb__lx_seccomp_dispose(wsb__lx_seccomp *sc);

/* Carry one more path (the working directory) into the private temp
 * directory if an empty tmpfs would hide it (the overlay shows it). */
int wsb__lx_mounts_add_carry(wsb__lx_mounts *m, const char *path);

/* act, in the child (system calls only; return 0 or an errno value).
 * mounts_apply adds to *out_lost the accepted protections whose target
 * vanished; an unaccepted one fails with ENOENT at *out_index. */
int wsb__lx_mounts_apply(const wsb__lx_mounts *m, int *out_index, unsigned int *out_lost);
int wsb__lx_landlock_apply(const wsb__lx_landlock *l);
/* The command's own nested domain (l->command_scoped), if any. */
int wsb__lx_landlock_scope_command(const wsb__lx_landlock *l);
int wsb__lx_netns_apply(void);
/* The warm network namespace (netns.c): an empty one with loopback up,
 * made once per policy content (and caller's uid/gid) inside a user
 * namespace of its own that maps the caller's ids to themselves, entered by
 * each command with setns. 0 with both fds (the caller's duplicates,
 * close-on-exec, to close after the clone), if out_initd_fd is not NULL a
 * copy of its init server's socket (initd.c; started at the first such
 * call; -1 without one) and the token of the loan, or
 * -1 when reuse is off, it cannot be made or it is lent to a command still
 * running (the spawn then makes a namespace of its own, as without reuse).
 * netns 0 (the command's network is the caller's): no namespace, only the
 * server, lent for one request (the spawn returns the token after it); -1
 * without one. */
int wsb__lx_netns_warm(int *out_user_fd, int *out_net_fd, int *out_initd_fd,
	unsigned long *out_token, const wsb__lx_setup *s, const struct wsb_policy *policy, int netns);
/* wsb_reuse_release: every entry closed, its init server ended and reaped. */
void wsb__lx_netns_warm_release(void);
/* The policy's init server failed a request: stop it, spawn in-process. */
void wsb__lx_netns_warm_initd_failed(unsigned long token);
/* The command it was lent to has no process left (its init was reaped, or
 * never started): it may be lent again. 0 is no loan. */
void wsb__lx_netns_warm_return(unsigned long token);
/* Entering it failed in a child: drop it for good, spawn cold from now on. */
void wsb__lx_netns_warm_broken(void);
/* Test hook: 1 turns the reuse off (every spawn makes its own namespaces). */
extern int wsb__lx_no_reuse;
int wsb__lx_seccomp_apply(const wsb__lx_seccomp *sc);
int wsb__lx_rlimits_apply(const wsb__lx_limits *l);

/* cgroups, parent side. */
int wsb__lx_cgroup_create(wsb__lx_cgroup *cg, const wsb__lx_limits *l,
	wsb_u64 memory, wsb_u64 processes);
int wsb__lx_cgroup_attach(const wsb__lx_cgroup *cg, pid_t pid);
/* 1 if the memory controller recorded an OOM kill or a failed charge. */
int wsb__lx_cgroup_oom(const wsb__lx_cgroup *cg);
void wsb__lx_cgroup_destroy(wsb__lx_cgroup *cg);
/* Kill every process of the cgroup (cgroup.kill, else freeze and SIGKILL
 * each member through a pidfd) until it is empty or 2 s have passed. */
void wsb__lx_cgroup_kill(const wsb__lx_cgroup *cg);

/* ---- spawn / process ---- */

/* What the child reports on the error pipe when setup or exec fails. */
enum wsb__lx_stage {
	WSB__LX_STAGE_USERNS = 1, WSB__LX_STAGE_MOUNTS, WSB__LX_STAGE_NETNS,
	WSB__LX_STAGE_LANDLOCK, WSB__LX_STAGE_SECCOMP, WSB__LX_STAGE_LIMITS,
	WSB__LX_STAGE_CAPS, WSB__LX_STAGE_CWD, WSB__LX_STAGE_STDIO,
	WSB__LX_STAGE_FORK, WSB__LX_STAGE_EXEC, WSB__LX_STAGE_RELAY,
	/* Not a failure: index holds protection bits lost during setup that
	 * the policy accepted missing; more records may follow. */
	WSB__LX_STAGE_LOST
};
const char *wsb__lx_stage_name(int stage);

/* What init reports on the status pipe when the command ends. */
enum wsb__lx_end {
	WSB__LX_END_EXITED = 1,    /* status = the command's wait status */
	WSB__LX_END_TIMEOUT = 2    /* init's wall-clock timer fired */
};

/* Init's one report on the status pipe. alone = 1: the command has been
 * reaped and init has no child left, so nothing but init is left in the
 * PID namespace (every process there descends from init, and orphans are
 * reparented to it): the tree is dead, and the caller need not wait for
 * the kernel to tear init's namespaces down. cpu_ms is the command's CPU
 * time, its reaped descendants included. */
typedef struct wsb__lx_status {
	int kind;
	int status;
	int alone;
	int pad;
	wsb_u64 cpu_ms;
} wsb__lx_status;

typedef struct wsb__lx_exec {
	char *path;          /* resolved executable */
	char **argv;         /* NULL-terminated, owned */
	char **envp;         /* NULL-terminated, owned */
	char *cwd;
	int stdio_fd[3];     /* fds to dup onto 0, 1, 2 in the command */
	int ctty;            /* 1: fd 0 is a terminal slave; make it the controlling terminal */
} wsb__lx_exec;

/* Resolve argv[0] on PATH (from envp) the way execvp would: WSB_ENOENT,
 * WSB_ENOEXEC. */
int wsb__lx_find_program(char **out, const char *name, char *const *envp, const char *cwd);

/* ---- loopback relay (relay.c) ---- */

/* Connections one relay carries at once; more are accepted and closed. */
#define WSB__LX_RELAY_MAX_CONNS 256
/* Bytes buffered per connection and direction. */
#define WSB__LX_RELAY_BUF 16384

struct wsb__lx_relay;

/* Child side (system calls only): listen on 127.0.0.1:port in the current
 * network namespace and send the socket over sock (SCM_RIGHTS), keeping no
 * copy. 0 or an errno value. */
int wsb__lx_relay_listen_send(int sock, unsigned short port);
/* Parent side: the socket the child sent, close-on-exec. WSB_EOS if none. */
int wsb__lx_relay_receive(int *out_fd, int sock, unsigned short port);
/* Run a relay on listener (taken, closed on failure too): accept, connect
 * to 127.0.0.1:target_port in the caller's network namespace, copy. Used
 * for a listener of the sandbox's namespace: one relay per process. */
int wsb__lx_relay_start(struct wsb__lx_relay **out, int listener, unsigned short listen_port,
	unsigned short target_port);
/* The relay on the host's 127.0.0.1:listen_port, started if none runs yet,
 * shared by reference count. WSB_ECONFLICT: this program relays the port
 * to another target; WSB_EEXIST: another program holds the port;
 * WSB_EACCES: a privileged port. Nothing is left behind on failure. */
int wsb__lx_relay_acquire_host(struct wsb__lx_relay **out, unsigned short listen_port,
	unsigned short target_port);
/* Drop a reference; the last stops the relay: thread joined, every socket
 * closed. NULL is a no-op. */
void wsb__lx_relay_release(struct wsb__lx_relay *r);
/* For tests: connections refused because the relay was full. */
unsigned long wsb__lx_relay_refused(const struct wsb__lx_relay *r);

/* The port the allow-list's relay listens on inside the sandbox's network
 * namespace (a fresh namespace: always free). */
#define WSB__LX_PROXY_PORT 3128

struct wsb_process;
struct wsb__lx_proxy;
/* Hand the filtering proxy to a process handle: stopped when it is freed,
 * after the tree and the relay (process.c). */
void wsb__lx_process_set_proxy(struct wsb_process *p, struct wsb__lx_proxy *proxy);

/* Clone the child into its namespaces and start the command. On success
 * *out_pid is init's pid, *out_status_fd the read end of the status pipe,
 * *out_lost the (accepted) protections lost during setup and, when
 * s->relay_in_netns, *out_relay_fd the relay's listener from the sandbox's
 * network namespace (else -1). With reuse_policy, a command with network
 * off enters the warm network namespace of that policy (netns.c), and
 * *out_warm is the loan's token, to return once init is reaped (else 0). */
int wsb__lx_spawn_tree(pid_t *out_pid, int *out_status_fd, unsigned int *out_lost,
	int *out_relay_fd, unsigned long *out_warm, const wsb__lx_setup *s, const wsb__lx_exec *e,
	const wsb__lx_cgroup *cg, const struct wsb_policy *reuse_policy);

/* Build a process handle from a started tree (process.c). On success takes
 * ownership of cg's contents, the fds and relay (released when the handle
 * is freed). */
int wsb__lx_process_new(struct wsb_process **out, pid_t pid, int status_fd,
	int fd_in, int fd_out, int fd_err, const wsb__lx_setup *s, wsb__lx_cgroup *cg,
	wsb_u64 start_ms, struct wsb__lx_relay *relay);
/* ---- the init server of a warm policy (initd.c) ---- */

/* What a child of the caller inherits and a server started earlier could
 * not have: sent with each request, set by init before the policy's own
 * limits. */
#define WSB__LX_NLIMITS 16
typedef struct wsb__lx_inherit {
	unsigned int umask;
	struct rlimit rlimits[WSB__LX_NLIMITS];
	sigset_t mask;
} wsb__lx_inherit;

typedef struct wsb__lx_initd {
	pid_t pid;        /* -1: none */
	int sock;         /* the caller's end */
	dev_t dev;        /* the socket's identity, checked before each use */
	ino_t ino;
} wsb__lx_initd;

/* 1 when a warm spawn should go through the server: the caller's private
 * resident memory (whose page tables an in-process init copies) is at
 * least wsb__lx_initd_min_anon bytes. Below that the request's round trip
 * costs more than the copy (measured: the two meet near 16 MiB). */
int wsb__lx_initd_wanted(void);
/* Start the server inside the warm namespaces (the caller's fds to them;
 * -1 and -1: in the caller's own, for a command with the network on):
 * 0, or -1 with d->pid == -1 when there is no usable program, it cannot
 * run here, or it is not of this build (the spawns then go in-process). */
int wsb__lx_initd_start(wsb__lx_initd *d, int user_fd, int net_fd);
/* Close the caller's end (the server ends when no spawn holds a copy) and
 * reap it when it has ended; wait: reap it now, and every server stopped
 * before. */
void wsb__lx_initd_stop(wsb__lx_initd *d, int wait);
/* A close-on-exec copy of the socket for one spawn, or -1 (none, or the
 * descriptor no longer is that socket: then the server is forgotten, its
 * number left alone, and reaped once it has ended). */
int wsb__lx_initd_dup(wsb__lx_initd *d);
/* Ask for an init (spawn.c's init_main over s and e, with these pipes, the
 * relay's socket (or -1) and e's standard streams, in a network namespace
 * of its own if new_netns; it waits on sync_r for the caller's go): its pid,
 * or a negative errno and nothing started, unless *out_unsure is 1 (sent,
 * but no answer): then an init may have started, and the caller closes the
 * go pipe's writer, which ends it, before it tries again. */
long wsb__lx_initd_clone(int sock, int *out_unsure, const wsb__lx_setup *s, const wsb__lx_exec *e,
	int err_w, int status_w, int sync_r, int relay_w, int new_netns);
/* Fuzzing (fuzz/fuzz_initdwire.c): read a request's payload as the server
 * does; 0 and, in *out_again (wsb__free), the payload written back from
 * what was read, or the errno that refused it. */
int wsb__lx_initd_wire_check(const void *buf, size_t len, unsigned char **out_again,
	size_t *out_again_len);
/* wsb-initd's main loop on its socket (descriptor 3): the exit status. */
int wsb__lx_initd_serve(int sock);
/* Test hooks: the program to start instead of the one next to the shared
 * library (NULL: that one); 1 in wsb__lx_initd_off starts none and sends
 * every warm spawn the in-process way. */
extern const char *wsb__lx_initd_path;
extern int wsb__lx_initd_off;
/* Test hook: the threshold of wsb__lx_initd_wanted (0: always). */
extern unsigned long wsb__lx_initd_min_anon;

/* Mark every descriptor from `from` up close-on-exec (close_range, else
 * one by one on kernels before 5.11). System calls only. */
void wsb__lx_cloexec_from(unsigned int from);
/* The server's side of a request (initd.c): clone init, as the caller's
 * child, from the server inside the warm namespaces. Its pid or a negative
 * errno. server_fd is closed in init. */
long wsb__lx_spawn_served(const wsb__lx_setup *s, const wsb__lx_exec *e, int err_w, int status_w,
	int sync_r, int relay_w, int new_netns, int server_fd, const wsb__lx_inherit *in);
/* The warm namespace's loan (netns.c), returned when init is reaped. */
void wsb__lx_process_set_warm(struct wsb_process *p, unsigned long token);

/* ---- pseudo-terminal (pty.c) ---- */

/* A master and its slave (both close-on-exec, numbered >= 3) with the
 * given size: WSB_EOS with a message on failure. */
int wsb__lx_pty_open(int *out_master, int *out_slave, unsigned int cols, unsigned int rows);
int wsb__lx_pty_resize(int master, unsigned int cols, unsigned int rows);
/* Give a new handle its terminal's master (taken; kept for resizing until
 * the handle is freed): reads of it end at EIO, which a master gives once
 * every slave is closed. */
void wsb__lx_process_set_terminal(struct wsb_process *p, int master);

#endif
