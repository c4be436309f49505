/*
 * The Windows backend's entry points (lib/backend.h) for the unelevated
 * sandbox: a restricted token, ACEs on the writable roots, a job object.
 * The elevated sandbox (sandbox users, firewall) is a separate module.
 */
#include "win32.h"
#include "elevated.h"
#include "proxy.h"
#include "relay.h"
#include "core/plan.h"
#include "core/policy.h"
#include "core/json.h"

#include <string.h>

const char *const wsb__backend_name = "win32";

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
	/* A sandbox user's setup is checked when it is used (plan, spawn):
	 * setup may be run or repaired after the identity was made. */
	(void)identity;
	return WSB_OK;
}

int wsb__backend_plan(struct wsb_plan **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity)
{
	wsb__w32_decision *d = NULL;
	struct wsb_plan *plan = NULL;
	int rc;

	wsb__sandbox_account acct;
	wsb__plan_step *s;

	*out = NULL;
	memset(&acct, 0, sizeof(acct));
	if (identity->kind == WSB_IDENTITY_SANDBOX_USER)
		rc = wsb__asuser_decide(&d, &acct, policy, identity, NULL);
	else
		rc = wsb__w32_decide(&d, policy, identity, 1, NULL);
	if (rc != WSB_OK)
		goto done;
	if ((rc = wsb__plan_new(&plan, acct.user8 ? "win32-sandbox-user" : "win32-restricted", policy)) != WSB_OK)
		goto done;
	if (acct.user8 && (rc = wsb__plan_add(plan, &s, "logon", "set", acct.user8)) == WSB_OK &&
			(rc = wsb__plan_set(s, "role", acct.online ? "online" : "offline")) == WSB_OK &&
			(rc = wsb__plan_set(s, "sid", acct.user_sid)) == WSB_OK)
		rc = wsb__plan_set(s, "via", "CreateProcessWithLogonW + wsb-runner.exe");
	if (rc == WSB_OK && acct.user8 && !acct.online && !acct.firewall)
		rc = wsb__plan_note(plan, "the offline user's firewall rules do not verify (%s): spawn refuses "
			"network off unless the policy accepts it as missing", acct.firewall_why ? acct.firewall_why :
			"unknown reason");
	if (rc == WSB_OK && (rc = wsb__w32_allowlist_check(policy, acct.user8 ? &acct : NULL)) == WSB_OK &&
			(rc = wsb__relay_env(d, policy)) == WSB_OK &&
			(rc = wsb__w32_plan_fill(plan, d, policy)) == WSB_OK &&
			(rc = wsb__plan_loopback_relay(plan, policy)) == WSB_OK &&
			(rc = wsb__w32_allowlist_plan(plan, policy, acct.user8 ? &acct : NULL,
				d->protections)) == WSB_OK) {
		*out = plan;
		plan = NULL;
	}
done:
	wsb_plan_free(plan);
	wsb__w32_decision_free(d);
	wsb__setup_account_dispose(&acct);
	return rc;
}

int wsb__backend_read_small_file(char **out, size_t *out_len, const char *path, size_t max)
{
	return wsb__w32_read_prefix(out, out_len, path, max);
}

void wsb__backend_reuse_release(void)
{
	wsb__token_cache_drop(NULL);
}

