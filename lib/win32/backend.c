/*
 * The Windows backend's entry points (lib/backend.h) for the unelevated
 * sandbox: a restricted token, ACEs on the writable roots, a job object.
 * The elevated sandbox (sandbox users, firewall) is a separate module.
 */
#include "win32.h"
#include "elevated.h"
#include "core/plan.h"

#include <string.h>

const char *const wsb__backend_name = "win32";

wsb_u64 wsb__now_ms(void)
{
	return (wsb_u64)WSB_OS(GetTickCount64)();
}

int wsb__backend_default_state_dir(char **out)
{
	char *base = NULL;
	wsb__buf b = WSB__BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = wsb__w32_getenv(&base, "LOCALAPPDATA")) != WSB_OK)
		return rc;
	if (!base)
		return wsb__error(WSB_ENOENT, "LOCALAPPDATA is not set; pass a state directory");
	rc = wsb__buf_printf(&b, "%s\\wsandbox", base);
	wsb__free(base);
	if (rc != WSB_OK)
		return wsb__error_nomem();
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

int wsb__backend_identity_check(const struct wsb_identity *identity)
{
	if (identity->kind == WSB_IDENTITY_CURRENT_USER)
		return WSB_OK;
	return wsb__error(WSB_ENOTSUP, "the sandbox-user identity is not available in this build");
}

int wsb__backend_plan(struct wsb_plan **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity)
{
	wsb__w32_decision *d = NULL;
	struct wsb_plan *plan = NULL;
	int rc;

	*out = NULL;
	if ((rc = wsb__w32_decide(&d, policy, identity, 1)) != WSB_OK)
		return rc;
	if ((rc = wsb__plan_new(&plan, "win32-restricted", policy)) == WSB_OK &&
			(rc = wsb__w32_plan_fill(plan, d, policy)) == WSB_OK) {
		*out = plan;
		plan = NULL;
	}
	wsb_plan_free(plan);
	wsb__w32_decision_free(d);
	return rc;
}

int wsb__backend_read_small_file(char **out, size_t *out_len, const char *path, size_t max)
{
	return wsb__w32_read_file(out, out_len, path, max);
}

int wsb__backend_revert(struct wsb_identity *identity)
{
	return wsb__journal_revert(identity->state_dir);
}

/* The elevated sandbox's setup lives in setup.c (docs/windows-setup.md). */
int wsb__backend_setup_plan(struct wsb_plan **out, const wsb_setup_options *opts)
{
	return wsb__setup_plan(out, opts);
}

int wsb__backend_setup_install(const wsb_setup_options *opts)
{
	return wsb__setup_install(opts);
}

int wsb__backend_setup_status(char **out_json, const wsb_setup_options *opts)
{
	return wsb__setup_status(out_json, opts);
}

int wsb__backend_setup_uninstall(const wsb_setup_options *opts)
{
	return wsb__setup_uninstall(opts);
}
