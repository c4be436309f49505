/*
 * The network allow-list on Linux, end to end with real clients under the
 * real kernel (docs/network.md): curl (CONNECT, plain HTTP, SOCKS5), git
 * clone over HTTPS from git http-backend, pip download from a simple index
 * over HTTPS and Python's urllib run inside the sandbox against local
 * servers (tests/linux/netproxy_server.py) with a CA made here by openssl.
 * The proxy's test resolver sends pypi.test, github.test and evil.test to
 * 127.0.0.1, rebind.test to another loopback address, meta.test to the
 * cloud metadata address and v6.test to ::1. Each scenario runs as root and as uid 65534 (a
 * forked child that drops its ids before using the API).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wsandbox/wsandbox.h"
#include "harness.h"
#include "linux/proxy.h"

#define NOBODY 65534

static char dir[64];          /* world-readable: certificates, server files, stress script */
static char ca[128];
static int https_port, http_port, http6_port; /* http6_port 0: no ::1 here */
static const char *extra_address; /* one more wsb_policy_allow_address() rule, or NULL */
static pid_t server = -1;
static char src_dir[4096];    /* tests/linux in the source tree */

static const char *test_resolve(const char *host)
{
	if (!strcmp(host, "pypi.test") || !strcmp(host, "github.test") || !strcmp(host, "evil.test"))
		return "127.0.0.1";
	if (!strcmp(host, "rebind.test"))
		return "127.0.0.2";
	if (!strcmp(host, "meta.test"))
		return "169.254.169.254";
	if (!strcmp(host, "v6.test"))
		return "::1";
	return NULL;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* ---- running a client in the sandbox ---- */

typedef struct run_result {
	long code;
	char out[8192], err[8192];
} run_result;

static void work_dir(char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/work-%u", dir, (unsigned int)getuid());
}

/* The callback's events, appended under a lock (it runs on proxy threads). */
static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
static char events[16384];

static void on_event(const char *json, void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&events_lock);
	if (strlen(events) + strlen(json) + 2 < sizeof(events)) {
		strcat(events, json);
		strcat(events, "\n");
	}
	pthread_mutex_unlock(&events_lock);
}

static char result_json[16384];

static int run(run_result *r, const char *const *argv)
{
	char work[128], home[160];
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *p = NULL;
	wsb_process *proc = NULL;
	char ports[64];
	const char *s;
	size_t len;
	int rc;

	work_dir(work, sizeof(work));
	snprintf(home, sizeof(home), "%s/home", work);
	snprintf(ports, sizeof(ports), ":%d,%d", https_port, http_port);
	memset(r, 0, sizeof(*r));
	r->code = -1;
	if (wsb_policy_create(&p, WSB_MODE_WORKSPACE_WRITE) != WSB_OK)
		return -1;
	{
		char pat[160];
		const char *hosts[] = { "pypi.test", "github.test", "rebind.test", "meta.test" };
		size_t i;

		rc = wsb_policy_set_network(p, WSB_NETWORK_ALLOWLIST);
		for (i = 0; i < 4 && rc == WSB_OK; i++) {
			snprintf(pat, sizeof(pat), "%s%s", hosts[i], ports);
			rc = wsb_policy_allow_host(p, pat);
		}
		snprintf(pat, sizeof(pat), "127.0.0.1%s", ports);
		if (rc == WSB_OK)
			rc = wsb_policy_allow_address(p, pat);
		snprintf(pat, sizeof(pat), "v6.test:%d", http6_port);
		if (rc == WSB_OK && http6_port)
			rc = wsb_policy_allow_host(p, pat);
		if (rc == WSB_OK && extra_address)
			rc = wsb_policy_allow_address(p, extra_address);
	}
	if (rc == WSB_OK)
		rc = wsb_policy_allow_write(p, work);
	/* A clean environment: the machine's own CA and pip settings stay out. */
	if (rc == WSB_OK)
		rc = wsb_policy_env_mode(p, WSB_ENV_CLEAR);
	if (rc == WSB_OK)
		rc = wsb_policy_env_set(p, "PATH", "/usr/bin:/bin");
	if (rc == WSB_OK)
		rc = wsb_policy_env_set(p, "SSL_CERT_FILE", ca);
	if (rc == WSB_OK)
		rc = wsb_policy_env_set(p, "GIT_SSL_CAINFO", ca);
	if (rc == WSB_OK)
		rc = wsb_policy_env_set(p, "PIP_CERT", ca);
	if (rc == WSB_OK)
		rc = wsb_policy_env_set(p, "CURL_CA_BUNDLE", ca);
	if (rc == WSB_OK)
		rc = wsb_policy_env_set(p, "HOME", home);
	if (rc == WSB_OK)
		rc = wsb_policy_env_set(p, "GIT_TERMINAL_PROMPT", "0");
	if (rc == WSB_OK)
		rc = wsb_policy_env_set(p, "PIP_DISABLE_PIP_VERSION_CHECK", "1");
	if (rc == WSB_OK)
		rc = wsb_policy_set_limit(p, WSB_LIMIT_TIMEOUT, 180000);
	if (rc == WSB_OK)
		rc = wsb_policy_set_network_callback(p, on_event, NULL);
	o.argv = argv;
	o.cwd = work;
	if (rc == WSB_OK)
		rc = wsb_run(&proc, p, NULL, &o, NULL, 0);
	if (rc != WSB_OK) {
		printf("wsb_run: %s\n", wsb_error_message(NULL));
		wsb_policy_free(p);
		return -1;
	}
	r->code = wsb_process_exit_kind(proc) == WSB_EXIT_NORMAL ? wsb_process_exit_code(proc) : -2;
	if ((s = wsb_process_output(&len, NULL, proc, WSB_STREAM_STDOUT)) != NULL)
		snprintf(r->out, sizeof(r->out), "%s", s);
	if ((s = wsb_process_output(&len, NULL, proc, WSB_STREAM_STDERR)) != NULL)
		snprintf(r->err, sizeof(r->err), "%s", s);
	{
		char *json = NULL;

		result_json[0] = '\0';
		if (wsb_process_to_json(&json, proc) == WSB_OK)
			snprintf(result_json, sizeof(result_json), "%s", json);
		wsb_free(json);
	}
	wsb_process_free(proc);
	wsb_policy_free(p);
	return 0;
}

