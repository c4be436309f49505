/*
 * The command that the limit scenarios of test_sandbox.c confine. A program
 * of its own, built without sanitizers even in the ASan build: a sanitizer
 * runtime cannot live inside those limits (its shadow memory needs more
 * address space than RLIMIT_AS leaves), while the library and the test that
 * drive it stay instrumented.
 * Usage: linux_limit_helper --helper forkbomb N | hog MB
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile char *volatile sink;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--helper") && !strcmp(argv[2], "forkbomb")) {
		/* prints how many of N children started */
		int n = atoi(argv[3]), ok = 0, i;
		for (i = 0; i < n; i++) {
			pid_t p = fork();
			if (p == 0) {
				sleep_ms(5000);
				_exit(0);
			}
			ok += p > 0;
		}
		printf("%d\n", ok);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--helper") && !strcmp(argv[2], "hog")) {
		/* exit 0 after touching MB mebibytes, 1 when an allocation fails */
		long mb = atol(argv[3]), i, j;
		for (i = 0; i < mb; i++) {
			/* volatile: an optimizer may not drop memory nobody reads */
			volatile char *p = malloc(1 << 20);
			if (!p)
				return 1;
			for (j = 0; j < 1 << 20; j += 4096)
				p[j] = (char)(i + 1);
			sink = p;
		}
		return 0;
	}
	fprintf(stderr, "usage: %s --helper forkbomb N | hog MB\n", argv[0]);
	return 2;
}
