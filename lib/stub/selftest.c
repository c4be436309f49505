/*
 * The self-test on a build without a backend: nothing can be run, so there
 * is nothing to prove (WSB_ENOTSUP, as for every spawn).
 */
#include "../core/selftest.h"

#include <stdio.h>

static int missing(void)
{
	return wsb__error(WSB_ENOTSUP, "the self-test is not implemented by the 'stub' backend "
		"of this build");
}

int wsb__st_make_dir(char **out, const char *parent)
{
	(void)parent;
	*out = NULL;
	return missing();
}

void wsb__st_remove_tree(const char *path)
{
	(void)path;
}

int wsb__st_make_subdir(const char *path)
{
	(void)path;
	return missing();
}

int wsb__st_write_file(const char *path, const char *data)
{
	(void)path;
	(void)data;
	return missing();
}

int wsb__st_exists(const char *path)
{
	(void)path;
	return 0;
}

long long wsb__st_file_size(const char *path)
{
	(void)path;
	return -1;
}

void wsb__st_sleep_ms(unsigned long ms)
{
	(void)ms;
}

int wsb__st_listen(wsb__st_listener **out, char **out_address, const char *kind,
	const char *dir, const char *token)
{
	(void)kind;
	(void)dir;
	(void)token;
	*out = NULL;
	*out_address = NULL;
	return missing();
}

int wsb__st_listener_reached(wsb__st_listener *l, unsigned long wait_ms)
{
	(void)l;
	(void)wait_ms;
	return 0;
}

void wsb__st_listener_close(wsb__st_listener *l)
{
	(void)l;
}

int wsb__st_inheritable_open(long *out_handle, char **out_number, const char *path)
{
	(void)path;
	*out_handle = -1;
	*out_number = NULL;
	return missing();
}

void wsb__st_inheritable_close(long handle)
{
	(void)handle;
}

int wsb__backend_probe(int argc, const char *const *argv)
{
	(void)argc;
	(void)argv;
	printf("probe: the 'stub' backend has no probe\n");
	return 2;
}
