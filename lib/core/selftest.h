/*
 * The self-test (lib/core/selftest.c): canary escapes run through the public
 * spawn path, each judged by what the host observes, against what the
 * library reports in force. The runner and the judge are OS-neutral; the few
 * host-side operations they need (a scratch directory, listeners, an
 * inherited descriptor) and the probe that runs inside the sandbox are each
 * backend's (lib/<backend>/selftest.c), behind the functions below.
 */
#ifndef WSB_CORE_SELFTEST_H
#define WSB_CORE_SELFTEST_H

#include "common.h"

/* What a canary's verdict can be (docs/self-test.md). */
enum wsb__st_status {
	WSB__ST_PROVED = 1,   /* reported in force, the canary was refused */
	WSB__ST_MISSING = 2,  /* reported not in force (the canary's result is shown) */
	WSB__ST_FAILED = 3,   /* reported in force, yet the canary escaped */
	WSB__ST_UNPROVEN = 4  /* the canary could not be judged here (see evidence) */
};

/* What the host observed: the canary escaped, was refused, or cannot tell. */
enum wsb__st_observed {
	WSB__ST_REFUSED = 0,
	WSB__ST_ESCAPED = 1,
	WSB__ST_UNKNOWN = -1
};

/* Test hook: protections the runner takes as reported in force whatever the
 * library reported, so a test on the real kernel can make the self-test see
 * a protection claimed but not applied (tests/linux/test_selftest_claim.c).
 * Internal (hidden in the shared library); 0 outside that test. */
extern unsigned int wsb__st_test_claim;

/* The judge: pure, so tests can hand it fabricated observations. */
int wsb__st_judge(int in_force, int observed);
const char *wsb__st_status_name(int status);

/* One canary's outcome, as the report shows it. */
typedef struct wsb__st_result {
	const char *name;        /* static: "write_outside_roots" ... */
	const char *attempt;     /* static: what the canary tries, in words */
	unsigned int protection; /* the wsb_protection bit it tests */
	int in_force;            /* 1 if the library reported it in force */
	int observed;            /* wsb__st_observed */
	int status;              /* wsb__st_status */
	char *evidence;          /* owned: what the host saw */
} wsb__st_result;

/* Render a report (docs/self-test.md) from results; *out is freed with
 * wsb_free(). requested/backend/work_dir are shown as given. */
int wsb__st_report_json(char **out, const wsb__st_result *results, size_t count,
	unsigned int requested, const char *work_dir);

/* ---- host-side operations, one set per backend ------------------------- */

/* A fresh private directory for the canaries' files under parent (or under
 * the backend's default: somewhere outside the private temp directory). */
int wsb__st_make_dir(char **out, const char *parent);
/* Remove a directory tree the self-test made (best effort). */
void wsb__st_remove_tree(const char *path);
int wsb__st_make_subdir(const char *path);
int wsb__st_write_file(const char *path, const char *data);
/* 1 if the path exists, 0 if not. */
int wsb__st_exists(const char *path);
/* Size of a file in bytes, or -1 when absent. */
long long wsb__st_file_size(const char *path);
void wsb__st_sleep_ms(unsigned long ms);

/* Listeners the canaries aim at. kind: "tcp", "udp", "unix", "unix-abstract".
 * *out_address receives what the probe is given (a port, a path, a name).
 * WSB_ENOTSUP for a kind this platform lacks. */
typedef struct wsb__st_listener wsb__st_listener;
int wsb__st_listen(wsb__st_listener **out, char **out_address, const char *kind,
	const char *dir, const char *token);
/* 1 if the listener saw a connection or the token, 0 if not within wait_ms. */
int wsb__st_listener_reached(wsb__st_listener *l, unsigned long wait_ms);
void wsb__st_listener_close(wsb__st_listener *l);

/* Open path for writing as a descriptor a child would inherit (not
 * close-on-exec); *out_number receives its number as the probe names it.
 * WSB_ENOTSUP where no descriptor is inherited by design. */
int wsb__st_inheritable_open(long *out_handle, char **out_number, const char *path);
void wsb__st_inheritable_close(long handle);

/* The probe that runs inside the sandbox (wsb_self_test_probe). */
int wsb__backend_probe(int argc, const char *const *argv);

#endif