/* Expect an exit code and a text in stdout or stderr; say what went wrong. */
static int expect(const char *const *argv, long code, const char *text)
{
	run_result r;

	if (run(&r, argv) < 0)
		return 1;
	if (r.code == code && (!text || strstr(r.out, text) || strstr(r.err, text)))
		return 0;
	printf("uid %u: %s ... %s: exit %ld (want %ld), want \"%s\"\nstdout: %s\nstderr: %s\n",
		(unsigned int)getuid(), argv[0], argv[1] ? argv[1] : "", r.code, code,
		text ? text : "", r.out, r.err);
	return 1;
}

static const char *url(char *buf, size_t cap, const char *scheme, const char *host,
	const char *path)
{
	snprintf(buf, cap, "%s://%s:%d%s", scheme, host, strcmp(scheme, "https") == 0 ?
		https_port : http_port, path);
	return buf;
}

/* ---- scenarios (each returns the number of failed checks) ---- */

static int sc_allowed_hosts_work(void)
{
	char u[256], c[512];
	int bad = 0;

	{
		const char *argv[] = { "curl", "-sS", "-f", url(u, sizeof(u), "https", "pypi.test", "/hello"), NULL };
		bad += expect(argv, 0, "hello from pypi.test");
	}
	{
		const char *argv[] = { "curl", "-sS", "-f", url(u, sizeof(u), "http", "pypi.test", "/hello"), NULL };
		bad += expect(argv, 0, "hello from pypi.test");
	}
	{
		snprintf(c, sizeof(c), "import urllib.request; print(urllib.request.urlopen('%s').read().decode())",
			url(u, sizeof(u), "https", "github.test", "/hello"));
		const char *argv[] = { "/usr/bin/python3", "-c", c, NULL };
		bad += expect(argv, 0, "hello from github.test");
	}
	{
		const char *argv[] = { "curl", "-sS", "-f", "--socks5-hostname", "127.0.0.1:3128",
			url(u, sizeof(u), "https", "pypi.test", "/hello"), NULL };
		bad += expect(argv, 0, "hello from pypi.test");
	}
	return bad;
}

