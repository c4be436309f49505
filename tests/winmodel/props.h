/*
 * Shared helpers of the property tests (test_props_*.c): a seeded random
 * generator, the seed printed on failure and replayable, and the case count.
 *
 *   WSB_PROPS_SEED=<n>   run from this seed (each case i uses seed + i)
 *   WSB_PROPS_CASES=<n>  cases per test (default per test)
 */
#ifndef WINMODEL_PROPS_H
#define WINMODEL_PROPS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct prop_rng {
	uint64_t s;
} prop_rng;

/* splitmix64 */
static inline uint64_t prop_next(prop_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline unsigned prop_below(prop_rng *r, unsigned n)
{
	return n ? (unsigned)(prop_next(r) % n) : 0;
}

static uint64_t prop_case_seed;   /* the case being run, for the failure message */

/* The run's base seed: WSB_PROPS_SEED, else the clock (fixed on first use). */
static inline uint64_t prop_base_seed(void)
{
	static uint64_t base;
	static int set;
	const char *e = getenv("WSB_PROPS_SEED");

	if (!set) {
		base = e && *e ? strtoull(e, NULL, 0) : (uint64_t)time(NULL) * 2654435761u;
		set = 1;
	}
	return base;
}

static inline unsigned prop_cases(unsigned dflt)
{
	const char *e = getenv("WSB_PROPS_CASES");

	return e && *e ? (unsigned)strtoul(e, NULL, 0) : dflt;
}

/* A property assertion: on failure print the case seed and how to replay it. */
#define PROP(cond, ...) do { \
	if (!(cond)) { \
		print_error("property failed (%s:%d): ", __FILE__, __LINE__); \
		print_error(__VA_ARGS__); \
		print_error("\n  replay: WSB_PROPS_SEED=%llu WSB_PROPS_CASES=1\n", \
			(unsigned long long)prop_case_seed); \
		fail(); \
	} \
} while (0)

#endif
