/*
 * Allocation. Every allocation in the library goes through here so that a
 * caller's hooks see it, and so that tests can fail the Nth allocation
 * ("torture" runs) and count live blocks.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

static wsb_allocator allocator;
static int allocator_set;
static int allocated_once;
static unsigned long fail_countdown;
static long live_blocks;

static void *default_malloc(size_t size, void *ctx)
{
	(void)ctx;
	return malloc(size);
}

static void *default_realloc(void *ptr, size_t size, void *ctx)
{
	(void)ctx;
	return realloc(ptr, size);
}

static void default_free(void *ptr, void *ctx)
{
	(void)ctx;
	free(ptr);
}

static const wsb_allocator default_allocator = {
	WSB_ALLOCATOR_VERSION, default_malloc, default_realloc, default_free, NULL
};

static const wsb_allocator *current(void)
{
	return allocator_set ? &allocator : &default_allocator;
}

int wsb_set_allocator(const wsb_allocator *a)
{
	if (allocated_once)
		return wsb__error(WSB_ESTATE,
			"wsb_set_allocator must be called before the library allocates anything");
	if (a == NULL) {
		allocator_set = 0;
		return WSB_OK;
	}
	if (a->version < 1 || a->version > WSB_ALLOCATOR_VERSION)
		return wsb__error(WSB_EVERSION, "wsb_allocator version %u is not supported (1..%d)",
			a->version, WSB_ALLOCATOR_VERSION);
	if (!a->malloc_fn || !a->realloc_fn || !a->free_fn)
		return wsb__error(WSB_EINVAL, "wsb_allocator needs malloc_fn, realloc_fn and free_fn");
	allocator = *a;
	allocator_set = 1;
	return WSB_OK;
}

/* Returns 1 when the torture countdown says this allocation must fail. */
static int should_fail(void)
{
	if (fail_countdown == 0)
		return 0;
	if (--fail_countdown == 0)
		return 1;
	return 0;
}

void wsb__alloc_fail_after(unsigned long n)
{
	fail_countdown = n;
}

long wsb__alloc_live(void)
{
	return live_blocks;
}

void *wsb__malloc(size_t size)
{
	void *p;

	allocated_once = 1;
	if (should_fail())
		return NULL;
	p = current()->malloc_fn(size ? size : 1, current()->ctx);
	if (p)
		live_blocks++;
	return p;
}

void *wsb__calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > SIZE_MAX / size)
		return NULL;
	p = wsb__malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *wsb__realloc(void *ptr, size_t size)
{
	void *p;

	if (ptr == NULL)
		return wsb__malloc(size);
	allocated_once = 1;
	if (should_fail())
		return NULL;
	p = current()->realloc_fn(ptr, size ? size : 1, current()->ctx);
	return p;
}

void wsb__free(void *ptr)
{
	if (ptr == NULL)
		return;
	live_blocks--;
	current()->free_fn(ptr, current()->ctx);
}

void wsb_free(void *ptr)
{
	wsb__free(ptr);
}

char *wsb__strndup(const char *s, size_t n)
{
	char *p = wsb__malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *wsb__strdup(const char *s)
{
	return wsb__strndup(s, strlen(s));
}
