/*
 * The plan: what a backend decided to change, and its JSON (the dry run and
 * audit trail; docs/plan-json.md). Also the policy summary used inside it.
 */
#include "plan.h"
#include "json.h"
#include "policy.h"

#include <stdio.h>
#include <string.h>

#define WSB__PLAN_FORMAT 1

static void strvec_json(wsb__json *j, const char *key, const wsb__strvec *v)
{
	size_t i;

	wsb__json_key(j, key);
	wsb__json_array_begin(j);
	for (i = 0; i < v->count; i++)
		wsb__json_text(j, v->items[i]);
	wsb__json_array_end(j);
}

static int name_json(const char *name, void *ctx)
{
	wsb__json_string(ctx, name);
	return 0;
}

/* "network_rules": {"allow_hosts": [...], "deny_hosts": [...],
 * "allow_addresses": [...]}, each rule in its canonical text. Only when the
 * policy has rules, so policies without keep their summary. */
static void net_rules_json(wsb__json *j, const struct wsb_policy *policy)
{
	static const char *const keys[] = { "allow_hosts", "deny_hosts", "allow_addresses" };
	size_t i, k;

	wsb__json_key(j, "network_rules");
	wsb__json_object_begin(j);
	for (k = 0; k < WSB__ARRAY_SIZE(keys); k++) {
		wsb__json_key(j, keys[k]);
		wsb__json_array_begin(j);
		for (i = 0; i < policy->net_rule_count; i++) {
			const wsb__hostpat *r = &policy->net_rules[i];
			size_t kind = r->is_address ? 2 : r->deny ? 1 : 0;

			if (kind == k)
				wsb__json_string(j, r->text);
		}
		wsb__json_array_end(j);
	}
	wsb__json_object_end(j);
}

void wsb__policy_to_json(wsb__json *j, const struct wsb_policy *policy)
{
	static const int limits[] = { WSB_LIMIT_MEMORY, WSB_LIMIT_PROCESSES,
		WSB_LIMIT_CPU_TIME, WSB_LIMIT_TIMEOUT, WSB_LIMIT_OUTPUT };
	unsigned int bit;
	size_t i;

	if (policy == NULL) {
		wsb__json_null(j);
		return;
	}
	wsb__json_object_begin(j);
	wsb__json_kv_string(j, "path_syntax", policy->flavor == WSB__PATH_WIN ? "windows" : "posix");
	wsb__json_kv_string(j, "mode", wsb__mode_name(policy->mode));
	wsb__json_kv_string(j, "network", wsb__network_name(policy->network));
	wsb__json_key(j, "flags");
	wsb__json_array_begin(j);
	for (bit = 1; bit && bit <= policy->flags; bit <<= 1)
		if (policy->flags & bit)
			wsb__json_string(j, wsb__policy_flag_name(bit));
	wsb__json_array_end(j);
	wsb__json_key(j, "allow_missing");
	wsb__json_protections(j, policy->allow_missing);
	wsb__json_key(j, "limits");
	wsb__json_object_begin(j);
	for (i = 0; i < WSB__ARRAY_SIZE(limits); i++)
		wsb__json_kv_u64(j, wsb__limit_name(limits[i]), policy->limits[limits[i]]);
	wsb__json_object_end(j);
	strvec_json(j, "writable_roots", &policy->write_roots);
	strvec_json(j, "protected_paths", &policy->protect_paths);
	wsb__json_key(j, "protected_names");
	wsb__json_array_begin(j);
	wsb__policy_each_protected_name(policy, name_json, j);
	wsb__json_array_end(j);
	strvec_json(j, "deny_read", &policy->deny_read);
	wsb__json_key(j, "env");
	wsb__json_object_begin(j);
	wsb__json_kv_string(j, "mode", wsb__env_mode_name(policy->env_mode));
	wsb__json_key(j, "changes");
	wsb__json_array_begin(j);
	for (i = 0; i < policy->env_op_count; i++) {
		wsb__json_object_begin(j);
		wsb__json_kv_string(j, "name", policy->env_ops[i].name);
		wsb__json_kv_string(j, "op", policy->env_ops[i].value ? "set" : "unset");
		wsb__json_object_end(j);
	}
	wsb__json_array_end(j);
	wsb__json_object_end(j);
	/* Only when set, so policies without one keep their summary. */
	if (policy->relay_listen) {
		wsb__json_key(j, "loopback_relay");
		wsb__json_object_begin(j);
		wsb__json_kv_u64(j, "listen", policy->relay_listen);
		wsb__json_kv_u64(j, "target", policy->relay_target);
		wsb__json_object_end(j);
	}
	if (policy->net_rule_count)
		net_rules_json(j, policy);
	wsb__json_object_end(j);
}

