/* Shared tool code: buffers, strict number parsing, policy options, names. */
#include "tool.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#  include <windows.h>
#  include <io.h>
#  include <fcntl.h>
#else
#  include <unistd.h>
#endif

/* ---- memory and buffers -------------------------------------------------- */

static void out_of_memory(void)
{
	fputs("out of memory\n", stderr);
	exit(TOOL_EXIT_SETUP);
}

void *tool_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *tool_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = tool_xmalloc(n);
	memcpy(p, s, n);
	return p;
}

static void buf_reserve(tool_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > (size_t)-1 - b->len - 1)
		out_of_memory();
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		out_of_memory();
	b->data = p;
	b->cap = cap;
}

void tool_buf_add(tool_buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void tool_buf_puts(tool_buf *b, const char *s)
{
	tool_buf_add(b, s, strlen(s));
}

void tool_buf_printf(tool_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *tool_buf_str(tool_buf *b)
{
	if (!b->data)
		buf_reserve(b, 0), b->data[0] = '\0';
	return b->data;
}

void tool_buf_free(tool_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void tool_strlist_add(tool_strlist *l, const char *s)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		const char **p = realloc((void *)l->items, cap * sizeof(*p));
		if (!p)
			out_of_memory();
		l->items = p;
		l->cap = cap;
	}
	l->items[l->count++] = s;
}

void tool_strlist_free(tool_strlist *l)
{
	free((void *)l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}

/* ---- numbers ----------------------------------------------------------- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits s[0..n) into *out; -1 on overflow. */
static int digits_to_u64(wsb_u64 *out, const char *s, size_t n)
{
	wsb_u64 v = 0, max = ~(wsb_u64)0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int tool_parse_u64(wsb_u64 *out, const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	if (n == 0 || s[n] != '\0')
		return -1;
	return digits_to_u64(out, s, n);
}

int tool_parse_bytes(wsb_u64 *out, const char *s)
{
	size_t n = 0;
	wsb_u64 v, mult = 1;

	while (is_digit(s[n]))
		n++;
	if (n == 0)
		return -1;
	if (s[n] != '\0') {
		switch (s[n]) {
		case 'K': case 'k': mult = (wsb_u64)1 << 10; break;
		case 'M': case 'm': mult = (wsb_u64)1 << 20; break;
		case 'G': case 'g': mult = (wsb_u64)1 << 30; break;
		default: return -1;
		}
		if (s[n + 1] != '\0')
			return -1;
	}
	if (digits_to_u64(&v, s, n) < 0 || v > ~(wsb_u64)0 / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int tool_parse_seconds_ms(wsb_u64 *out, const char *s)
{
	size_t ni = 0, nf = 0, k;
	const char *frac;
	wsb_u64 secs = 0, ms = 0;
	int rest_nonzero = 0;

	while (is_digit(s[ni]))
		ni++;
	frac = s + ni;
	if (*frac == '.') {
		frac++;
		while (is_digit(frac[nf]))
			nf++;
		if (nf == 0 || frac[nf] != '\0')
			return -1;
	} else if (*frac != '\0') {
		return -1;
	}
	if (ni == 0 && nf == 0)
		return -1;
	if (digits_to_u64(&secs, s, ni) < 0 || secs > ~(wsb_u64)0 / 1000)
		return -1;
	for (k = 0; k < 3; k++)
		ms = ms * 10 + (k < nf ? (wsb_u64)(frac[k] - '0') : 0);
	for (k = 3; k < nf; k++)
		if (frac[k] != '0')
			rest_nonzero = 1;
	/* Sub-millisecond remainders round up: a tiny limit must not become
	 * "no limit" (0). */
	if (rest_nonzero)
		ms++;
	if (secs * 1000 > ~(wsb_u64)0 - ms)
		return -1;
	*out = secs * 1000 + ms;
	return 0;
}

/* ---- paths --------------------------------------------------------------- */

int tool_has_separator(const char *s)
{
#ifdef _WIN32
	return strchr(s, '/') != NULL || strchr(s, '\\') != NULL;
#else
	return strchr(s, '/') != NULL;
#endif
}

#ifdef _WIN32
static int win_is_absolute(const char *p)
{
	if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':'
		&& (p[2] == '\\' || p[2] == '/'))
		return 1;
	return (p[0] == '\\' || p[0] == '/') && (p[1] == '\\' || p[1] == '/');
}

static char *win_cwd_utf8(void)
{
	DWORD n = GetCurrentDirectoryW(0, NULL);
	wchar_t *w;
	char *u;
	int len;

	if (n == 0)
		return tool_xstrdup("");
	w = tool_xmalloc(n * sizeof(wchar_t));
	GetCurrentDirectoryW(n, w);
	len = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
	u = tool_xmalloc(len > 0 ? (size_t)len : 1);
	if (len <= 0 || !WideCharToMultiByte(CP_UTF8, 0, w, -1, u, len, NULL, NULL))
		u[0] = '\0';
	free(w);
	return u;
}
#endif

char *tool_abspath(const char *path)
{
	tool_buf b = { NULL, 0, 0 };
#ifdef _WIN32
	char *cwd;

	if (win_is_absolute(path))
		return tool_xstrdup(path);
	cwd = win_cwd_utf8();
	tool_buf_puts(&b, cwd);
	free(cwd);
	if (path[0] == '\\' || path[0] == '/') {
		/* Rooted on the current drive: keep "X:" only. */
		if (b.len > 2)
			b.len = 2;
	} else if (b.len && b.data[b.len - 1] != '\\') {
		tool_buf_puts(&b, "\\");
	}
	tool_buf_puts(&b, path);
#else
	size_t cap = 256;
	char *cwd;

	if (path[0] == '/')
		return tool_xstrdup(path);
	for (;;) {
		cwd = tool_xmalloc(cap);
		if (getcwd(cwd, cap))
			break;
		free(cwd);
		if (cap > 1u << 20)
			return tool_xstrdup(path); /* the library will call it relative */
		cap *= 2;
	}
	tool_buf_puts(&b, cwd);
	free(cwd);
	if (b.len && b.data[b.len - 1] != '/')
		tool_buf_puts(&b, "/");
	tool_buf_puts(&b, path);
#endif
	return (char *)tool_buf_str(&b);
}

/* ---- policy options -------------------------------------------------------- */

void tool_policy_opts_init(tool_policy_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = -1;
	o->network = WSB_NETWORK_OFF;
	o->identity = WSB_IDENTITY_CURRENT_USER;
}

void tool_policy_opts_free(tool_policy_opts *o)
{
	size_t k;

	tool_strlist_free(&o->writes);
	tool_strlist_free(&o->protects);
	tool_strlist_free(&o->deny_reads);
	for (k = 0; k < o->env_ops.count; k++)
		free((void *)o->env_ops.items[k]);
	tool_strlist_free(&o->env_ops);
	for (k = 0; k < o->net_rules.count; k++)
		free((void *)o->net_rules.items[k]);
	tool_strlist_free(&o->net_rules);
}

const char tool_policy_help[] =
	"  --mode MODE           read-only, workspace-write or full-access\n"
	"                        (default: workspace-write if any --write, else read-only)\n"
	"  --write PATH          make PATH a writable root (repeatable)\n"
	"  --protect NAME|PATH   keep NAME (anywhere under a root) or PATH read-only\n"
	"                        inside writable roots (repeatable; .git is protected\n"
	"                        by default)\n"
	"  --no-default-protect  do not protect .git by default\n"
	"  --deny-read PATH      make PATH unreadable (repeatable)\n"
	"  --network off|on|allowlist  network access (default: off); allowlist: only\n"
	"                        the hosts below, through a filtering proxy (Linux)\n"
	"  --allow-host PATTERN  allow a host: name, *.name (subdomains), optional\n"
	"                        :PORT[,PORT] or :* (default 80,443); implies\n"
	"                        --network allowlist (repeatable)\n"
	"  --deny-host PATTERN   deny a host whatever allows it (repeatable)\n"
	"  --allow-address CIDR  allow an address range, e.g. 10.0.0.0/8:5432\n"
	"                        (repeatable)\n"
	"  --timeout SECONDS     wall-clock limit; fractions allowed (0: none)\n"
	"  --memory BYTES        memory limit of the process tree; K, M, G suffixes\n"
	"  --max-processes N     processes alive at once in the tree\n"
	"  --cpu-time SECONDS    CPU-time limit of the tree; fractions allowed\n"
	"  --output-limit BYTES  cap on captured output per stream; K, M, G suffixes\n"
	"  --cwd DIR             working directory of the command\n"
	"  --env NAME=VALUE      set a variable (repeatable)\n"
	"  --unset NAME          remove a variable (repeatable)\n"
	"  --clear-env           start from an empty environment\n"
	"  --identity KIND       restricted (default) or sandbox-user (Windows, needs\n"
	"                        wsb-setup install)\n"
	"  --loopback-relay L:T  while the command runs, 127.0.0.1:L inside the\n"
	"                        sandbox reaches 127.0.0.1:T outside (a local proxy);\n"
	"                        sets HTTP(S)_PROXY and ALL_PROXY unless --env does\n"
	"  --allow-missing LIST  run even without these protections, where this machine\n"
	"                        cannot give them (comma-separated, repeatable; e.g.\n"
	"                        network: on Windows without wsb-setup, network off is\n"
	"                        then only advisory). Names: fs_write, fs_protected,\n"
	"                        fs_deny_read, network, network_advisory, process_tree,\n"
	"                        limit_memory, limit_processes, limit_cpu,\n"
	"                        no_new_privs, syscall_filter, private_desktop\n";

int tool_opt_value(const char **value, const char *name, const char *prog,
	int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*value = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: option %s needs a value\n", prog, name);
		return -1;
	}
	*value = argv[++*i];
	return 1;
}

/* Sets ('+') and unsets ('-') share one list so they apply in order. */
static void env_op(tool_policy_opts *o, char marker, const char *v)
{
	char *m = tool_xmalloc(strlen(v) + 2);

	m[0] = marker;
	strcpy(m + 1, v);
	tool_strlist_add(&o->env_ops, m);
}

static int bad_value(const char *prog, const char *opt, const char *value, const char *want)
{
	fprintf(stderr, "%s: invalid value '%s' for %s: expected %s\n", prog, value, opt, want);
	return -1;
}

int tool_policy_option(tool_policy_opts *o, const char *prog, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	int r;

	if (strcmp(a, "--no-default-protect") == 0) {
		o->no_default_protect = 1;
		return 1;
	}
	if (strcmp(a, "--clear-env") == 0) {
		o->clear_env = 1;
		return 1;
	}
#define VALUE_OPT(name) ((r = tool_opt_value(&v, name, prog, argc, argv, i)) != 0)
	if (VALUE_OPT("--mode")) {
		if (r < 0)
			return -1;
		if (strcmp(v, "read-only") == 0)
			o->mode = WSB_MODE_READ_ONLY;
		else if (strcmp(v, "workspace-write") == 0)
			o->mode = WSB_MODE_WORKSPACE_WRITE;
		else if (strcmp(v, "full-access") == 0)
			o->mode = WSB_MODE_FULL_ACCESS;
		else
			return bad_value(prog, "--mode", v, "read-only, workspace-write or full-access");
		return 1;
	}
	if (VALUE_OPT("--write")) {
		if (r < 0)
			return -1;
		if (!*v)
			return bad_value(prog, "--write", v, "a path");
		tool_strlist_add(&o->writes, v);
		return 1;
	}
	if (VALUE_OPT("--protect")) {
		if (r < 0)
			return -1;
		if (!*v)
			return bad_value(prog, "--protect", v, "a name or a path");
		tool_strlist_add(&o->protects, v);
		return 1;
	}
	if (VALUE_OPT("--deny-read")) {
		if (r < 0)
			return -1;
		if (!*v)
			return bad_value(prog, "--deny-read", v, "a path");
		tool_strlist_add(&o->deny_reads, v);
		return 1;
	}
	if (VALUE_OPT("--network")) {
		if (r < 0)
			return -1;
		if (strcmp(v, "off") == 0)
			o->network = WSB_NETWORK_OFF;
		else if (strcmp(v, "on") == 0)
			o->network = WSB_NETWORK_ON;
		else if (strcmp(v, "allowlist") == 0)
			o->network = WSB_NETWORK_ALLOWLIST;
		else
			return bad_value(prog, "--network", v, "off, on or allowlist");
		return 1;
	}
	{
		static const struct { const char *opt; char tag; } rules[] = {
			{ "--allow-host", '+' }, { "--deny-host", '-' }, { "--allow-address", '@' }
		};
		size_t k;

		for (k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
			char *tagged;

			if (!VALUE_OPT(rules[k].opt))
				continue;
			if (r < 0)
				return -1;
			tagged = tool_xmalloc(strlen(v) + 2);
			tagged[0] = rules[k].tag;
			strcpy(tagged + 1, v);
			tool_strlist_add(&o->net_rules, tagged);
			return 1;
		}
	}
	if (VALUE_OPT("--timeout")) {
		if (r < 0 || tool_parse_seconds_ms(&o->timeout_ms, v) < 0)
			return r < 0 ? -1 : bad_value(prog, "--timeout", v, "seconds such as 10 or 2.5");
		return 1;
	}
	if (VALUE_OPT("--memory")) {
		if (r < 0 || tool_parse_bytes(&o->memory, v) < 0)
			return r < 0 ? -1 : bad_value(prog, "--memory", v, "bytes such as 512M or 2G");
		return 1;
	}
	if (VALUE_OPT("--max-processes")) {
		if (r < 0 || tool_parse_u64(&o->max_processes, v) < 0)
			return r < 0 ? -1 : bad_value(prog, "--max-processes", v, "a whole number");
		return 1;
	}
	if (VALUE_OPT("--cpu-time")) {
		if (r < 0 || tool_parse_seconds_ms(&o->cpu_ms, v) < 0)
			return r < 0 ? -1 : bad_value(prog, "--cpu-time", v, "seconds such as 10 or 2.5");
		return 1;
	}
	if (VALUE_OPT("--output-limit")) {
		if (r < 0 || tool_parse_bytes(&o->output_limit, v) < 0)
			return r < 0 ? -1 : bad_value(prog, "--output-limit", v, "bytes such as 64K or 1M");
		o->output_limit_set = 1;
		return 1;
	}
	if (VALUE_OPT("--cwd")) {
		if (r < 0)
			return -1;
		if (!*v)
			return bad_value(prog, "--cwd", v, "a directory");
		o->cwd = v;
		return 1;
	}
	if (VALUE_OPT("--env")) {
		const char *eq;
		if (r < 0)
			return -1;
		/* Skip a leading '=' so Windows drive variables ("=C:=C:\\x") work. */
		eq = *v ? strchr(v + 1, '=') : NULL;
		if (!eq)
			return bad_value(prog, "--env", v, "NAME=VALUE");
		env_op(o, '+', v);
		return 1;
	}
	if (VALUE_OPT("--unset")) {
		if (r < 0)
			return -1;
		if (!*v || strchr(v + 1, '='))
			return bad_value(prog, "--unset", v, "a variable name");
		env_op(o, '-', v);
		return 1;
	}
	if (VALUE_OPT("--allow-missing")) {
		unsigned int bits;
		if (r < 0)
			return -1;
		if (tool_parse_protections(&bits, v) < 0)
			return bad_value(prog, "--allow-missing", v,
				"protection names separated by commas (see --help)");
		o->allow_missing |= bits;
		return 1;
	}
	if (VALUE_OPT("--loopback-relay")) {
		wsb_u64 listen = 0, target = 0;
		const char *colon;
		char head[8];
		if (r < 0)
			return -1;
		colon = strchr(v, ':');
		if (!colon || (size_t)(colon - v) >= sizeof(head))
			return bad_value(prog, "--loopback-relay", v, "two ports such as 8080:3128");
		memcpy(head, v, (size_t)(colon - v));
		head[colon - v] = '\0';
		if (tool_parse_u64(&listen, head) < 0 || tool_parse_u64(&target, colon + 1) < 0 ||
				listen == 0 || listen > 65535 || target == 0 || target > 65535)
			return bad_value(prog, "--loopback-relay", v, "two ports such as 8080:3128");
		o->relay_listen = (unsigned short)listen;
		o->relay_target = (unsigned short)target;
		return 1;
	}
	if (VALUE_OPT("--identity")) {
		if (r < 0)
			return -1;
		if (strcmp(v, "restricted") == 0)
			o->identity = WSB_IDENTITY_CURRENT_USER;
		else if (strcmp(v, "sandbox-user") == 0)
			o->identity = WSB_IDENTITY_SANDBOX_USER;
		else
			return bad_value(prog, "--identity", v, "restricted or sandbox-user");
		return 1;
	}
#undef VALUE_OPT
	return 0;
}

static int lib_failed(int rc, const char *prog, const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "%s: %s '%s': %s\n", prog, what, arg, wsb_error_message(NULL));
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, wsb_error_message(NULL));
	return rc;
}

/* Apply one "--opt PATH" list through setter; paths made absolute first. */
static int add_paths(wsb_policy *p, const tool_strlist *l, const char *prog, const char *opt,
	int (*setter)(wsb_policy *, const char *))
{
	size_t k;
	int rc;

	for (k = 0; k < l->count; k++) {
		char *abs = tool_abspath(l->items[k]);
		rc = setter(p, abs);
		free(abs);
		if (rc != WSB_OK)
			return lib_failed(rc, prog, opt, l->items[k]);
	}
	return WSB_OK;
}

int tool_policy_build(wsb_policy **out_policy, wsb_identity **out_identity,
	const tool_policy_opts *o, const char *prog)
{
	wsb_policy *p = NULL;
	wsb_identity *id = NULL;
	int mode = o->mode, rc;
	size_t k;

	*out_policy = NULL;
	*out_identity = NULL;
	if (mode < 0)
		mode = o->writes.count ? WSB_MODE_WORKSPACE_WRITE : WSB_MODE_READ_ONLY;
	rc = wsb_policy_create(&p, mode);
	if (rc != WSB_OK)
		return lib_failed(rc, prog, "cannot create the policy", NULL);
	if ((rc = add_paths(p, &o->writes, prog, "--write", wsb_policy_allow_write)) != WSB_OK)
		goto fail;
	for (k = 0; k < o->protects.count; k++) {
		const char *v = o->protects.items[k];
		if (tool_has_separator(v)) {
			char *abs = tool_abspath(v);
			rc = wsb_policy_protect_path(p, abs);
			free(abs);
		} else {
			rc = wsb_policy_protect_name(p, v);
		}
		if (rc != WSB_OK) {
			lib_failed(rc, prog, "--protect", v);
			goto fail;
		}
	}
	if ((rc = add_paths(p, &o->deny_reads, prog, "--deny-read", wsb_policy_deny_read)) != WSB_OK)
		goto fail;
	if ((rc = wsb_policy_set_network(p, o->net_rules.count && o->network == WSB_NETWORK_OFF ?
			WSB_NETWORK_ALLOWLIST : o->network)) != WSB_OK) {
		lib_failed(rc, prog, "--network", NULL);
		goto fail;
	}
	for (k = 0; k < o->net_rules.count; k++) {
		const char *v = o->net_rules.items[k];

		rc = v[0] == '+' ? wsb_policy_allow_host(p, v + 1) : v[0] == '-' ?
			wsb_policy_deny_host(p, v + 1) : wsb_policy_allow_address(p, v + 1);
		if (rc != WSB_OK) {
			lib_failed(rc, prog, v[0] == '+' ? "--allow-host" : v[0] == '-' ? "--deny-host" :
				"--allow-address", v + 1);
			goto fail;
		}
	}
	{
		static const struct { int limit; const char *opt; size_t off; } limits[] = {
			{ WSB_LIMIT_TIMEOUT, "--timeout", offsetof(tool_policy_opts, timeout_ms) },
			{ WSB_LIMIT_MEMORY, "--memory", offsetof(tool_policy_opts, memory) },
			{ WSB_LIMIT_PROCESSES, "--max-processes", offsetof(tool_policy_opts, max_processes) },
			{ WSB_LIMIT_CPU_TIME, "--cpu-time", offsetof(tool_policy_opts, cpu_ms) },
			{ WSB_LIMIT_OUTPUT, "--output-limit", offsetof(tool_policy_opts, output_limit) }
		};
		for (k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
			wsb_u64 v = *(const wsb_u64 *)((const char *)o + limits[k].off);
			if (v == 0 && !(limits[k].limit == WSB_LIMIT_OUTPUT && o->output_limit_set))
				continue;
			if ((rc = wsb_policy_set_limit(p, limits[k].limit, v)) != WSB_OK) {
				lib_failed(rc, prog, limits[k].opt, NULL);
				goto fail;
			}
		}
	}
	if (o->clear_env && (rc = wsb_policy_env_mode(p, WSB_ENV_CLEAR)) != WSB_OK) {
		lib_failed(rc, prog, "--clear-env", NULL);
		goto fail;
	}
	for (k = 0; k < o->env_ops.count; k++) {
		const char *e = o->env_ops.items[k] + 1;
		int unset = o->env_ops.items[k][0] == '-';
		if (unset) {
			rc = wsb_policy_env_unset(p, e);
		} else {
			const char *eq = strchr(e + 1, '=');
			size_t n = (size_t)(eq - e);
			char *name = tool_xmalloc(n + 1);
			memcpy(name, e, n);
			name[n] = '\0';
			rc = wsb_policy_env_set(p, name, eq + 1);
			free(name);
		}
		if (rc != WSB_OK) {
			lib_failed(rc, prog, unset ? "--unset" : "--env", e);
			goto fail;
		}
	}
	if (o->no_default_protect
		&& (rc = wsb_policy_set_flags(p, WSB_POLICY_NO_DEFAULT_PROTECT)) != WSB_OK) {
		lib_failed(rc, prog, "--no-default-protect", NULL);
		goto fail;
	}
	if (o->allow_missing && (rc = wsb_policy_allow_missing(p, o->allow_missing)) != WSB_OK) {
		lib_failed(rc, prog, "--allow-missing", NULL);
		goto fail;
	}
	if (o->relay_listen && (rc = wsb_policy_set_loopback_relay(p, o->relay_listen,
			o->relay_target)) != WSB_OK) {
		lib_failed(rc, prog, "--loopback-relay", NULL);
		goto fail;
	}
	if (o->identity != WSB_IDENTITY_CURRENT_USER) {
		wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
		io.kind = o->identity;
		if ((rc = wsb_identity_create(&id, &io)) != WSB_OK) {
			lib_failed(rc, prog, "--identity", "sandbox-user");
			goto fail;
		}
	}
	*out_policy = p;
	*out_identity = id;
	return WSB_OK;
fail:
	wsb_policy_free(p);
	return rc;
}

/* ---- names -------------------------------------------------------------- */

const char *tool_mode_name(int mode)
{
	switch (mode) {
	case WSB_MODE_READ_ONLY: return "read-only";
	case WSB_MODE_WORKSPACE_WRITE: return "workspace-write";
	case WSB_MODE_FULL_ACCESS: return "full-access";
	default: return "unknown";
	}
}

const char *tool_rule_name(int rule)
{
	switch (rule) {
	case WSB_RULE_FULL_ACCESS: return "full_access";
	case WSB_RULE_READ_DEFAULT: return "read_default";
	case WSB_RULE_DENY_READ: return "deny_read";
	case WSB_RULE_WRITABLE_ROOT: return "writable_root";
	case WSB_RULE_PROTECTED_NAME: return "protected_name";
	case WSB_RULE_PROTECTED_PATH: return "protected_path";
	case WSB_RULE_GITDIR: return "gitdir";
	case WSB_RULE_OUTSIDE_ROOTS: return "outside_roots";
	case WSB_RULE_READ_ONLY_MODE: return "read_only_mode";
	case WSB_RULE_TEMP: return "temp";
	default: return "unknown";
	}
}

const char *tool_limit_name(int limit)
{
	switch (limit) {
	case WSB_LIMIT_NONE: return "none";
	case WSB_LIMIT_MEMORY: return "memory";
	case WSB_LIMIT_PROCESSES: return "processes";
	case WSB_LIMIT_CPU_TIME: return "cpu_time";
	case WSB_LIMIT_TIMEOUT: return "timeout";
	case WSB_LIMIT_OUTPUT: return "output";
	default: return "unknown";
	}
}

const char *tool_exit_kind_name(int kind)
{
	switch (kind) {
	case WSB_EXIT_RUNNING: return "running";
	case WSB_EXIT_NORMAL: return "normal";
	case WSB_EXIT_SIGNAL: return "signal";
	case WSB_EXIT_TIMEOUT: return "timeout";
	case WSB_EXIT_LIMIT: return "limit";
	case WSB_EXIT_KILLED: return "killed";
	default: return "unknown";
	}
}

/* Names of the wsb_protection bits, in bit order. */
static const char *const protection_names[] = {
	"fs_write", "fs_protected", "fs_deny_read", "network", "network_advisory",
	"process_tree", "limit_memory", "limit_processes", "limit_cpu",
	"no_new_privs", "syscall_filter", "private_desktop"
};
#define PROTECTION_COUNT (sizeof(protection_names) / sizeof(protection_names[0]))

int tool_parse_protections(unsigned int *out, const char *s)
{
	unsigned int bits = 0;

	for (;;) {
		size_t n = strcspn(s, ","), k;
		for (k = 0; k < PROTECTION_COUNT; k++)
			if (strlen(protection_names[k]) == n && strncmp(s, protection_names[k], n) == 0)
				break;
		if (k == PROTECTION_COUNT)
			return -1;
		bits |= 1u << k;
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	*out = bits;
	return 0;
}

void tool_protections_text(tool_buf *b, unsigned int bits)
{
	const char *const *names = protection_names;
	size_t k;
	int first = 1;

	for (k = 0; k < PROTECTION_COUNT; k++) {
		if (!(bits & (1u << k)))
			continue;
		tool_buf_printf(b, "%s%s", first ? "" : ", ", names[k]);
		first = 0;
	}
	if (first)
		tool_buf_puts(b, "none");
}

const char *tool_code_name(int code)
{
	static const char *const names[] = {
		"WSB_OK", "WSB_ERROR", "WSB_ENOMEM", "WSB_EINVAL", "WSB_EUTF8", "WSB_EPATH",
		"WSB_ETOOLONG", "WSB_ERANGE", "WSB_ENOTSUP", "WSB_ENOENT", "WSB_EEXIST",
		"WSB_EACCES", "WSB_EOS", "WSB_ESTATE", "WSB_ERUNNING", "WSB_EUNAVAIL",
		"WSB_ECONFLICT", "WSB_EVERSION", "WSB_ENOEXEC", "WSB_EJOURNAL",
		"WSB_ENOTELEVATED", "WSB_EGROUPPOLICY", "WSB_ELOGON", "WSB_ELOCKED",
		"WSB_ENOTSETUP", "WSB_EWORLDWRITABLE"
	};
	if (code > 0 || (size_t)-code >= sizeof(names) / sizeof(names[0]))
		return "WSB_UNKNOWN";
	return names[-code];
}

/* ---- platform ------------------------------------------------------------ */

#ifdef _WIN32
static volatile LONG interrupted_sig;

static BOOL WINAPI console_handler(DWORD type)
{
	(void)type;
	InterlockedExchange(&interrupted_sig, 2);
	return TRUE;
}

void tool_catch_interrupts(void)
{
	SetConsoleCtrlHandler(console_handler, TRUE);
}

int tool_interrupted(void)
{
	return (int)interrupted_sig;
}

int tool_isatty(FILE *f)
{
	DWORD mode;
	return GetConsoleMode((HANDLE)_get_osfhandle(_fileno(f)), &mode) != 0;
}

void tool_init(int *argc, char ***argv)
{
	int n, k;
	wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
	char **out;

	if (!w) {
		_setmode(_fileno(stdout), _O_BINARY);
		_setmode(_fileno(stderr), _O_BINARY);
		return;
	}
	out = tool_xmalloc(((size_t)n + 1) * sizeof(char *));
	for (k = 0; k < n; k++) {
		int len = WideCharToMultiByte(CP_UTF8, 0, w[k], -1, NULL, 0, NULL, NULL);
		out[k] = tool_xmalloc(len > 0 ? (size_t)len : 1);
		if (len <= 0 || !WideCharToMultiByte(CP_UTF8, 0, w[k], -1, out[k], len, NULL, NULL))
			out[k][0] = '\0';
	}
	out[n] = NULL;
	LocalFree(w);
	*argc = n;
	*argv = out;
	_setmode(_fileno(stdout), _O_BINARY);
	_setmode(_fileno(stderr), _O_BINARY);
}
#else
#include <signal.h>

static volatile sig_atomic_t interrupted_sig;

static void on_signal(int sig)
{
	interrupted_sig = sig;
}

void tool_catch_interrupts(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t k;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocking read returns EINTR */
	for (k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
		sigaction(sigs[k], &sa, NULL);
}

int tool_interrupted(void)
{
	return (int)interrupted_sig;
}

int tool_isatty(FILE *f)
{
	return isatty(fileno(f));
}

void tool_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
}
#endif

#ifdef _WIN32
char *tool_self_path(const char *argv0)
{
	wchar_t w[32768];
	DWORD n = GetModuleFileNameW(NULL, w, 32768);
	int len;
	char *out;

	(void)argv0;
	if (n == 0 || n >= 32768)
		return NULL;
	len = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
	if (len <= 0)
		return NULL;
	out = tool_xmalloc((size_t)len);
	if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, out, len, NULL, NULL)) {
		free(out);
		return NULL;
	}
	return out;
}
#else
char *tool_self_path(const char *argv0)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n > 0) {
		buf[n] = '\0';
		return tool_xstrdup(buf);
	}
	return argv0 && tool_has_separator(argv0) ? tool_abspath(argv0) : NULL;
}
#endif
