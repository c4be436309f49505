/*
 * Compiles the public header on its own, first and twice, under the strictest
 * flags of each language: as C89, C11 and C++11 (see CMakeLists.txt). It uses
 * every static initializer and takes the address of functions, so a macro or
 * declaration that only works in some dialect, or with some linkage, fails.
 */
#include <wsandbox/wsandbox.h>
#include <wsandbox/wsandbox.h>

#if WSB_VERSION_NUMBER != WSB_VERSION_MAJOR * 10000 + WSB_VERSION_MINOR * 100 + WSB_VERSION_PATCH
#error "WSB_VERSION_NUMBER must be usable in #if"
#endif

int wsb_headertest(void);

int wsb_headertest(void)
{
	wsb_allocator allocator = WSB_ALLOCATOR_INIT;
	wsb_identity_options identity = WSB_IDENTITY_OPTIONS_INIT;
	wsb_spawn_options spawn = WSB_SPAWN_OPTIONS_INIT;
	wsb_audit_options audit = WSB_AUDIT_OPTIONS_INIT;
	wsb_setup_options setup = WSB_SETUP_OPTIONS_INIT;
	const char *(*version)(void) = wsb_version;
	int (*create)(wsb_policy **, int) = wsb_policy_create;
	wsb_u64 big = 1;
	unsigned int versions;

	big <<= 40;
	versions = allocator.version + identity.version + spawn.version +
		audit.version + setup.version;
	return versions == 5u && version && create && big > 0u &&
		WSB_OK == 0 && WSB_MAX_ROOTS > 0 && WSB_MAX_ARGS > 0;
}