int wsb__policy_json_string(char **out, const struct wsb_policy *policy)
{
	wsb__json j;

	wsb__json_init(&j);
	wsb__policy_to_json(&j, policy);
	return wsb__json_finish(out, &j);
}

int wsb__plan_new(struct wsb_plan **out, const char *backend, const struct wsb_policy *policy)
{
	struct wsb_plan *plan;
	int rc;

	*out = NULL;
	if (backend == NULL)
		return wsb__error(WSB_EINVAL, "wsb__plan_new: backend is NULL");
	plan = wsb__calloc(1, sizeof(*plan));
	if (plan == NULL)
		return wsb__error_nomem();
	plan->policy = policy;
	plan->backend = wsb__strdup(backend);
	if (plan->backend == NULL) {
		wsb__free(plan);
		return wsb__error_nomem();
	}
	rc = wsb__policy_json_string(&plan->policy_json, policy);
	if (rc < 0) {
		wsb_plan_free(plan);
		return rc;
	}
	*out = plan;
	return WSB_OK;
}

static void step_dispose(wsb__plan_step *step)
{
	size_t i;

	for (i = 0; i < step->field_count; i++) {
		wsb__free(step->fields[i].key);
		wsb__free(step->fields[i].value);
	}
	wsb__free(step->fields);
	wsb__free(step->kind);
	wsb__free(step->action);
	wsb__free(step->target);
}

void wsb_plan_free(wsb_plan *plan)
{
	size_t i;

	if (plan == NULL)
		return;
	if (plan->backend_free)
		plan->backend_free(plan->backend_data);
	for (i = 0; i < plan->step_count; i++)
		step_dispose(&plan->steps[i]);
	wsb__free(plan->steps);
	wsb__strvec_dispose(&plan->notes);
	for (i = 0; i < plan->mech_count; i++) {
		wsb__free(plan->mechs[i].mechanism);
		wsb__free(plan->mechs[i].why);
	}
	wsb__free(plan->mechs);
	wsb__free(plan->policy_json);
	wsb__free(plan->backend);
	wsb__free(plan);
}

int wsb__plan_mechanism(struct wsb_plan *plan, unsigned int protection,
	const char *mechanism, const char *why)
{
	wsb__plan_mech *m = NULL;
	char *name, *reason = NULL;
	size_t i;

	if (plan == NULL || mechanism == NULL)
		return wsb__error(WSB_EINVAL, "wsb__plan_mechanism: plan or mechanism is NULL");
	name = wsb__strdup(mechanism);
	if (name == NULL || (why && (reason = wsb__strdup(why)) == NULL)) {
		wsb__free(name);
		return wsb__error_nomem();
	}
	for (i = 0; i < plan->mech_count; i++)
		if (plan->mechs[i].protection == protection)
			m = &plan->mechs[i];
	if (m == NULL) {
		if (plan->mech_count == plan->mech_cap) {
			size_t cap = plan->mech_cap ? plan->mech_cap * 2 : 16;
			wsb__plan_mech *grown = wsb__realloc(plan->mechs, cap * sizeof(*grown));
			if (grown == NULL) {
				wsb__free(name);
				wsb__free(reason);
				return wsb__error_nomem();
			}
			plan->mechs = grown;
			plan->mech_cap = cap;
		}
		m = &plan->mechs[plan->mech_count++];
		m->protection = protection;
	} else {
		wsb__free(m->mechanism);
		wsb__free(m->why);
	}
	m->mechanism = name;
	m->why = reason;
	return WSB_OK;
}

