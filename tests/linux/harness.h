/*
 * The Linux tests' harness (harness.c), shared by the scenario tests.
 */
#ifndef WSB_TESTS_LINUX_HARNESS_H
#define WSB_TESTS_LINUX_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include "wsandbox/wsandbox.h"

#define NOBODY 65534

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "%s:%d: check failed (uid %d): %s [last error: %s]\n", __FILE__, \
		__LINE__, (int)getuid(), #c, wsb_error_message(NULL)); \
	return 1; } } while (0)

typedef int (*scenario)(const char *base);

/* Run fn(base) in a forked child as uid (dropped to it when root), in
 * the WSB_TEST_ENV environment, with base a fresh directory the user owns
 * (removed after); a cmocka failure if fn returned non-zero. */
void run_as(scenario fn, uid_t uid);
/* As root (skipped when not root), and as uid 65534 (or the caller). */
void as_root(scenario fn);
void as_user(scenario fn);

/* WSB_TEST_ENV (a comma-separated list) names this environment. */
int env_has(const char *name);
/* The Landlock ABI it lowers to (abi=N), or 0. */
int env_abi(void);
/* The cgroup-delegated environment's cgroup directory. */
extern char deleg_dir[128];

void sleep_ms(long ms);
/* Remove dir and everything below it, staying on its file system. */
void remove_tree(const char *dir);
int write_text(const char *path, const char *text);
/* base/rel in one of eight rotating buffers. */
char *path_of(const char *base, const char *rel);
/* A workspace-write policy whose one writable root is base/root (made). */
wsb_policy *workspace(const char *base);
/* Copy a file, executable, to a new path (O_EXCL: never over an old file). */
int copy_file(const char *from, const char *to);
/* Copy the init server this build made (WSB_TEST_INITD) into dir, which
 * uid 65534 can reach wherever the build tree is, and have every warm
 * spawn go through that copy, however small the test process is; without
 * one (a static build) they go in-process. */
int use_initd_in(const char *dir);
/* A loopback socket on a free port, listening if it is a stream one (its
 * fd, -1 on failure). */
int loopback_socket(int type, int *port);
/* Open descriptors listed in dir (/proc/<pid>/fd; our own without the
 * one reading it), or -1. */
int count_fds(const char *dir);

#endif
