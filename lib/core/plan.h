/*
 * The plan (lib/core/plan.c): what a backend decided to change. The core owns
 * the type and its JSON; a backend's decide step fills it, its act step walks
 * it. A step is one change: a kind ("ace", "token_sid", "firewall_rule",
 * "job_limit", "landlock_rule", "mount", "namespace", "seccomp", "limit",
 * "env", ...), an action ("add", "set", "keep", "remove"), a target (path or
 * object name), and ordered string fields (e.g. "sddl", "access").
 */
#ifndef WSB_CORE_PLAN_H
#define WSB_CORE_PLAN_H

#include "common.h"

typedef struct wsb__plan_field {
	char *key;
	char *value;
} wsb__plan_field;

typedef struct wsb__plan_step {
	char *kind;
	char *action;
	char *target;
	wsb__plan_field *fields;
	size_t field_count;
	size_t field_cap;
} wsb__plan_step;

/* Which mechanism gives (or would give) one protection, and why the
 * stronger ones were not used (NULL: it is the strongest). */
typedef struct wsb__plan_mech {
	unsigned int protection;      /* one wsb_protection bit */
	char *mechanism;
	char *why;
} wsb__plan_mech;

struct wsb_plan {
	char *backend;                /* "linux", "win32-restricted", "win32-sandbox-user", "win32-setup" */
	unsigned int protections;     /* wsb_protection bits that will be in force */
	unsigned int missing;         /* bits the policy implies but this machine cannot give */
	wsb__plan_step *steps;
	size_t step_count;
	size_t step_cap;
	wsb__strvec notes;            /* human-readable remarks (e.g. "network is advisory") */
	wsb__plan_mech *mechs;        /* the mechanism chosen per protection */
	size_t mech_count;
	size_t mech_cap;
	const struct wsb_policy *policy; /* borrowed for the backend's decide step only;
	                                    wsb_plan_create clears it before returning */
	char *policy_json;            /* the policy summary, rendered by wsb__plan_new (the
	                                 caller may free the policy before the plan) */
	void *backend_data;           /* backend's private decisions, freed by backend_free */
	void (*backend_free)(void *);
};

/* A new empty plan. policy may be NULL (setup plans); its summary is
 * rendered now. */
int wsb__plan_new(struct wsb_plan **out, const char *backend, const struct wsb_policy *policy);
/* Append a step; *out_step (may be NULL) points into the plan until the next
 * add. kind and action are required; target may be NULL. */
int wsb__plan_add(struct wsb_plan *plan, wsb__plan_step **out_step,
	const char *kind, const char *action, const char *target);
/* Set a field (replacing a field of the same key). "kind", "action" and
 * "target" are reserved (they share the step's JSON object): WSB_EINVAL. */
int wsb__plan_set(wsb__plan_step *step, const char *key, const char *value);
int wsb__plan_set_u64(wsb__plan_step *step, const char *key, wsb_u64 value);
int wsb__plan_note(struct wsb_plan *plan, const char *fmt, ...) WSB__PRINTF(2, 3);
/* Record the mechanism chosen for one protection (replacing an earlier
 * record for the same bit); why may be NULL. */
int wsb__plan_mechanism(struct wsb_plan *plan, unsigned int protection,
	const char *mechanism, const char *why);
/* Look up a field of a step; NULL if absent. */
const char *wsb__plan_step_get(const wsb__plan_step *step, const char *key);

/* The loopback relay's step, for a backend that runs the relay: kind
 * "loopback_relay", action "add", target "127.0.0.1:<target_port>", field
 * "listen" "127.0.0.1:<listen_port>". Adds nothing when the policy has no
 * relay. */
int wsb__plan_loopback_relay(struct wsb_plan *plan, const struct wsb_policy *policy);

/* The allow-list's steps, for a backend that runs its proxy: kind
 * "network_proxy", action "add", target where (the listener), then one
 * "network_rule" step per rule, action "allow" or "deny", target the rule's
 * canonical text. */
int wsb__plan_network_proxy(struct wsb_plan *plan, const struct wsb_policy *policy,
	const char *where);

/* JSON of a policy alone (used inside plan and result JSON). Environment
 * values are left out on purpose: they may hold secrets. */
struct wsb__json;
void wsb__policy_to_json(struct wsb__json *j, const struct wsb_policy *policy);
/* The same as a whole document; *out is freed with wsb__free. */
int wsb__policy_json_string(char **out, const struct wsb_policy *policy);

#endif