int wsb__plan_add(struct wsb_plan *plan, wsb__plan_step **out_step,
	const char *kind, const char *action, const char *target)
{
	wsb__plan_step step;

	if (out_step)
		*out_step = NULL;
	if (plan == NULL || kind == NULL || action == NULL)
		return wsb__error(WSB_EINVAL, "wsb__plan_add: plan, kind and action are required");
	if (wsb__array_reserve(&plan->steps, &plan->step_cap, plan->step_count, sizeof(*plan->steps), 16) != WSB_OK)
		return WSB_ENOMEM;
	memset(&step, 0, sizeof(step));
	step.kind = wsb__strdup(kind);
	step.action = wsb__strdup(action);
	step.target = target ? wsb__strdup(target) : NULL;
	if (!step.kind || !step.action || (target && !step.target)) {
		step_dispose(&step);
		return wsb__error_nomem();
	}
	plan->steps[plan->step_count] = step;
	if (out_step)
		*out_step = &plan->steps[plan->step_count];
	plan->step_count++;
	return WSB_OK;
}

int wsb__plan_set(wsb__plan_step *step, const char *key, const char *value)
{
	char *v, *k;
	size_t i;

	if (step == NULL || key == NULL || value == NULL)
		return wsb__error(WSB_EINVAL, "wsb__plan_set: step, key and value are required");
	if (!strcmp(key, "kind") || !strcmp(key, "action") || !strcmp(key, "target"))
		return wsb__error(WSB_EINVAL, "wsb__plan_set: '%s' is a reserved step member", key);
	v = wsb__strdup(value);
	if (v == NULL)
		return wsb__error_nomem();
	for (i = 0; i < step->field_count; i++) {
		if (!strcmp(step->fields[i].key, key)) {
			wsb__free(step->fields[i].value);
			step->fields[i].value = v;
			return WSB_OK;
		}
	}
	if (wsb__array_reserve(&step->fields, &step->field_cap, step->field_count, sizeof(*step->fields),
			4) != WSB_OK) {
		wsb__free(v);
		return WSB_ENOMEM;
	}
	k = wsb__strdup(key);
	if (k == NULL) {
		wsb__free(v);
		return wsb__error_nomem();
	}
	step->fields[step->field_count].key = k;
	step->fields[step->field_count].value = v;
	step->field_count++;
	return WSB_OK;
}

int wsb__plan_set_u64(wsb__plan_step *step, const char *key, wsb_u64 value)
{
	char buf[WSB__U64_STR_SIZE];

	return wsb__plan_set(step, key, wsb__u64_str(buf, value));
}

int wsb__plan_loopback_relay(struct wsb_plan *plan, const struct wsb_policy *policy)
{
	char target[32], listen[32];
	wsb__plan_step *s;
	int rc;

	if (policy->relay_listen == 0)
		return WSB_OK;
	snprintf(target, sizeof(target), "127.0.0.1:%u", (unsigned int)policy->relay_target);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", (unsigned int)policy->relay_listen);
	if ((rc = wsb__plan_add(plan, &s, "loopback_relay", "add", target)) < 0)
		return rc;
	return wsb__plan_set(s, "listen", listen);
}

int wsb__plan_network_proxy(struct wsb_plan *plan, const struct wsb_policy *policy,
	const char *where)
{
	wsb__plan_step *s;
	size_t i;
	int rc;

	if ((rc = wsb__plan_add(plan, &s, "network_proxy", "add", where)) < 0)
		return rc;
	for (i = 0; i < policy->net_rule_count; i++)
		if ((rc = wsb__plan_add(plan, &s, "network_rule", policy->net_rules[i].deny ? "deny" :
				"allow", policy->net_rules[i].text)) < 0)
			return rc;
	return WSB_OK;
}