int wsb__backend_revert(struct wsb_identity *identity)
{
	/* Its grants go: so do the token templates that use them (warm.c). */
	wsb__token_cache_drop(identity->state_dir);
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

int wsb__w32_plan_fill(struct wsb_plan *plan, const wsb__w32_decision *d,
	const struct wsb_policy *policy)
{
	wsb__plan_step *s;
	size_t i;
	int rc = WSB_OK;

	plan->protections = d->protections;
	plan->missing = d->missing;
	for (i = 0; i < d->caps.sids.count && rc == WSB_OK; i++) {
		if ((rc = wsb__plan_add(plan, &s, "token_sid", "add", d->caps.sids.items[i])) == WSB_OK &&
				(rc = wsb__plan_set(s, "role", "capability")) == WSB_OK)
			rc = wsb__plan_set(s, "key", d->caps.keys.items[i]);
	}
	if (rc == WSB_OK && d->write_restricted) {
		if ((rc = wsb__plan_add(plan, &s, "token_sid", "add", "logon")) == WSB_OK)
			rc = wsb__plan_set(s, "role", "logon");
		if (rc == WSB_OK && (rc = wsb__plan_add(plan, &s, "token_sid", "add", "S-1-1-0")) == WSB_OK)
			rc = wsb__plan_set(s, "role", "everyone");
	}
	if (rc == WSB_OK && (rc = wsb__plan_add(plan, &s, "token", "set", "restricted")) == WSB_OK)
		rc = wsb__plan_set(s, "flags", d->write_restricted ?
			"DISABLE_MAX_PRIVILEGE|LUA_TOKEN|WRITE_RESTRICTED" : "DISABLE_MAX_PRIVILEGE|LUA_TOKEN");
	for (i = 0; i < d->ace_count && rc == WSB_OK; i++) {
		const wsb__w32_ace *a = &d->aces[i];
		if ((rc = wsb__plan_add(plan, &s, "ace", a->present ? "keep" : "add", a->path)) == WSB_OK &&
				(rc = wsb__plan_set(s, "sddl", a->sddl)) == WSB_OK)
			rc = wsb__plan_set(s, "role", a->role);
	}
	if (rc == WSB_OK && (rc = wsb__plan_add(plan, &s, "job_limit", "set", "flags")) == WSB_OK)
		rc = wsb__plan_set(s, "value", "KILL_ON_JOB_CLOSE|DIE_ON_UNHANDLED_EXCEPTION");
	if (rc == WSB_OK && (rc = wsb__plan_add(plan, &s, "job_limit", "set", "ui")) == WSB_OK)
		rc = wsb__plan_set(s, "value", "DESKTOP|DISPLAYSETTINGS|EXITWINDOWS|GLOBALATOMS|HANDLES|"
			"READCLIPBOARD|WRITECLIPBOARD|SYSTEMPARAMETERS");
	for (i = WSB_LIMIT_MEMORY; i <= WSB_LIMIT_OUTPUT && rc == WSB_OK; i++)
		if (policy->limits[i] && (rc = wsb__plan_add(plan, &s, "job_limit", "set",
				wsb__limit_name((int)i))) == WSB_OK)
			rc = wsb__plan_set_u64(s, "value", policy->limits[i]);
	for (i = 0; i < d->env_extra.count && rc == WSB_OK; i++) {
		const char *e = d->env_extra.items[i], *eq = strchr(e, '=');
		char *name = wsb__strndup(e, (size_t)(eq - e));
		if (!name)
			return wsb__error_nomem();
		if ((rc = wsb__plan_add(plan, &s, "env", "set", name)) == WSB_OK)
			rc = wsb__plan_set(s, "value", eq + 1);
		wsb__free(name);
	}
	if (rc == WSB_OK && !d->group_sid)
		rc = wsb__plan_note(plan, "reads are not restricted in the unelevated mode (WRITE_RESTRICTED "
			"checks writes only)");
	if (rc == WSB_OK && d->group_sid)
		rc = wsb__plan_note(plan, "commands run as the sandbox user: they read only what it, the "
			"sandbox group %s, Users, Authenticated Users or Everyone may read, plus the writable roots "
			"(granted to the group); deny-read paths deny the group reading data, extended attributes "
			"and executing (names, attributes and the security descriptor stay visible)", d->group_sid);
	for (i = 0; i < d->deny_read_absent.count && rc == WSB_OK; i++)
		rc = wsb__plan_note(plan, "deny-read path %s does not exist: no ACE for it; if it appears "
			"while a command runs, it is not denied", d->deny_read_absent.items[i]);
	if (rc == WSB_OK && (d->protections & WSB_PROT_NETWORK_ADVISORY) &&
			policy->network == WSB_NETWORK_OFF)
		rc = wsb__plan_note(plan, "network is advisory only: proxy variables point at a dead port and "
			"package managers are told to stay offline; a program that ignores them reaches the "
			"network. Real isolation needs the elevated sandbox (WSB_IDENTITY_SANDBOX_USER) with its "
			"firewall rules intact");
	if (rc == WSB_OK && (d->protections & WSB_PROT_NETWORK) && policy->network == WSB_NETWORK_OFF)
		rc = wsb__plan_note(plan, "network off is enforced by the offline user's firewall rules (read "
			"back and verified just now): no traffic except loopback to the ports setup allowed");
	if (rc == WSB_OK && d->temp_dir)
		rc = wsb__plan_note(plan, "TEMP and TMP point at the sandbox's own folder %s%s; the caller's "
			"%%TEMP%% is not writable by the sandbox", d->temp_dir,
			d->temp_absent ? " (created on the first spawn)" : "");
	if (rc == WSB_OK && policy->deny_read.count > 0 &&
			(!d->group_sid || policy->mode == WSB_MODE_FULL_ACCESS))
		rc = wsb__plan_note(plan, policy->mode == WSB_MODE_FULL_ACCESS ?
			"deny-read paths do not apply in full access" :
			"deny-read paths cannot be enforced in the unelevated mode");
	if (rc == WSB_OK && d->write_restricted && !d->scan_truncated)
		rc = wsb__plan_note(plan, "protected names are looked up under each writable root down to "
			"%d levels (%lu folders listed); deeper ones are not protected by ACEs",
			WSB__SCAN_MAX_DEPTH, d->scan_dirs);
	if (rc == WSB_OK && d->scan_truncated)
		rc = wsb__plan_note(plan, "the protected-name scan stopped at its budget after %lu folders and "
			"%lu names (at most %d folders, %d names, %d levels): protected names below the top level "
			"of a root it did not reach are not protected by ACEs", d->scan_dirs, d->scan_entries,
			WSB__SCAN_MAX_DIRS, WSB__SCAN_MAX_ENTRIES, WSB__SCAN_MAX_DEPTH);
	if (rc == WSB_OK && d->group_writable.count > 0)
		rc = wsb__plan_note(plan, "%lu folder%s only Users, Authenticated Users or INTERACTIVE may "
			"write (first: %s): not writable by the write-restricted token, left as they are",
			(unsigned long)d->group_writable.count, d->group_writable.count == 1 ? "" : "s",
			d->group_writable.items[0]);
	return rc;
}

int wsb__backend_audit(char **out_json, const struct wsb_policy *policy, const wsb_audit_options *opts)
{
	wsb__audit found;
	wsb__json j;
	int rc;
	size_t i;

	*out_json = NULL;
	rc = wsb__audit_find(&found, policy, opts ? opts->cwd : NULL,
		opts ? opts->max_entries : 0, opts ? opts->max_ms : 0);
	if (rc != WSB_OK)
		return rc;
	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_kv_u64(&j, "format", 1);
	wsb__json_key(&j, "world_writable");
	wsb__json_array_begin(&j);
	for (i = 0; i < found.holes.count; i++)
		wsb__json_string(&j, found.holes.items[i]);
	wsb__json_array_end(&j);
	/* Informational: the write-restricted token cannot use these grants. */
	wsb__json_key(&j, "not_exploitable");
	wsb__json_array_begin(&j);
	for (i = 0; i < found.groups_only.count; i++) {
		wsb__json_object_begin(&j);
		wsb__json_kv_string(&j, "path", found.groups_only.items[i]);
		wsb__json_kv_string(&j, "writable_by", found.groups_by.items[i]);
		wsb__json_kv_bool(&j, "exploitable", 0);
		wsb__json_object_end(&j);
	}
	wsb__json_array_end(&j);
	wsb__json_kv_bool(&j, "budget_exhausted", found.exhausted);
	wsb__json_object_end(&j);
	wsb__audit_dispose(&found);
	return wsb__json_finish(out_json, &j);
}