static int sc_git_clone_and_pip_download(void)
{
	char u[256], work[128], clone[192], pipdir[192], cmd[512];
	int bad = 0;

	work_dir(work, sizeof(work));
	snprintf(clone, sizeof(clone), "%s/clone", work);
	snprintf(pipdir, sizeof(pipdir), "%s/pip", work);
	sh("rm -rf %s %s", clone, pipdir);
	{
		const char *argv[] = { "git", "clone", "-q", url(u, sizeof(u), "https", "github.test",
			"/git/repo.git"), clone, NULL };
		bad += expect(argv, 0, NULL);
	}
	snprintf(cmd, sizeof(cmd), "grep -q 'cloned through the proxy' %s/README", clone);
	bad += sh("%s", cmd) != 0;
	{
		const char *argv[] = { "/usr/bin/python3", "-m", "pip", "download", "--no-deps",
			"--retries", "0", "--timeout", "30", "--index-url",
			url(u, sizeof(u), "https", "pypi.test", "/simple/"), "-d", pipdir, "demo", NULL };
		bad += expect(argv, 0, NULL);
	}
	bad += sh("test -s %s/demo-1.0-py3-none-any.whl", pipdir) != 0;
	return bad;
}

static int sc_other_hosts_are_refused(void)
{
	char u[256], c[512];
	int bad = 0;

	{
		const char *argv[] = { "curl", "-sS", url(u, sizeof(u), "https", "evil.test", "/hello"), NULL };
		bad += expect(argv, 56, "CONNECT tunnel failed, response 403");
	}
	{
		const char *argv[] = { "curl", "-sS", "-f", url(u, sizeof(u), "http", "evil.test", "/hello"), NULL };
		bad += expect(argv, 22, "403");
	}
	{
		const char *argv[] = { "curl", "-sS", "https://169.254.169.254/latest/meta-data/", NULL };
		bad += expect(argv, 56, "CONNECT tunnel failed, response 403");
	}
	{
		const char *argv[] = { "curl", "-sS", url(u, sizeof(u), "https", "meta.test", "/hello"), NULL };
		bad += expect(argv, 56, "CONNECT tunnel failed, response 403");
	}
	{
		const char *argv[] = { "curl", "-sS", url(u, sizeof(u), "https", "rebind.test", "/hello"), NULL };
		bad += expect(argv, 56, "CONNECT tunnel failed, response 403");
	}
	{
		const char *argv[] = { "curl", "-sS", "https://127.0.0.1:1/", NULL };
		bad += expect(argv, 56, "CONNECT tunnel failed, response 403");
	}
	{
		const char *argv[] = { "curl", "-sS", "--socks5-hostname", "127.0.0.1:3128",
			url(u, sizeof(u), "https", "evil.test", "/hello"), NULL };
		bad += expect(argv, 97, NULL);
	}
	{
		const char *argv[] = { "git", "clone", "-q", url(u, sizeof(u), "https", "evil.test",
			"/git/repo.git"), "evil-clone", NULL };
		bad += expect(argv, 128, "CONNECT tunnel failed, response 403");
	}
	{
		snprintf(c, sizeof(c), "import urllib.request; urllib.request.urlopen('%s')",
			url(u, sizeof(u), "https", "evil.test", "/hello"));
		const char *argv[] = { "/usr/bin/python3", "-c", c, NULL };
		bad += expect(argv, 1, "Tunnel connection failed: 403");
	}
	{
		const char *argv[] = { "/usr/bin/python3", "-m", "pip", "download", "--no-deps",
			"--retries", "1", "--timeout", "30", "--index-url",
			url(u, sizeof(u), "https", "evil.test", "/simple/"), "-d", "pip-evil", "demo", NULL };
		/* pip says so in the warning before its one retry. */
		bad += expect(argv, 1, "Tunnel connection failed: 403");
	}
	return bad;
}

/* The TLS server name must be the tunnel's host: a CONNECT to an allowed
 * host carrying a hello for another is cut before the hello is forwarded. */
static int sc_sni_must_match(void)
{
	char u[256], to[128];
	const char *argv[] = { "curl", "-sS", "--connect-to", to,
		url(u, sizeof(u), "https", "evil.test", "/hello"), NULL };

	snprintf(to, sizeof(to), "evil.test:%d:pypi.test:%d", https_port, https_port);
	return expect(argv, 35, NULL);
}

