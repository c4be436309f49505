/*
 * libwsandbox - run an AI agent's commands inside a sandbox.
 *
 * This is the one public header. Everything else under lib/ is private.
 *
 * Conventions (see docs/api-conventions.md):
 *  - Functions return int: WSB_OK (0) or a negative WSB_E* code. Codes are never
 *    reused; retired ones stay reserved.
 *  - After a failure, wsb_error_last() describes it on the calling thread.
 *  - Output parameters come first and are named out / out_*.
 *  - Handles are opaque. *_free() accepts NULL.
 *  - Strings are UTF-8 and NUL-terminated. Invalid UTF-8 is rejected with
 *    WSB_EUTF8.
 *  - Strings returned through char ** are owned by the caller and released with
 *    wsb_free().
 *  - The only public structs are versioned options structs: set them with the
 *    matching *_INIT macro or *_init() function before use.
 *
 * Thread safety: the library has no global mutable state apart from the
 * allocator (set once, before first use) and the per-thread error. A handle may
 * be used from any thread, but not from two threads at once, except where a
 * function says so. A policy that is no longer modified may be shared read-only
 * by any number of threads (wsb_spawn, wsb_run, wsb_plan_create and
 * wsb_policy_check_path only read it).
 */
#ifndef WSANDBOX_H
#define WSANDBOX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup wsb_build Build macros
 * @{
 */

/**
 * @def WSB_API
 * Marks a public function. Exported when building the library, imported by
 * users of the Windows DLL, default visibility on ELF. Define WSB_STATIC before
 * including this header when linking the static library on Windows.
 * @since 0.1.0
 */
#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(WSB_BUILDING_LIBRARY)
#    define WSB_API __declspec(dllexport)
#  elif defined(WSB_STATIC)
#    define WSB_API
#  else
#    define WSB_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define WSB_API __attribute__((visibility("default")))
#else
#  define WSB_API
#endif

/**
 * Unsigned 64-bit integer used for sizes, byte counts and durations.
 * @since 0.1.0
 */
#if defined(_MSC_VER) && _MSC_VER < 1600
typedef unsigned __int64 wsb_u64;
#elif defined(__GNUC__)
__extension__ typedef unsigned long long wsb_u64;
#else
typedef unsigned long long wsb_u64;
#endif

/** @} */

/**
 * @defgroup wsb_version Version
 * @{
 */

/** Major version: changes only with an incompatible ABI change. @since 0.1.0 */
#define WSB_VERSION_MAJOR 0
/** Minor version: new features, ABI compatible. @since 0.1.0 */
#define WSB_VERSION_MINOR 2
/** Patch version: fixes only. @since 0.1.0 */
#define WSB_VERSION_PATCH 0
/** The version as one comparable number: MAJOR*10000 + MINOR*100 + PATCH. @since 0.1.0 */
#define WSB_VERSION_NUMBER \
	(WSB_VERSION_MAJOR * 10000 + WSB_VERSION_MINOR * 100 + WSB_VERSION_PATCH)

/**
 * The version of the library that is running, as "MAJOR.MINOR.PATCH".
 *
 * @return a static string; never NULL. Thread-safe.
 * @since 0.1.0
 */
WSB_API const char *wsb_version(void);

/**
 * The version of the library that is running, as WSB_VERSION_NUMBER would give
 * for it. Compare with WSB_VERSION_NUMBER to detect a header/library mismatch.
 *
 * @return the version number. Thread-safe.
 * @since 0.1.0
 */
WSB_API unsigned int wsb_version_number(void);

/** @} */

/**
 * @defgroup wsb_errors Errors
 * @{
 */

/**
 * Error codes. Every function that can fail returns WSB_OK or one of these.
 * Numbers are never reused: a retired code stays reserved.
 * @since 0.1.0
 */
typedef enum wsb_code {
	WSB_OK = 0,              /**< Success. */
	WSB_ERROR = -1,          /**< Unclassified failure; the message says more. */
	WSB_ENOMEM = -2,         /**< Out of memory. */
	WSB_EINVAL = -3,         /**< Invalid argument: NULL, unknown flag or enum value. */
	WSB_EUTF8 = -4,          /**< A string is not valid UTF-8. */
	WSB_EPATH = -5,          /**< A path is malformed, relative, or of a kind not allowed here. */
	WSB_ETOOLONG = -6,       /**< A path or string is longer than the library accepts. */
	WSB_ERANGE = -7,         /**< A number or count is out of range. */
	WSB_ENOTSUP = -8,        /**< Not supported on this platform or in this build. */
	WSB_ENOENT = -9,         /**< A path, program or record does not exist. */
	WSB_EEXIST = -10,        /**< Already present (a duplicate entry). */
	WSB_EACCES = -11,        /**< The operating system denied the library an action. */
	WSB_EOS = -12,           /**< An operating-system call failed; see wsb_error_os(). */
	WSB_ESTATE = -13,        /**< The call is not valid in the object's current state. */
	WSB_ERUNNING = -14,      /**< A wait ended before the process exited. */
	WSB_EUNAVAIL = -15,      /**< A required protection is unavailable here (fails closed). */
	WSB_ECONFLICT = -16,     /**< Policy entries contradict each other. */
	WSB_EVERSION = -17,      /**< An options struct has a version this library does not know. */
	WSB_ENOEXEC = -18,       /**< The program exists but cannot be executed. */
	WSB_EJOURNAL = -19,      /**< The state directory or its journal is damaged or locked. */
	WSB_ENOTELEVATED = -20,  /**< The operation needs administrator rights. */
	WSB_EGROUPPOLICY = -21,  /**< Group policy overrides the local firewall rules. */
	WSB_ELOGON = -22,        /**< The sandbox user cannot log on (stale password, 1326). */
	WSB_ELOCKED = -23,       /**< The sandbox user's account is locked or disabled (1909). */
	WSB_ENOTSETUP = -24,     /**< The elevated sandbox is not installed or not intact. */
	WSB_EWORLDWRITABLE = -25 /**< A world-writable directory was found and the policy refuses them. */
} wsb_code;

/**
 * Opaque description of the last failure on this thread.
 * @since 0.1.0
 */
typedef struct wsb_error wsb_error;

/**
 * The last error recorded on the calling thread.
 *
 * Never NULL: before any failure it describes WSB_OK with the message
 * "no error". A successful call does not clear it. The object stays valid until
 * the next failing library call on the same thread.
 *
 * @return a pointer owned by the library. Thread-safe (per-thread value).
 * @since 0.1.0
 */
WSB_API const wsb_error *wsb_error_last(void);

/**
 * The UTF-8 message of an error.
 *
 * @param err an error from wsb_error_last(), or NULL for the last error.
 * @return a string owned by the library; never NULL, never empty.
 * @since 0.1.0
 */
WSB_API const char *wsb_error_message(const wsb_error *err);

/**
 * The WSB_E* code of an error.
 *
 * @param err an error from wsb_error_last(), or NULL for the last error.
 * @return the code (WSB_OK when no error has happened on this thread).
 * @since 0.1.0
 */
WSB_API int wsb_error_code(const wsb_error *err);

/**
 * The operating-system error captured where the failure happened: the Win32
 * GetLastError() value on Windows, errno on POSIX, 0 when none applies.
 *
 * @param err an error from wsb_error_last(), or NULL for the last error.
 * @return the OS error number.
 * @since 0.1.0
 */
WSB_API long wsb_error_os(const wsb_error *err);

/**
 * Clear the calling thread's last error back to WSB_OK / "no error".
 * @since 0.1.0
 */
WSB_API void wsb_error_clear(void);

/**
 * A short, static English description of an error code.
 *
 * @param code a WSB_E* value (any int is accepted).
 * @return a static string; "unknown error code" for values not in the enum.
 * @since 0.1.0
 */
WSB_API const char *wsb_strerror(int code);

/** @} */

/**
 * @defgroup wsb_memory Memory
 * @{
 */

/** Current version of wsb_allocator. @since 0.1.0 */
#define WSB_ALLOCATOR_VERSION 1

/**
 * Custom allocator hooks. All three functions must be set. realloc_fn must
 * behave like realloc(3) (NULL pointer allocates); free_fn must accept NULL.
 * @since 0.1.0
 */
typedef struct wsb_allocator {
	unsigned int version;                                   /**< WSB_ALLOCATOR_VERSION */
	void *(*malloc_fn)(size_t size, void *ctx);             /**< allocate */
	void *(*realloc_fn)(void *ptr, size_t size, void *ctx); /**< resize */
	void (*free_fn)(void *ptr, void *ctx);                  /**< release */
	void *ctx;                                              /**< passed to every hook */
} wsb_allocator;

/** Static initializer for wsb_allocator. @since 0.1.0 */
#define WSB_ALLOCATOR_INIT { WSB_ALLOCATOR_VERSION, NULL, NULL, NULL, NULL }

/**
 * Install allocator hooks. Must be called before any other library function
 * that allocates, and at most once; the library copies the struct.
 *
 * @param allocator the hooks; NULL restores the default (malloc/realloc/free)
 *        if nothing has been allocated yet.
 * @return WSB_OK; WSB_EINVAL if a hook is missing; WSB_EVERSION for an unknown
 *         version; WSB_ESTATE if the library has already allocated.
 *         Not thread-safe: call it before starting threads that use the library.
 * @since 0.1.0
 */
WSB_API int wsb_set_allocator(const wsb_allocator *allocator);

/**
 * Release memory that the library returned through a char ** or void **
 * output parameter (JSON strings, explanations).
 *
 * @param ptr memory from the library, or NULL.
 * @since 0.1.0
 */
WSB_API void wsb_free(void *ptr);

/** @} */

/**
 * @defgroup wsb_policy Policy
 * What a sandboxed command may do.
 * @{
 */

/**
 * Opaque policy handle.
 * @since 0.1.0
 */
typedef struct wsb_policy wsb_policy;

/**
 * File-system mode of a policy.
 * @since 0.1.0
 */
typedef enum wsb_mode {
	WSB_MODE_READ_ONLY = 0,       /**< Read everything (except deny-read paths), write nothing but temp. */
	WSB_MODE_WORKSPACE_WRITE = 1, /**< Write only under writable roots, minus protected paths. */
	WSB_MODE_FULL_ACCESS = 2      /**< No file-system confinement (limits and network still apply). */
} wsb_mode;

/**
 * Network setting of a policy.
 * @since 0.1.0
 */
typedef enum wsb_network {
	WSB_NETWORK_OFF = 0, /**< No traffic leaves the sandbox (loopback inside it still works where the backend can). */
	WSB_NETWORK_ON = 1,  /**< The host's network, and on Linux its UNIX sockets: a service listening on one (a D-Bus bus, an ssh-agent, a container daemon) may act outside the sandbox for the command. */
	WSB_NETWORK_ALLOWLIST = 2 /**< As WSB_NETWORK_OFF, except that HTTP, HTTPS (CONNECT) and SOCKS5 connections to the hosts wsb_policy_allow_host() and wsb_policy_allow_address() allow go through a filtering proxy the library runs (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY point at it). Linux and Windows; elsewhere wsb_spawn() refuses such a policy with WSB_ENOTSUP. WSB_PROT_NETWORK is in force on Linux with a network namespace and on Windows for WSB_IDENTITY_SANDBOX_USER (whose firewall lets it reach only the proxy, on a loopback port setup allowed); otherwise it is missing (fails closed unless accepted) and the proxy variables are advice (WSB_PROT_NETWORK_ADVISORY on Windows). docs/network.md. Since 0.2.0. */
} wsb_network;

/**
 * Resource limits. A value of 0 means "no limit".
 * @since 0.1.0
 */
typedef enum wsb_limit {
	WSB_LIMIT_NONE = 0,         /**< No limit (used in results: nothing ended the process). */
	WSB_LIMIT_MEMORY = 1,       /**< Memory of the whole process tree, in bytes. */
	WSB_LIMIT_PROCESSES = 2,    /**< Number of processes alive at once in the tree. */
	WSB_LIMIT_CPU_TIME = 3,     /**< CPU time of the tree, in milliseconds (Linux: of each process, rounded up to whole seconds). */
	WSB_LIMIT_TIMEOUT = 4,      /**< Wall-clock time from spawn, in milliseconds. */
	WSB_LIMIT_OUTPUT = 5        /**< Captured bytes kept per output stream (more is read and dropped). */
} wsb_limit;

/**
 * How the command's environment starts.
 * @since 0.1.0
 */
typedef enum wsb_env_mode {
	WSB_ENV_INHERIT = 0, /**< Start from the caller's environment. */
	WSB_ENV_CLEAR = 1    /**< Start empty (on Windows the variables programs need, such as SYSTEMROOT, are kept). */
} wsb_env_mode;

/**
 * Protections a sandbox can put in force. Used as a bit set: in
 * wsb_policy_allow_missing() (what the caller accepts to go without) and in
 * results (what was actually in force).
 * @since 0.1.0
 */
typedef enum wsb_protection {
	WSB_PROT_FS_WRITE = 1 << 0,        /**< Writes confined to the writable roots (and temp). */
	WSB_PROT_FS_PROTECTED = 1 << 1,    /**< Protected paths inside roots cannot be written. */
	WSB_PROT_FS_DENY_READ = 1 << 2,    /**< Deny-read paths cannot be read. */
	WSB_PROT_NETWORK = 1 << 3,         /**< Network off is enforced. */
	WSB_PROT_NETWORK_ADVISORY = 1 << 4,/**< Network off is only asked for (environment variables); not enforced. */
	WSB_PROT_PROCESS_TREE = 1 << 5,    /**< The whole process tree is contained and killed at the end. */
	WSB_PROT_LIMIT_MEMORY = 1 << 6,    /**< The memory limit is enforced. */
	WSB_PROT_LIMIT_PROCESSES = 1 << 7, /**< The process-count limit is enforced. */
	WSB_PROT_LIMIT_CPU = 1 << 8,       /**< The CPU-time limit is enforced. */
	WSB_PROT_NO_NEW_PRIVS = 1 << 9,    /**< The command cannot gain privileges (setuid, file capabilities). */
	WSB_PROT_SYSCALL_FILTER = 1 << 10, /**< A system-call filter blocks escape routes (Linux seccomp). */
	WSB_PROT_PRIVATE_DESKTOP = 1 << 11 /**< The command runs on a private desktop (Windows). */
} wsb_protection;

/**
 * Policy flags for wsb_policy_set_flags().
 * @since 0.1.0
 */
typedef enum wsb_policy_flag {
	WSB_POLICY_NO_DEFAULT_PROTECT = 1 << 0,     /**< Do not protect ".git" by default. */
	WSB_POLICY_DENY_WORLD_WRITABLE = 1 << 1,    /**< Deny writes to world-writable directories found by the audit (Windows). */
	WSB_POLICY_REFUSE_WORLD_WRITABLE = 1 << 2,  /**< Fail with WSB_EWORLDWRITABLE if the audit finds any (Windows). */
	WSB_POLICY_PRIVATE_DESKTOP = 1 << 3,        /**< Run on a private desktop (Windows). */
	WSB_POLICY_NO_TEMP_WRITE = 1 << 4           /**< Do not make the temp directory writable. */
} wsb_policy_flag;

/**
 * Create a policy.
 *
 * A new policy has the given mode, network off, no limits, an inherited
 * environment, and ".git" protected under every writable root.
 *
 * @param out receives the policy; the caller frees it with wsb_policy_free().
 * @param mode a wsb_mode value.
 * @return WSB_OK; WSB_EINVAL for NULL or an unknown mode; WSB_ENOMEM.
 * @since 0.1.0
 */
WSB_API int wsb_policy_create(wsb_policy **out, int mode);

/**
 * Free a policy. Processes spawned from it are not affected.
 * @param policy the policy, or NULL.
 * @since 0.1.0
 */
WSB_API void wsb_policy_free(wsb_policy *policy);

/**
 * Change the file-system mode.
 * @param policy the policy.
 * @param mode a wsb_mode value.
 * @return WSB_OK; WSB_EINVAL.
 * @since 0.1.0
 */
WSB_API int wsb_policy_set_mode(wsb_policy *policy, int mode);

/**
 * The file-system mode.
 * @param policy the policy.
 * @return a wsb_mode value, or WSB_EINVAL for NULL.
 * @since 0.1.0
 */
WSB_API int wsb_policy_mode(const wsb_policy *policy);

/**
 * Add a writable root. The path must be absolute and name a directory when
 * the sandbox starts; it is normalized (separators, "." and ".."). Only
 * meaningful in WSB_MODE_WORKSPACE_WRITE.
 *
 * @param policy the policy.
 * @param path absolute UTF-8 path, copied.
 * @return WSB_OK; WSB_EINVAL; WSB_EUTF8; WSB_EPATH (relative, device, stream,
 *         or malformed); WSB_ETOOLONG; WSB_EEXIST if already a root;
 *         WSB_ERANGE past WSB_MAX_ROOTS. On failure the policy is unchanged.
 * @since 0.1.0
 */
WSB_API int wsb_policy_allow_write(wsb_policy *policy, const char *path);

/**
 * Protect a path inside writable roots: it stays readable but cannot be
 * written, deleted or renamed.
 *
 * @param policy the policy.
 * @param path absolute UTF-8 path, copied.
 * @return as wsb_policy_allow_write().
 * @since 0.1.0
 */
WSB_API int wsb_policy_protect_path(wsb_policy *policy, const char *path);

/**
 * Protect a file or directory name wherever it appears under a writable root
 * (compared case-insensitively on Windows). ".git" is protected by default;
 * a ".git" file that points to a gitdir protects that gitdir too.
 *
 * @param policy the policy.
 * @param name a single path component such as ".git" or ".hg".
 * @return WSB_OK; WSB_EINVAL for NULL, empty, ".", ".." or a name with a
 *         separator; WSB_EUTF8; WSB_ETOOLONG; WSB_EEXIST; WSB_ERANGE past
 *         WSB_MAX_ROOTS names.
 * @since 0.1.0
 */
WSB_API int wsb_policy_protect_name(wsb_policy *policy, const char *name);

/**
 * Make a path unreadable (and unwritable) by the command.
 *
 * @param policy the policy.
 * @param path absolute UTF-8 path, copied.
 * @return as wsb_policy_allow_write().
 * @since 0.1.0
 */
WSB_API int wsb_policy_deny_read(wsb_policy *policy, const char *path);

/**
 * Set the network setting.
 * @param policy the policy.
 * @param network a wsb_network value.
 * @return WSB_OK; WSB_EINVAL.
 * @since 0.1.0
 */
WSB_API int wsb_policy_set_network(wsb_policy *policy, int network);

/**
 * Set a resource limit.
 *
 * @param policy the policy.
 * @param limit a wsb_limit value other than WSB_LIMIT_NONE.
 * @param value the limit in the unit wsb_limit gives; 0 removes it.
 * @return WSB_OK; WSB_EINVAL for an unknown limit; WSB_ERANGE for a value
 *         the platform cannot represent (docs/policy.md lists the ranges).
 * @since 0.1.0
 */
WSB_API int wsb_policy_set_limit(wsb_policy *policy, int limit, wsb_u64 value);

/**
 * Read a resource limit.
 *
 * @param out receives the value (0 = no limit).
 * @param policy the policy.
 * @param limit a wsb_limit value other than WSB_LIMIT_NONE.
 * @return WSB_OK; WSB_EINVAL.
 * @since 0.1.0
 */
WSB_API int wsb_policy_limit(wsb_u64 *out, const wsb_policy *policy, int limit);

/**
 * Choose how the command's environment starts.
 * @param policy the policy.
 * @param mode a wsb_env_mode value.
 * @return WSB_OK; WSB_EINVAL.
 * @since 0.1.0
 */
WSB_API int wsb_policy_env_mode(wsb_policy *policy, int mode);

/**
 * Set an environment variable for the command (replaces an earlier set or
 * unset of the same name).
 *
 * @param policy the policy.
 * @param name variable name: non-empty, no '=' (a leading '=' is allowed on
 *        Windows for drive variables such as "=C:"), no NUL.
 * @param value UTF-8 value, copied.
 * @return WSB_OK; WSB_EINVAL; WSB_EUTF8; WSB_ETOOLONG.
 * @since 0.1.0
 */
WSB_API int wsb_policy_env_set(wsb_policy *policy, const char *name, const char *value);

/**
 * Remove an environment variable from the command's environment.
 * @param policy the policy.
 * @param name variable name, as for wsb_policy_env_set().
 * @return WSB_OK; WSB_EINVAL; WSB_EUTF8; WSB_ETOOLONG.
 * @since 0.1.0
 */
WSB_API int wsb_policy_env_unset(wsb_policy *policy, const char *name);

/**
 * Set policy flags (a bit set of wsb_policy_flag). Replaces earlier flags.
 * @param policy the policy.
 * @param flags wsb_policy_flag bits.
 * @return WSB_OK; WSB_EINVAL for unknown bits or for both world-writable
 *         flags at once.
 * @since 0.1.0
 */
WSB_API int wsb_policy_set_flags(wsb_policy *policy, unsigned int flags);

/**
 * Accept that some protections may be missing on this machine (a named
 * weaker mode). By default every protection the policy implies is required,
 * and spawning fails with WSB_EUNAVAIL when one is unavailable. The protections
 * actually in force are reported by wsb_process_protections().
 *
 * @param policy the policy.
 * @param protections wsb_protection bits the caller can do without.
 * @return WSB_OK; WSB_EINVAL for unknown bits.
 * @since 0.1.0
 */
WSB_API int wsb_policy_allow_missing(wsb_policy *policy, unsigned int protections);

/**
 * Relay a loopback port to another (Windows and Linux). While a command
 * runs, the library itself (the caller's user) listens on
 * 127.0.0.1:listen_port and copies every connection both ways to
 * 127.0.0.1:target_port. On Windows, setup allows the sandbox user one
 * stable port once (wsb_setup_options.loopback_ports); the relay then
 * follows a local proxy wherever it listens now, with no new elevated setup.
 * On Linux with network off the port lives inside the command's own network
 * namespace: the command reaches the host's target_port through it and
 * nothing else of the host's network. HTTP_PROXY, HTTPS_PROXY and ALL_PROXY
 * (on Linux also their lower-case twins) are set to
 * http://127.0.0.1:listen_port unless the policy sets them itself. Processes
 * of one caller that listen on the host's loopback share one relay per
 * listen_port; it stops when the last of them is freed. Nothing on the
 * machine is changed (docs/relay.md). Elsewhere wsb_plan_create() and
 * wsb_spawn() fail with WSB_ENOTSUP for a policy with a relay.
 *
 * @param policy the policy.
 * @param listen_port the port to listen on; 0 removes the relay.
 * @param target_port the port to forward to.
 * @return WSB_OK; WSB_EINVAL for NULL or both ports the same (the relay would
 *         connect to itself); WSB_ERANGE for target_port 0 with a nonzero
 *         listen_port. On failure the policy is unchanged.
 * @since 0.1.0
 */
WSB_API int wsb_policy_set_loopback_relay(wsb_policy *policy, unsigned short listen_port,
	unsigned short target_port);

/**
 * Allow a host (or its subdomains) for WSB_NETWORK_ALLOWLIST.
 *
 * The pattern is "host" (that name exactly) or "*.host" (every name below
 * it, not host itself), optionally followed by ":port[,port...]" (at most
 * 16) or ":*" (every port); without ports, 80 and 443. Names may be Unicode
 * (UTF-8): they are compared in IDNA A-label form, lower case, so
 * "Bücher.example" and "xn--bcher-kva.example" are one host (the parts of
 * UTS #46 mapping that are not done are listed in docs/network.md). A
 * trailing dot is dropped. Rules only matter with the network setting
 * WSB_NETWORK_ALLOWLIST; deny rules win over allow rules.
 *
 * @param policy the policy.
 * @param pattern the pattern, UTF-8, copied in its canonical form.
 * @return WSB_OK; WSB_EINVAL for NULL or an invalid pattern, with the reason
 *         in wsb_error_last(): an empty label, a bare "*" or a '*' that is
 *         not a whole first label, a character not allowed in host names, a
 *         bad port, or an address literal (addresses are allowed only by
 *         wsb_policy_allow_address()); WSB_EUTF8; WSB_ETOOLONG for a label
 *         over 63 or a name over 253 bytes in A-label form; WSB_EEXIST if
 *         the same rule is already there; WSB_ERANGE past WSB_MAX_ROOTS
 *         rules; WSB_ENOMEM. On failure the policy is unchanged.
 * @since 0.2.0
 */
WSB_API int wsb_policy_allow_host(wsb_policy *policy, const char *pattern);

/**
 * Deny a host (or its subdomains) for WSB_NETWORK_ALLOWLIST, whatever
 * allow rule matches it. The pattern is as for wsb_policy_allow_host(),
 * except that without ports the rule covers every port.
 *
 * @param policy the policy.
 * @param pattern the pattern, UTF-8, copied.
 * @return as wsb_policy_allow_host().
 * @since 0.2.0
 */
WSB_API int wsb_policy_deny_host(wsb_policy *policy, const char *pattern);

/**
 * Allow an address range for WSB_NETWORK_ALLOWLIST. Host names never
 * reach loopback, link-local (169.254.0.0/16 with the cloud metadata
 * address, fe80::/10), private, shared, unique-local (fc00::/7), multicast
 * or reserved addresses, and a client may not name an address itself,
 * unless a rule made here covers that address and port. The pattern is
 * "a.b.c.d[/len][:ports]", "[v6][/len][:ports]" or a bare IPv6 address with
 * an optional "/len"; ports as for wsb_policy_allow_host() (default 80 and
 * 443). An address range does not allow names that resolve into it unless
 * the name is allowed too.
 *
 * @param policy the policy.
 * @param pattern the address pattern, copied.
 * @return WSB_OK; WSB_EINVAL for NULL or an invalid pattern (with the
 *         reason); WSB_EUTF8; WSB_ETOOLONG; WSB_EEXIST; WSB_ERANGE past
 *         WSB_MAX_ROOTS rules; WSB_ENOMEM. On failure the policy is
 *         unchanged.
 * @since 0.2.0
 */
WSB_API int wsb_policy_allow_address(wsb_policy *policy, const char *pattern);

/**
 * Receives each connection attempt through the network allow-list's proxy,
 * as one JSON object (UTF-8, NUL-terminated, valid only during the call):
 * {"protocol": "connect"|"http"|"socks5", "host": ..., "port": ...,
 * "address": the address connected to or refused ("" when none),
 * "allowed": true|false, "rule": the deciding rule ("" when none),
 * "address_rule": the address rule that let a restricted address through ("" when none), "reason": ..., "bytes_up": ..., "bytes_down": ..., "duration_ms": ...},
 * once the attempt has ended (a denial at once). Called from the library's
 * own threads, possibly several at once; it must not block for long and
 * must not call back into the library for the same process.
 * @since 0.2.0
 */
typedef void (*wsb_network_event_fn)(const char *event_json, void *ctx);

/**
 * Watch the network allow-list live: processes spawned from the policy
 * afterwards call fn for each connection attempt (wsb_network_event_fn).
 * The same attempts are in wsb_process_to_json() under "network".
 *
 * @param policy the policy.
 * @param fn the callback, or NULL to remove it.
 * @param ctx passed to fn unchanged.
 * @return WSB_OK; WSB_EINVAL for a NULL policy.
 * @since 0.2.0
 */
WSB_API int wsb_policy_set_network_callback(wsb_policy *policy, wsb_network_event_fn fn, void *ctx);

/**
 * Check a policy as a whole: a writable root may not lie inside a protected
 * or deny-read path. A workspace-write policy without roots is valid: only
 * temp is writable then. Spawning runs the same check.
 *
 * @param policy the policy.
 * @return WSB_OK; WSB_ECONFLICT with a message naming the entries; WSB_EINVAL.
 * @since 0.1.0
 */
WSB_API int wsb_policy_validate(const wsb_policy *policy);

/** Largest number of writable roots, protected paths or deny-read paths each. @since 0.1.0 */
#define WSB_MAX_ROOTS 4096

/**
 * Access kinds for wsb_policy_check_path().
 * @since 0.1.0
 */
typedef enum wsb_access {
	WSB_ACCESS_READ = 1,  /**< Open for reading, list, execute. */
	WSB_ACCESS_WRITE = 2  /**< Create, modify, delete, rename. */
} wsb_access;

/**
 * Which rule decided a path check.
 * @since 0.1.0
 */
typedef enum wsb_rule {
	WSB_RULE_FULL_ACCESS = 1,     /**< The mode is full access. */
	WSB_RULE_READ_DEFAULT = 2,    /**< Reads are allowed everywhere not denied. */
	WSB_RULE_DENY_READ = 3,       /**< Under a deny-read path. */
	WSB_RULE_WRITABLE_ROOT = 4,   /**< Under a writable root. */
	WSB_RULE_PROTECTED_NAME = 5,  /**< Under a protected name (such as .git) inside a root. */
	WSB_RULE_PROTECTED_PATH = 6,  /**< Under a protected path. */
	WSB_RULE_GITDIR = 7,          /**< Under the gitdir a .git file points to. */
	WSB_RULE_OUTSIDE_ROOTS = 8,   /**< Not under any writable root. */
	WSB_RULE_READ_ONLY_MODE = 9,  /**< The mode is read-only. */
	WSB_RULE_TEMP = 10            /**< Under the temp directory, writable by default. */
} wsb_rule;

/**
 * Would the policy allow this access to this path, and which rule decides?
 * A lexical check on the normalized path (no file is opened, except a ".git"
 * file under a root, read to find its gitdir). It lets a runtime refuse an
 * edit before running anything. The sandbox enforces these rules on what
 * exists when it starts, within its backend's limits: a protected name or
 * path, or a deny-read path, created after the spawn, or a protected name
 * deeper than the backends look (2 directories below a root, within a
 * budget), is denied here but not in the sandbox.
 * Links are not followed here. docs/policy.md lists every difference.
 *
 * @param out_allowed receives 1 (allowed) or 0 (denied).
 * @param out_rule receives a wsb_rule value; may be NULL.
 * @param out_reason receives a UTF-8 sentence naming the rule and the entry
 *        that matched, freed with wsb_free(); may be NULL.
 * @param policy the policy.
 * @param path absolute UTF-8 path.
 * @param access WSB_ACCESS_READ or WSB_ACCESS_WRITE.
 * @return WSB_OK; WSB_EINVAL; WSB_EUTF8; WSB_EPATH; WSB_ETOOLONG; WSB_ENOMEM;
 *         the read error (such as WSB_EOS) when a ".git" file exists but
 *         cannot be read.
 * @since 0.1.0
 */
WSB_API int wsb_policy_check_path(int *out_allowed, int *out_rule, char **out_reason,
	const wsb_policy *policy, const char *path, int access);

/** @} */

/**
 * @defgroup wsb_identity Identity
 * Which principal a command runs as, and where the library keeps its state.
 * @{
 */

/**
 * Opaque identity handle.
 * @since 0.1.0
 */
typedef struct wsb_identity wsb_identity;

/**
 * Kinds of identity.
 * @since 0.1.0
 */
typedef enum wsb_identity_kind {
	WSB_IDENTITY_CURRENT_USER = 0, /**< The calling user, restricted (Windows: restricted token; Linux: namespaces + Landlock). */
	WSB_IDENTITY_SANDBOX_USER = 1  /**< A sandbox user provisioned by wsb_setup_install() (Windows only): the offline user when the policy's network is off, else the online one; commands start through wsb-runner.exe, which must sit next to the library. */
} wsb_identity_kind;

/** Current version of wsb_identity_options. @since 0.1.0 */
#define WSB_IDENTITY_OPTIONS_VERSION 1

/**
 * Options for wsb_identity_create().
 * @since 0.1.0
 */
typedef struct wsb_identity_options {
	unsigned int version;  /**< WSB_IDENTITY_OPTIONS_VERSION */
	int kind;              /**< a wsb_identity_kind */
	const char *state_dir; /**< absolute path of the state directory, or NULL for the per-user default */
} wsb_identity_options;

/** Static initializer for wsb_identity_options. @since 0.1.0 */
#define WSB_IDENTITY_OPTIONS_INIT { WSB_IDENTITY_OPTIONS_VERSION, WSB_IDENTITY_CURRENT_USER, NULL }

/**
 * Initialize an options struct to its defaults.
 * @param opts the struct.
 * @param version WSB_IDENTITY_OPTIONS_VERSION.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION.
 * @since 0.1.0
 */
WSB_API int wsb_identity_options_init(wsb_identity_options *opts, unsigned int version);

/**
 * Create an identity. Nothing on the machine changes.
 *
 * @param out receives the identity; free it with wsb_identity_free().
 * @param opts options, or NULL for the current user and the default state
 *        directory. Copied.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION; WSB_EPATH; WSB_EUTF8; WSB_ETOOLONG;
 *         WSB_ENOENT when there is no default state directory; WSB_ENOTSUP for a kind
 *         this platform does not have.
 * @since 0.1.0
 */
WSB_API int wsb_identity_create(wsb_identity **out, const wsb_identity_options *opts);

/**
 * Free an identity. Changes it made stay recorded in its state directory.
 * @param identity the identity, or NULL.
 * @since 0.1.0
 */
WSB_API void wsb_identity_free(wsb_identity *identity);

/**
 * The state directory the identity uses.
 * @param identity the identity.
 * @return a string owned by the identity, or NULL for NULL.
 * @since 0.1.0
 */
WSB_API const char *wsb_identity_state_dir(const wsb_identity *identity);

/**
 * Undo every lasting change recorded in the identity's journal (on Windows
 * the ACEs the library added; never an ACE it did not add, never an owner).
 * Safe to call after a crash and more than once.
 *
 * @param identity the identity.
 * @return WSB_OK; WSB_EJOURNAL; WSB_EOS; WSB_EINVAL.
 * @since 0.1.0
 */
WSB_API int wsb_identity_revert(wsb_identity *identity);

/** @} */

/**
 * @defgroup wsb_plan Plan
 * The changes a sandbox will make, decided before anything is changed.
 * @{
 */

/**
 * Opaque plan handle.
 * @since 0.1.0
 */
typedef struct wsb_plan wsb_plan;

/**
 * Decide what running under this policy and identity would change on the
 * machine and in the process (ACEs with their SDDL, token SIDs, firewall
 * rules, job limits; on Linux Landlock rules, mounts, namespaces, seccomp,
 * limits) and which protections would be in force. Reads the machine; changes
 * nothing. This is the dry run.
 *
 * @param out receives the plan; free with wsb_plan_free().
 * @param policy the policy (validated as by wsb_policy_validate()).
 * @param identity the identity, or NULL for the current user with defaults.
 * @return WSB_OK; WSB_EINVAL; WSB_ECONFLICT; WSB_EUNAVAIL; WSB_ENOTSUP;
 *         WSB_ENOMEM; WSB_EOS; on Windows also WSB_ENOENT (a writable root
 *         that is not an existing directory; Linux notes it in the plan),
 *         WSB_EWORLDWRITABLE (WSB_POLICY_REFUSE_WORLD_WRITABLE) and, as
 *         WSB_IDENTITY_SANDBOX_USER, WSB_ENOTSETUP.
 * @since 0.1.0
 */
WSB_API int wsb_plan_create(wsb_plan **out, const wsb_policy *policy, const wsb_identity *identity);

/**
 * Free a plan.
 * @param plan the plan, or NULL.
 * @since 0.1.0
 */
WSB_API void wsb_plan_free(wsb_plan *plan);

/**
 * Render a plan as one JSON object (UTF-8). The format is described in
 * docs/plan-json.md and versioned by its "format" member.
 *
 * @param out receives the JSON text; free with wsb_free().
 * @param plan the plan.
 * @return WSB_OK; WSB_EINVAL; WSB_ENOMEM.
 * @since 0.1.0
 */
WSB_API int wsb_plan_to_json(char **out, const wsb_plan *plan);

/**
 * The protections the plan would put in force (wsb_protection bits).
 * @param plan the plan.
 * @return the bit set; 0 for NULL.
 * @since 0.1.0
 */
WSB_API unsigned int wsb_plan_protections(const wsb_plan *plan);

/**
 * Number of steps (changes) in the plan.
 * @param plan the plan.
 * @return the count; 0 for NULL.
 * @since 0.1.0
 */
WSB_API size_t wsb_plan_step_count(const wsb_plan *plan);

/** @} */

/**
 * @defgroup wsb_process Processes
 * @{
 */

/**
 * Opaque process handle: one sandboxed process tree.
 * @since 0.1.0
 */
typedef struct wsb_process wsb_process;

/**
 * What to connect a standard stream to.
 * @since 0.1.0
 */
typedef enum wsb_stdio {
	WSB_STDIO_NULL = 0,    /**< The null device. */
	WSB_STDIO_PIPE = 1,    /**< A pipe to the caller (wsb_process_write / wsb_process_read). */
	WSB_STDIO_INHERIT = 2  /**< The caller's own stream. */
} wsb_stdio;

/**
 * Standard streams.
 * @since 0.1.0
 */
typedef enum wsb_stream {
	WSB_STREAM_STDIN = 0,  /**< standard input (only for wsb_process_stream_handle(); @since 0.2.0) */
	WSB_STREAM_STDOUT = 1, /**< standard output */
	WSB_STREAM_STDERR = 2  /**< standard error */
} wsb_stream;

/**
 * Current version of wsb_spawn_options: 1 (0.1.0) or 2 (0.2.0, adds the
 * terminal fields). A caller built against version 1 keeps passing 1 and
 * the library reads only the version-1 fields.
 * @since 0.1.0
 */
#define WSB_SPAWN_OPTIONS_VERSION 2

/**
 * Options for wsb_spawn() and wsb_run().
 *
 * With terminal set (version 2), the command gets one pseudo-terminal as
 * its stdin, stdout and stderr and as its controlling terminal; the three
 * stdio modes are then ignored (they must still be wsb_stdio values).
 * Everything the command writes to either output arrives on
 * WSB_STREAM_STDOUT (a terminal has one output); WSB_STREAM_STDERR is not
 * connected. wsb_process_write() types into the terminal (write "\003" for
 * Ctrl-C, "\004" for end of file at the start of a line);
 * wsb_process_close_stdin() stops writing but sends nothing.
 * docs/terminal.md says what a terminal changes about the sandbox.
 * @since 0.1.0
 */
typedef struct wsb_spawn_options {
	unsigned int version;          /**< WSB_SPAWN_OPTIONS_VERSION */
	const char *const *argv;       /**< program and arguments, NULL-terminated; argv[0] is looked up on PATH if it has no separator */
	const char *cwd;               /**< absolute working directory, or NULL for the caller's */
	int stdin_mode;                /**< a wsb_stdio value */
	int stdout_mode;               /**< a wsb_stdio value */
	int stderr_mode;               /**< a wsb_stdio value */
	/* version 2 */
	int terminal;                  /**< 1: run on a pseudo-terminal; 0: the stdio modes (@since 0.2.0) */
	unsigned int terminal_cols;    /**< initial width in columns, 1..WSB_MAX_TERMINAL_SIZE; 0 for 80 (@since 0.2.0) */
	unsigned int terminal_rows;    /**< initial height in rows, 1..WSB_MAX_TERMINAL_SIZE; 0 for 24 (@since 0.2.0) */
} wsb_spawn_options;

/** Static initializer for wsb_spawn_options (stdin null, stdout/stderr piped, no terminal). @since 0.1.0 */
#define WSB_SPAWN_OPTIONS_INIT \
	{ WSB_SPAWN_OPTIONS_VERSION, NULL, NULL, WSB_STDIO_NULL, WSB_STDIO_PIPE, WSB_STDIO_PIPE, 0, 0, 0 }

/** Largest terminal width or height accepted (columns or rows). @since 0.2.0 */
#define WSB_MAX_TERMINAL_SIZE 32767

/** Largest number of arguments accepted in wsb_spawn_options.argv. @since 0.1.0 */
#define WSB_MAX_ARGS 65536

/**
 * Initialize an options struct to its defaults.
 * @param opts the struct.
 * @param version WSB_SPAWN_OPTIONS_VERSION.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION.
 * @since 0.1.0
 */
WSB_API int wsb_spawn_options_init(wsb_spawn_options *opts, unsigned int version);

/**
 * Start a command in a sandbox.
 *
 * Applies the plan (every lasting change journaled first, undone on failure),
 * then starts the process tree. Fails closed: if a protection the policy needs
 * is unavailable and not accepted by wsb_policy_allow_missing(), nothing runs
 * and WSB_EUNAVAIL is returned.
 *
 * @param out receives the process; free with wsb_process_free() (which kills
 *        the tree if it is still running).
 * @param policy the policy; only read, may be freed afterwards.
 * @param identity the identity, or NULL for the current user with defaults.
 * @param opts what to run; copied.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION; WSB_EUTF8; WSB_EPATH (on Linux
 *         also a writable root that is not an existing directory);
 *         WSB_ETOOLONG (an argument, or the Windows command line); WSB_ERANGE;
 *         WSB_ENOENT (program not found; on Windows also a missing writable
 *         root); WSB_ENOEXEC; WSB_ECONFLICT; WSB_EUNAVAIL; WSB_EWORLDWRITABLE
 *         (WSB_POLICY_REFUSE_WORLD_WRITABLE); WSB_EJOURNAL; WSB_EACCES;
 *         WSB_ENOTSUP (also: a sandbox user cannot inherit the caller's
 *         streams; a terminal on Windows without ConPTY, also where a
 *         sandbox user's runner runs); WSB_EOS; WSB_ENOMEM. As WSB_IDENTITY_SANDBOX_USER also
 *         WSB_ENOTSETUP (setup missing, unfinished or damaged, or network off
 *         without verified firewall rules), WSB_ELOGON (stale password: run
 *         setup again), WSB_ELOCKED (account locked or disabled); the message
 *         says how to recover.
 * @since 0.1.0
 */
WSB_API int wsb_spawn(wsb_process **out, const wsb_policy *policy,
	const wsb_identity *identity, const wsb_spawn_options *opts);

/**
 * Run a command in a sandbox to completion and capture its output.
 *
 * stdout and stderr are piped and read concurrently (never deadlocks on large
 * output); each keeps at most the policy's WSB_LIMIT_OUTPUT bytes and the rest
 * is read and dropped. The three stdio modes in opts are replaced (but must
 * still be wsb_stdio values). stdin receives stdin_data and is then closed (or is the null device when
 * stdin_data is NULL).
 *
 * @param out receives the finished process: query it with the
 *        wsb_process_* getters and free it with wsb_process_free().
 * @param policy as wsb_spawn().
 * @param identity as wsb_spawn().
 * @param opts as wsb_spawn().
 * @param stdin_data bytes for stdin, or NULL.
 * @param stdin_len number of bytes in stdin_data.
 * @return as wsb_spawn(). A command that fails, times out or is killed by a
 *         limit still returns WSB_OK: see wsb_process_exit_kind().
 * @since 0.1.0
 */
WSB_API int wsb_run(wsb_process **out, const wsb_policy *policy,
	const wsb_identity *identity, const wsb_spawn_options *opts,
	const void *stdin_data, size_t stdin_len);

/**
 * Release what the library keeps between spawns to make later spawns under
 * the same policy faster (docs/linux-backend.md, "Reuse"): on Linux the
 * warm network namespaces and the init servers (small child processes of
 * the caller, which this ends and reaps before it returns); on Windows
 * the restricted-token templates. Commands still running are not
 * affected, and later spawns make what they need again. Call it before
 * waiting for every child of the process (wait(), waitpid(-1)), which
 * would otherwise wait for an init server too, or when the process goes
 * idle. Safe to call from any thread, at any time.
 * @return WSB_OK.
 * @since 0.2.0
 */
WSB_API int wsb_reuse_release(void);

/**
 * Free a process handle. If the tree is still running it is killed first and
 * reaped; nothing of it outlives the handle.
 * @param process the process, or NULL.
 * @since 0.1.0
 */
WSB_API void wsb_process_free(wsb_process *process);

/**
 * Wait for the process tree to end.
 *
 * The policy's wall-clock limit is enforced whether or not the caller waits;
 * this timeout only bounds the wait.
 *
 * @param process the process.
 * @param timeout_ms how long to wait; negative waits without end; 0 polls.
 * @return WSB_OK when it has ended (see wsb_process_exit_kind());
 *         WSB_ERUNNING if the wait ended first; WSB_EINVAL; WSB_EOS.
 * @since 0.1.0
 */
WSB_API int wsb_process_wait(wsb_process *process, long timeout_ms);

/**
 * Kill the whole process tree now. Idempotent.
 * @param process the process.
 * @return WSB_OK; WSB_EINVAL; WSB_EOS.
 * @since 0.1.0
 */
WSB_API int wsb_process_kill(wsb_process *process);

/**
 * Write to the process's stdin pipe.
 *
 * @param out_written receives the number of bytes written; may be NULL.
 * @param process a process spawned with stdin_mode WSB_STDIO_PIPE.
 * @param data bytes to write.
 * @param len number of bytes.
 * @return WSB_OK; WSB_ESTATE if stdin is not a pipe or already closed;
 *         WSB_EOS (for example, the process closed its end); WSB_EINVAL.
 * @since 0.1.0
 */
WSB_API int wsb_process_write(size_t *out_written, wsb_process *process,
	const void *data, size_t len);

/**
 * Close the process's stdin pipe (the command sees end of file). Idempotent.
 * @param process the process.
 * @return WSB_OK; WSB_EINVAL.
 * @since 0.1.0
 */
WSB_API int wsb_process_close_stdin(wsb_process *process);

/**
 * Read from the process's stdout or stderr pipe.
 *
 * @param out_read receives the number of bytes read; 0 means end of stream
 *        (and every later read also gives WSB_OK with 0).
 * @param process a process spawned with that stream as WSB_STDIO_PIPE.
 * @param stream WSB_STREAM_STDOUT or WSB_STREAM_STDERR.
 * @param buf where to put the bytes.
 * @param len size of buf.
 * @param timeout_ms how long to wait for data; negative waits without end.
 * @return WSB_OK; WSB_ERUNNING if no data came in time; WSB_ESTATE if the
 *         stream is not a pipe; WSB_EINVAL; WSB_EOS.
 * @since 0.1.0
 */
WSB_API int wsb_process_read(size_t *out_read, wsb_process *process, int stream,
	void *buf, size_t len, long timeout_ms);

/**
 * Change the size of the process's terminal (the command gets SIGWINCH on
 * Linux; ConPTY redraws on Windows).
 *
 * @param process a process spawned with wsb_spawn_options.terminal set.
 * @param cols the new width in columns, 1..WSB_MAX_TERMINAL_SIZE.
 * @param rows the new height in rows, 1..WSB_MAX_TERMINAL_SIZE.
 * @return WSB_OK; WSB_EINVAL (NULL, or a size out of range); WSB_ESTATE if
 *         the process has no terminal or has ended; WSB_ENOTSUP where Windows
 *         lacks ResizePseudoConsole; WSB_EOS (also: a sandbox user's runner
 *         did not answer within 5 s).
 * @since 0.2.0
 */
WSB_API int wsb_process_resize(wsb_process *process, unsigned int cols, unsigned int rows);

/**
 * An operating-system handle: a file descriptor on POSIX systems, a
 * HANDLE on Windows.
 * @since 0.2.0
 */
#if defined(_WIN32) || defined(__CYGWIN__)
typedef void *wsb_os_handle;
#else
typedef int wsb_os_handle;
#endif

/**
 * A handle that an event loop can wait on for the end of the process tree,
 * so that one thread can watch many processes (poll/epoll, asyncio, tokio's
 * AsyncFd, libuv; WaitForMultipleObjects or a thread-pool wait on Windows).
 *
 * Linux: a file descriptor (a pidfd of the sandbox's init) that polls
 * readable once the whole tree has ended. Windows: a HANDLE that is
 * signalled once the whole tree has ended. Once it is ready,
 * wsb_process_wait() with timeout 0 returns WSB_OK.
 *
 * The handle is borrowed: it stays valid until wsb_process_free() and must
 * not be closed, read or waited on with waitid by the caller.
 *
 * @param out receives the handle.
 * @param process the process.
 * @return WSB_OK; WSB_EINVAL; WSB_ENOTSUP (Linux before 5.3: no pidfd);
 *         WSB_EOS; WSB_ENOMEM.
 * @since 0.2.0
 */
WSB_API int wsb_process_waitable(wsb_os_handle *out, wsb_process *process);

/**
 * The handle of one of the process's streams, for an event loop: poll an
 * output for readability and then call wsb_process_read() with timeout 0;
 * poll stdin for writability and then call wsb_process_write(). On Linux a
 * file descriptor in blocking mode (leave its flags alone); on Windows the
 * pipe or pseudoconsole HANDLE (a pipe HANDLE is not signalled by data, so
 * there wait on the waitable handle or read from a thread).
 *
 * With a terminal, WSB_STREAM_STDIN and WSB_STREAM_STDOUT are both the
 * terminal. The handle is borrowed: an output's handle stays valid until
 * wsb_process_free() (after end of stream it keeps polling readable and
 * wsb_process_read() gives 0 bytes); stdin's until
 * wsb_process_close_stdin() or wsb_process_free(). Do not close them.
 *
 * @param out receives the handle.
 * @param process the process.
 * @param stream WSB_STREAM_STDIN, WSB_STREAM_STDOUT or WSB_STREAM_STDERR.
 * @return WSB_OK; WSB_EINVAL; WSB_ESTATE if that stream is not connected
 *         to the caller (or stdin was closed); WSB_EOS; WSB_ENOMEM.
 * @since 0.2.0
 */
WSB_API int wsb_process_stream_handle(wsb_os_handle *out, wsb_process *process, int stream);

/**
 * How a process tree ended.
 * @since 0.1.0
 */
typedef enum wsb_exit_kind {
	WSB_EXIT_RUNNING = 0, /**< Not ended yet. */
	WSB_EXIT_NORMAL = 1,  /**< Exited; wsb_process_exit_code() is its exit code. */
	WSB_EXIT_SIGNAL = 2,  /**< Killed by a signal (Linux; the code is the signal) or an unhandled exception (Windows; the code is the NTSTATUS). */
	WSB_EXIT_TIMEOUT = 3, /**< Killed because the wall-clock limit passed. */
	WSB_EXIT_LIMIT = 4,   /**< Killed by a resource limit; see wsb_process_limit(). */
	WSB_EXIT_KILLED = 5   /**< Killed by wsb_process_kill() or wsb_process_free(). */
} wsb_exit_kind;

/**
 * How the tree ended.
 * @param process the process.
 * @return a wsb_exit_kind; WSB_EINVAL for NULL.
 * @since 0.1.0
 */
WSB_API int wsb_process_exit_kind(const wsb_process *process);

/**
 * The exit code (WSB_EXIT_NORMAL), signal number or exception code
 * (WSB_EXIT_SIGNAL); -1 otherwise.
 * @param process the process.
 * @return the code.
 * @since 0.1.0
 */
WSB_API long wsb_process_exit_code(const wsb_process *process);

/**
 * Which limit ended the tree (a wsb_limit; WSB_LIMIT_NONE if none did).
 * @param process the process.
 * @return a wsb_limit value, or WSB_EINVAL for NULL.
 * @since 0.1.0
 */
WSB_API int wsb_process_limit(const wsb_process *process);

/**
 * The protections actually in force for this process (wsb_protection bits).
 * @param process the process.
 * @return the bit set; 0 for NULL.
 * @since 0.1.0
 */
WSB_API unsigned int wsb_process_protections(const wsb_process *process);

/**
 * The operating-system id of the top process.
 * @param process the process.
 * @return the pid, or -1 for NULL.
 * @since 0.1.0
 */
WSB_API long wsb_process_pid(const wsb_process *process);

/**
 * Wall-clock milliseconds from start to end (or to now while running).
 * @param process the process.
 * @return milliseconds; 0 for NULL.
 * @since 0.1.0
 */
WSB_API wsb_u64 wsb_process_duration_ms(const wsb_process *process);

/**
 * Captured output of a process run with wsb_run().
 *
 * @param out_len receives the number of bytes; may be NULL.
 * @param out_truncated receives 1 if output beyond WSB_LIMIT_OUTPUT was
 *        dropped, else 0; may be NULL.
 * @param process the process.
 * @param stream WSB_STREAM_STDOUT or WSB_STREAM_STDERR.
 * @return the bytes (owned by the process, NUL-terminated for convenience,
 *         may contain NULs); NULL if nothing was captured for that stream.
 * @since 0.1.0
 */
WSB_API const char *wsb_process_output(size_t *out_len, int *out_truncated,
	const wsb_process *process, int stream);

/**
 * Render how the process ended, which limit ended it and the protections in
 * force as one JSON object (docs/plan-json.md describes it).
 *
 * @param out receives the JSON text; free with wsb_free().
 * @param process the process.
 * @return WSB_OK; WSB_EINVAL; WSB_ENOMEM.
 * @since 0.1.0
 */
WSB_API int wsb_process_to_json(char **out, const wsb_process *process);

/** @} */

/**
 * @defgroup wsb_self_test Self-test
 * Prove on this machine what the sandbox enforces (docs/self-test.md).
 * @{
 */

/** Current version of wsb_self_test_options. @since 0.2.0 */
#define WSB_SELF_TEST_OPTIONS_VERSION 1

/**
 * Options for wsb_self_test().
 * @since 0.2.0
 */
typedef struct wsb_self_test_options {
	unsigned int version;           /**< WSB_SELF_TEST_OPTIONS_VERSION */
	const char *const *probe_argv;  /**< the probe: program and leading arguments, NULL-terminated; the canary's operation is appended and the program must pass it to wsb_self_test_probe() (wsb-run: { "/path/to/wsb-run", "--self-test-probe", NULL }). Required. */
	const char *work_dir;           /**< absolute directory under which the canaries' scratch directory is made (it must lie outside the policy's writable roots and the private temp directory), or NULL for the default (Linux: /var/tmp, else $HOME; Windows: %LOCALAPPDATA%, else %USERPROFILE%) */
} wsb_self_test_options;

/** Static initializer for wsb_self_test_options. @since 0.2.0 */
#define WSB_SELF_TEST_OPTIONS_INIT { WSB_SELF_TEST_OPTIONS_VERSION, NULL, NULL }

/**
 * Initialize an options struct to its defaults.
 * @param opts the struct.
 * @param version WSB_SELF_TEST_OPTIONS_VERSION.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION.
 * @since 0.2.0
 */
WSB_API int wsb_self_test_options_init(wsb_self_test_options *opts, unsigned int version);

/**
 * Run canary escapes under a policy and report, for each, whether the
 * protection it tests is proved here, missing, or FAILED.
 *
 * Each canary is one run of the probe through wsb_run(), under a copy of
 * the policy (same mode, network, flags, accepted missing protections,
 * memory, CPU and output limits, environment, roots and protected and
 * deny-read entries) plus a scratch workspace (a writable root holding a
 * ".git") and a deny-read file of the self-test's own; the process-limit
 * canary runs with a limit of 8 processes and the timeout canary with a
 * 1-second timeout. Canaries: write outside the roots, write through an
 * inherited descriptor, write, rename and delete under ".git", read a
 * deny-read file, TCP and UDP to listeners on the host's 127.0.0.1,
 * abstract and pathname UNIX sockets, fork past the process limit, outlive
 * the timeout. Each is judged by what the host observes afterwards, against
 * the protections the library reported in force for that run:
 * "proved" (in force, refused), "missing" (not in force, or the library
 * refused to run without it; the observation is shown), "FAILED" (in force,
 * yet it escaped) or "unproven" (could not be judged here; the evidence says
 * why). The scratch directory is removed afterwards. The self-test briefly
 * holds a descriptor that is not close-on-exec: a program of the caller that
 * starts processes by other means at the same time may inherit it.
 *
 * @param out_json receives the report (docs/self-test.md: "canaries" with
 *        name, protection, attempt, in_force, observed, status, evidence;
 *        "summary" with the counts); free with wsb_free().
 * @param out_failed receives the number of FAILED canaries; may be NULL.
 * @param policy the policy to test (validated as by wsb_policy_validate()).
 * @param identity the identity, or NULL for the current user with defaults.
 * @param opts the options (probe_argv is required).
 * @return WSB_OK when the report was made, whatever it says; WSB_EINVAL
 *         (NULL, no probe); WSB_EVERSION; WSB_EUTF8; WSB_ETOOLONG; WSB_ERANGE
 *         (more than 64 probe arguments); WSB_EPATH (relative work_dir);
 *         WSB_ECONFLICT; WSB_ENOENT or WSB_EOS when the scratch directory
 *         cannot be made; WSB_ENOTSUP on a build without a backend;
 *         WSB_ENOMEM.
 * @since 0.2.0
 */
WSB_API int wsb_self_test(char **out_json, unsigned int *out_failed, const wsb_policy *policy,
	const wsb_identity *identity, const wsb_self_test_options *opts);

/**
 * The probe's side of the self-test: carry out one canary operation in the
 * calling process and print one line on stdout saying what happened. A
 * program named in wsb_self_test_options.probe_argv calls it with the
 * arguments that follow its own leading ones and exits with its result.
 *
 * @param argc number of entries in argv.
 * @param argv the operation and its arguments (not the program name).
 * @return the exit status for the probe: 0 the operation succeeded, 1 it
 *         was refused, 2 bad usage or an operation this platform lacks.
 * @since 0.2.0
 */
WSB_API int wsb_self_test_probe(int argc, const char *const *argv);

/** @} */

/**
 * @defgroup wsb_audit World-writable audit (Windows)
 * @{
 */

/** Current version of wsb_audit_options. @since 0.1.0 */
#define WSB_AUDIT_OPTIONS_VERSION 1

/**
 * Options for wsb_audit_world_writable().
 * @since 0.1.0
 */
typedef struct wsb_audit_options {
	unsigned int version;   /**< WSB_AUDIT_OPTIONS_VERSION */
	const char *cwd;        /**< directory whose children are audited, or NULL for the caller's */
	unsigned long max_entries; /**< directories to examine at most; 0 for the default (10000) */
	unsigned long max_ms;   /**< time budget in milliseconds; 0 for the default (2000) */
} wsb_audit_options;

/** Static initializer for wsb_audit_options. @since 0.1.0 */
#define WSB_AUDIT_OPTIONS_INIT { WSB_AUDIT_OPTIONS_VERSION, NULL, 0, 0 }

/**
 * Initialize an options struct to its defaults.
 * @param opts the struct.
 * @param version WSB_AUDIT_OPTIONS_VERSION.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION.
 * @since 0.1.0
 */
WSB_API int wsb_audit_options_init(wsb_audit_options *opts, unsigned int version);

/**
 * Find directories the restricted sandbox token could still write: those
 * granting write to Everyone or the caller's logon SID (the cwd and its
 * children, TEMP/TMP, USERPROFILE, PUBLIC, PATH entries, the system drive
 * root, the Windows directory), within the budget. Reads only. Directories
 * only Users, Authenticated Users or INTERACTIVE may write are listed apart
 * as not exploitable (the token's write check needs a restricting SID).
 *
 * @param out_json receives a JSON object: "world_writable" (paths),
 *        "not_exploitable" (objects with "path", "writable_by",
 *        "exploitable": false) and "budget_exhausted"; free with wsb_free().
 * @param policy the policy whose roots are excluded from the findings.
 * @param opts options, or NULL for defaults.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION; WSB_EPATH; WSB_EUTF8; WSB_ETOOLONG;
 *         WSB_ECONFLICT; WSB_ENOMEM; WSB_EOS; WSB_ENOTSUP on non-Windows hosts.
 * @since 0.1.0
 */
WSB_API int wsb_audit_world_writable(char **out_json, const wsb_policy *policy,
	const wsb_audit_options *opts);

/** @} */

/**
 * @defgroup wsb_setup Elevated sandbox setup (Windows)
 * @{
 */

/**
 * Progress callback for long setup steps.
 * @param step short UTF-8 name of the step.
 * @param done units of work done so far.
 * @param total units of work in the step (0 if unknown).
 * @param ctx the caller's pointer from wsb_setup_options.
 * @since 0.1.0
 */
typedef void (*wsb_progress_cb)(const char *step, unsigned long done,
	unsigned long total, void *ctx);

/** Current version of wsb_setup_options. @since 0.1.0 */
#define WSB_SETUP_OPTIONS_VERSION 1

/**
 * Options for wsb_setup_install() and friends.
 *
 * Every setup function checks them first, before the backend runs: the
 * version (WSB_EVERSION); names, when given, must not be empty or only dots
 * and spaces, nor hold \ / [ ] : ; | = , + * ? < > " or control characters
 * (WSB_EINVAL), must be valid UTF-8 (WSB_EUTF8) and at most 20 characters
 * for users, 256 for the group (WSB_ETOOLONG), and the two users must
 * differ (WSB_EINVAL); ports must be nonzero and at most 65535 of them
 * (WSB_ERANGE), without duplicates (WSB_EEXIST), and not NULL when counted
 * (WSB_EINVAL); state_dir must be absolute (WSB_EPATH).
 * @since 0.1.0
 */
typedef struct wsb_setup_options {
	unsigned int version;          /**< WSB_SETUP_OPTIONS_VERSION */
	const char *state_dir;         /**< state directory, or NULL for the default */
	const char *offline_user;      /**< offline user name, or NULL for "wsb-offline" */
	const char *online_user;       /**< online user name, or NULL for "wsb-online" */
	const char *group;             /**< sandbox group name, or NULL for "wsb-sandbox" */
	const unsigned short *loopback_ports; /**< loopback ports the offline user may reach */
	size_t loopback_port_count;    /**< number of entries in loopback_ports */
	wsb_progress_cb progress;      /**< progress callback, or NULL */
	void *progress_ctx;            /**< passed to progress */
} wsb_setup_options;

/** Static initializer for wsb_setup_options. @since 0.1.0 */
#define WSB_SETUP_OPTIONS_INIT \
	{ WSB_SETUP_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL }

/**
 * Initialize an options struct to its defaults.
 * @param opts the struct.
 * @param version WSB_SETUP_OPTIONS_VERSION.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION.
 * @since 0.1.0
 */
WSB_API int wsb_setup_options_init(wsb_setup_options *opts, unsigned int version);

/**
 * Decide what wsb_setup_install() would change, without changing anything.
 * @param out receives the plan; free with wsb_plan_free().
 * @param opts options, or NULL for defaults.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION; WSB_ENOTSUP where no setup exists.
 * @since 0.1.0
 */
WSB_API int wsb_setup_plan(wsb_plan **out, const wsb_setup_options *opts);

/**
 * Provision the elevated sandbox (needs administrator rights): sandbox users
 * and group, encrypted secrets, firewall rules, read grants. Transactional:
 * a failure undoes this run's changes. Running it again changes nothing.
 * @param opts options, or NULL for defaults.
 * @return WSB_OK; WSB_ENOTELEVATED; WSB_EGROUPPOLICY; WSB_EINVAL; WSB_EVERSION;
 *         WSB_EOS; WSB_EJOURNAL; WSB_ENOTSUP where no setup exists.
 * @since 0.1.0
 */
WSB_API int wsb_setup_install(const wsb_setup_options *opts);

/**
 * Report what is installed and whether it is intact.
 * @param out_json receives a JSON object; free with wsb_free().
 * @param opts options, or NULL for defaults.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION; WSB_ENOTSUP where no setup exists.
 * @since 0.1.0
 */
WSB_API int wsb_setup_status(char **out_json, const wsb_setup_options *opts);

/**
 * Remove everything setup added, leaving every pre-existing ACE as it was.
 * @param opts options, or NULL for defaults.
 * @return WSB_OK; WSB_EINVAL; WSB_EVERSION (see wsb_setup_options);
 *         WSB_ENOTELEVATED; WSB_EOS; WSB_EJOURNAL; WSB_ENOTSUP where
 *         no setup exists.
 * @since 0.1.0
 */
WSB_API int wsb_setup_uninstall(const wsb_setup_options *opts);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* WSANDBOX_H */