int wsb__plan_note(struct wsb_plan *plan, const char *fmt, ...)
{
	wsb__buf b = WSB__BUF_INIT;
	va_list ap;
	char *s;
	int n;

	if (plan == NULL || fmt == NULL)
		return wsb__error(WSB_EINVAL, "wsb__plan_note: plan and fmt are required");
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return wsb__error(WSB_ERROR, "wsb__plan_note: formatting failed");
	if (wsb__buf_grow(&b, (size_t)n) < 0)
		return WSB_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b.ptr, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b.size = (size_t)n;
	s = wsb__buf_detach(&b);
	return wsb__strvec_push_owned(&plan->notes, s);
}

const char *wsb__plan_step_get(const wsb__plan_step *step, const char *key)
{
	size_t i;

	for (i = 0; i < step->field_count; i++)
		if (!strcmp(step->fields[i].key, key))
			return step->fields[i].value;
	return NULL;
}

int wsb_plan_to_json(char **out, const wsb_plan *plan)
{
	wsb__json j;
	size_t i, f;
	int rc;

	if (out == NULL)
		return wsb__error(WSB_EINVAL, "wsb_plan_to_json: out is NULL");
	*out = NULL;
	if (plan == NULL)
		return wsb__error(WSB_EINVAL, "wsb_plan_to_json: plan is NULL");
	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_kv_u64(&j, "format", WSB__PLAN_FORMAT);
	wsb__json_kv_string(&j, "backend", plan->backend);
	wsb__json_key(&j, "policy");
	wsb__json_raw(&j, plan->policy_json);
	wsb__json_key(&j, "protections");
	wsb__json_protections(&j, plan->protections);
	wsb__json_key(&j, "missing");
	wsb__json_protections(&j, plan->missing);
	wsb__json_key(&j, "steps");
	wsb__json_array_begin(&j);
	for (i = 0; i < plan->step_count; i++) {
		const wsb__plan_step *s = &plan->steps[i];

		wsb__json_object_begin(&j);
		wsb__json_kv_string(&j, "kind", s->kind);
		wsb__json_kv_string(&j, "action", s->action);
		wsb__json_key(&j, "target");
		wsb__json_text(&j, s->target);
		for (f = 0; f < s->field_count; f++) {
			wsb__json_key(&j, s->fields[f].key);
			wsb__json_text(&j, s->fields[f].value);
		}
		wsb__json_object_end(&j);
	}
	wsb__json_array_end(&j);
	strvec_json(&j, "notes", &plan->notes);
	/* Only from a backend that names its mechanisms (Linux). */
	if (plan->mech_count)
		wsb__json_key(&j, "mechanisms");
	if (plan->mech_count)
		wsb__json_array_begin(&j);
	for (i = 0; i < plan->mech_count; i++) {
		const wsb__plan_mech *m = &plan->mechs[i];

		wsb__json_object_begin(&j);
		wsb__json_kv_string(&j, "protection", wsb__protection_name(m->protection));
		wsb__json_kv_string(&j, "mechanism", m->mechanism);
		wsb__json_key(&j, "stronger_unavailable");
		wsb__json_text(&j, m->why);
		wsb__json_object_end(&j);
	}
	if (plan->mech_count)
		wsb__json_array_end(&j);
	wsb__json_object_end(&j);
	rc = wsb__json_finish(out, &j);
	if (rc < 0 && rc != WSB_ENOMEM)
		return wsb__error(rc, "wsb_plan_to_json: the plan holds text that is not valid "
			"UTF-8 (%s)", wsb_strerror(rc));
	return rc;
}

unsigned int wsb_plan_protections(const wsb_plan *plan)
{
	if (plan == NULL) {
		wsb__error(WSB_EINVAL, "wsb_plan_protections: plan is NULL");
		return 0;
	}
	return plan->protections;
}

size_t wsb_plan_step_count(const wsb_plan *plan)
{
	if (plan == NULL) {
		wsb__error(WSB_EINVAL, "wsb_plan_step_count: plan is NULL");
		return 0;
	}
	return plan->step_count;
}