static int sc_direct_connections_are_refused(void)
{
	char u[256];
	int bad = 0;

	{
		const char *argv[] = { "curl", "-sS", "--noproxy", "*", url(u, sizeof(u), "https",
			"pypi.test", "/hello"), NULL };
		bad += expect(argv, 6, "Could not resolve host");
	}
	{
		const char *argv[] = { "curl", "-sS", "--noproxy", "*", url(u, sizeof(u), "http",
			"127.0.0.1", "/hello"), NULL };
		bad += expect(argv, 7, NULL);
	}
	return bad;
}

static int sc_concurrency_and_stalled_clients(void)
{
	char script[128], hp[16], sp[16];
	const char *argv[] = { "/usr/bin/python3", script, "pypi.test", sp, hp, NULL };

	snprintf(script, sizeof(script), "%s/netproxy_stress.py", dir);
	snprintf(sp, sizeof(sp), "%d", https_port);
	snprintf(hp, sizeof(hp), "%d", http_port);
	return expect(argv, 0, "ok 100");
}

/* Each attempt is in the result JSON and reaches the callback: the allowed
 * one with its rule, address and bytes, the denied one with its reason. */
static int sc_attempts_are_audited(void)
{
	char u[256], want[256];
	int bad = 0;

	events[0] = '\0';
	{
		const char *argv[] = { "curl", "-sS", "-f", url(u, sizeof(u), "https", "pypi.test", "/hello"), NULL };
		bad += expect(argv, 0, "hello from pypi.test");
	}
	snprintf(want, sizeof(want), "{\"protocol\":\"connect\",\"host\":\"pypi.test\",\"port\":%d,"
		"\"address\":\"127.0.0.1\",\"allowed\":true,\"rule\":\"pypi.test:%d,%d\","
		"\"address_rule\":\"127.0.0.1/32:%d,%d\",\"reason\":\"allowed by rule\"",
		https_port, https_port, http_port, https_port, http_port);
	bad += !strstr(result_json, want) || !strstr(events, want);
	bad += strstr(result_json, "\"bytes_down\":0,") != NULL;
	{
		const char *argv[] = { "curl", "-sS", "https://169.254.169.254/latest/meta-data/", NULL };
		bad += expect(argv, 56, "403");
	}
	bad += !strstr(result_json, "\"host\":\"169.254.169.254\",\"port\":443,\"address\":\"\","
		"\"allowed\":false,\"rule\":\"\",\"address_rule\":\"\","
		"\"reason\":\"an address literal no rule allows by address\"");
	bad += !strstr(events, "\"host\":\"169.254.169.254\"");
	{
		const char *argv[] = { "curl", "-sS", url(u, sizeof(u), "https", "meta.test", "/hello"), NULL };
		bad += expect(argv, 56, "403");
	}
	/* The name's rule allowed it; the address it resolves to did not pass. */
	snprintf(want, sizeof(want), "\"host\":\"meta.test\",\"port\":%d,\"address\":\"169.254.169.254\","
		"\"allowed\":false,\"rule\":\"meta.test:%d,%d\",\"address_rule\":\"\","
		"\"reason\":\"link-local (169.254.0.0/16, cloud metadata)\"", https_port, https_port, http_port);
	bad += !strstr(result_json, want);
	if (bad)
		printf("result: %s\nevents: %s\n", result_json, events);
	return bad;
}

/* Entries in a /proc/self directory: threads, or (fds) the descriptors
 * that are sockets or pipes, what the proxy holds. Other descriptors are
 * not counted: a tree still exiting at wsb_process_free leaves its pidfd
 * to be reaped later, by design (process.c). */
static int count_entries(const char *path, int fds)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char link[64], name[300];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		if (!fds) {
			n++;
			continue;
		}
		snprintf(name, sizeof(name), "%s/%s", path, e->d_name);
		len = readlink(name, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = '\0';
			n += strncmp(link, "socket:", 7) == 0 || strncmp(link, "pipe:", 5) == 0;
		}
	}
	closedir(d);
	return n;
}

/* The number after "key": in the result JSON, or -1. */
static long long json_number(const char *key)
{
	char k[64];
	const char *at;
	long long v;

	snprintf(k, sizeof(k), "\"%s\":", key);
	at = strstr(result_json, k);
	return at && sscanf(at + strlen(k), "%lld", &v) == 1 ? v : -1;
}

/* Megabytes each way through the tunnels (spliced, not copied): every
 * byte arrives, the audit counts them (the body plus at most a head, or
 * TLS's framing), and nothing of the proxy is left after wsb_process_free. */
static int sc_bulk_transfers_are_audited(void)
{
	const long long n = 32LL << 20, up = 16LL << 20;
	char u[256], blob[128], data[160], want[32];
	int bad = 0, threads = count_entries("/proc/self/task", 0), fds = count_entries("/proc/self/fd", 1);
	long long down;

	snprintf(want, sizeof(want), "%lld", n);
	snprintf(blob, sizeof(blob), "%s/blob", dir);
	snprintf(data, sizeof(data), "@%s", blob);
	{
		char path[64];

		snprintf(path, sizeof(path), "/bytes/%lld", n);
		const char *argv[] = { "curl", "-sS", "-f", "-o", "/dev/null", "-w", "%{size_download}",
			url(u, sizeof(u), "http", "pypi.test", path), NULL };
		bad += expect(argv, 0, want);
		down = json_number("bytes_down");
		bad += down < n || down > n + 4096;
		const char *argv2[] = { "curl", "-sS", "-f", "-o", "/dev/null", "-w", "%{size_download}",
			url(u, sizeof(u), "https", "pypi.test", path), NULL };
		bad += expect(argv2, 0, want);
		down = json_number("bytes_down");
		bad += down < n || down > n + n / 16;
	}
	{
		char got[32];

		snprintf(got, sizeof(got), "received %lld", up);
		const char *argv[] = { "curl", "-sS", "-f", "-H", "Expect:", "-H",
			"Content-Type: application/octet-stream", "--data-binary", data,
			url(u, sizeof(u), "http", "pypi.test", "/sink"), NULL };
		bad += expect(argv, 0, got);
		down = json_number("bytes_up");
		bad += down < up || down > up + 4096;
	}
	if (count_entries("/proc/self/task", 0) != threads || count_entries("/proc/self/fd", 1) != fds) {
		printf("left after wsb_process_free: threads %d -> %d, sockets and pipes %d -> %d\n", threads,
			count_entries("/proc/self/task", 0), fds, count_entries("/proc/self/fd", 1));
		bad++;
	}
	if (bad)
		printf("result: %s\n", result_json);
	return bad;
}

/* An allowed name resolving to ::1 is refused as loopback unless an
 * address rule allows [::1]; then the proxy connects over IPv6. */
static int sc_ipv6_upstream(void)
{
	char u[256], want[128], rule[64];
	int bad = 0;

	if (http6_port == 0) {
		printf("ipv6_upstream: skipped, this machine has no ::1\n");
		return 0;
	}
	snprintf(u, sizeof(u), "http://v6.test:%d/hello", http6_port);
	{
		const char *argv[] = { "curl", "-sS", "-f", u, NULL };
		bad += expect(argv, 22, "403");
	}
	bad += !strstr(result_json, "\"address\":\"::1\",\"allowed\":false") ||
		!strstr(result_json, "\"reason\":\"loopback\"");
	{
		char lit[96];
		const char *argv[] = { "curl", "-sS", "-f", lit, NULL };

		snprintf(lit, sizeof(lit), "http://[::1]:%d/hello", http6_port);
		bad += expect(argv, 22, "403");
		bad += !strstr(result_json, "an address literal no rule allows by address");
		snprintf(rule, sizeof(rule), "[::1]:%d", http6_port);
		extra_address = rule;
		bad += expect(argv, 0, "hello from [::1]");
	}
	{
		const char *argv[] = { "curl", "-sS", "-f", u, NULL };

		snprintf(want, sizeof(want), "hello from v6.test:%d", http6_port);
		bad += expect(argv, 0, want);
	}
	extra_address = NULL;
	bad += !strstr(result_json, "\"address\":\"::1\",\"allowed\":true");
	if (bad)
		printf("result: %s\n", result_json);
	return bad;
}

/* ---- as root and as uid 65534 ---- */

static void both(int (*fn)(void))
{
	pid_t pid;
	int status;

	assert_int_equal(fn(), 0);
	if (getuid() != 0)
		return;
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		status = fn();
		fflush(stdout);
		_exit(status == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

#define SCENARIO(name) static void name(void **state) { (void)state; both(sc_##name); }
SCENARIO(allowed_hosts_work)
SCENARIO(git_clone_and_pip_download)
SCENARIO(other_hosts_are_refused)
SCENARIO(sni_must_match)
SCENARIO(direct_connections_are_refused)
SCENARIO(concurrency_and_stalled_clients)
SCENARIO(attempts_are_audited)
SCENARIO(bulk_transfers_are_audited)
SCENARIO(ipv6_upstream)

/* ---- the local world ---- */

static int setup(void **state)
{
	char ports[160];
	FILE *f;
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/wsb-netproxy-XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	assert_int_equal(sh("cd %s && "
		"openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=wsb-test-ca "
		"-keyout ca.key -out ca.pem 2>/dev/null && "
		"openssl req -newkey rsa:2048 -nodes -subj /CN=pypi.test -keyout key.pem -out cert.csr 2>/dev/null && "
		"printf 'subjectAltName=DNS:pypi.test,DNS:github.test,DNS:evil.test,DNS:rebind.test,DNS:meta.test\\n' >san.ext && "
		"openssl x509 -req -in cert.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
		"-extfile san.ext -out cert.pem 2>/dev/null && chmod 644 ca.pem", dir), 0);
	/* A git repository with one commit, and a wheel for the index. */
	assert_int_equal(sh("cd %s && mkdir -p git src && git init -q --bare git/repo.git && "
		"git -C src init -q && echo 'cloned through the proxy' >src/README && "
		"git -C src add README && git -C src -c user.name=t -c user.email=t@t commit -q -m one && "
		"git -C src push -q %s/git/repo.git HEAD:master && "
		"git -C git/repo.git symbolic-ref HEAD refs/heads/master && "
		"/usr/bin/python3 -c \"import zipfile; z = zipfile.ZipFile('demo-1.0-py3-none-any.whl', 'w'); "
		"z.writestr('demo/__init__.py', ''); "
		"z.writestr('demo-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: demo\\nVersion: 1.0\\n'); "
		"z.writestr('demo-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n'); "
		"z.writestr('demo-1.0.dist-info/RECORD', ''); z.close()\" && "
		"cp %s/netproxy_stress.py . && chmod 644 netproxy_stress.py && "
		"head -c 16777216 /dev/urandom >blob && chmod 644 blob && "
		"for u in 0 %d; do mkdir -p work-$u/home && chown -R $u work-$u; done",
		dir, dir, src_dir, NOBODY), 0);
	server = fork();
	assert_true(server >= 0);
	if (server == 0) {
		char script[4200];

		snprintf(script, sizeof(script), "%s/netproxy_server.py", src_dir);
		execl("/usr/bin/python3", "python3", script, dir, (char *)NULL);
		_exit(127);
	}
	snprintf(ports, sizeof(ports), "%s/ports", dir);
	for (i = 0; i < 600 && (f = fopen(ports, "r")) == NULL; i++) {
		struct timespec ts = { 0, 50000000L };
		nanosleep(&ts, NULL);
	}
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d %d %d", &https_port, &http_port, &http6_port), 3);
	fclose(f);
	wsb__px_set_resolver(test_resolve);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	wsb__px_set_resolver(NULL);
	if (dir[0])
		sh("rm -rf %s", dir);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allowed_hosts_work),
		cmocka_unit_test(git_clone_and_pip_download),
		cmocka_unit_test(other_hosts_are_refused),
		cmocka_unit_test(sni_must_match),
		cmocka_unit_test(direct_connections_are_refused),
		cmocka_unit_test(concurrency_and_stalled_clients),
		cmocka_unit_test(attempts_are_audited),
		cmocka_unit_test(bulk_transfers_are_audited),
		cmocka_unit_test(ipv6_upstream),
	};

	char initd_dir[] = "/var/tmp/wsb-netproxy-XXXXXX";
	int failed;

	(void)argc;
	(void)argv;
	snprintf(src_dir, sizeof(src_dir), "%s", WSB_TEST_LINUX_DIR);
	/* The commands' inits from the init server, as a large caller's are
	 * (an allow-list's namespace is made by each init). */
	if (!mkdtemp(initd_dir) || chmod(initd_dir, 0755) < 0 || use_initd_in(initd_dir) < 0) {
		perror("copying the init server to /var/tmp");
		return 1;
	}
	failed = cmocka_run_group_tests(tests, setup, teardown);
	unlink(path_of(initd_dir, "wsb-initd"));
	rmdir(initd_dir);
	return failed;
}
