/*
 * The self-test's Linux side (lib/core/selftest.h): the host's scratch
 * directory, listeners and inherited descriptor, and the probe that runs
 * inside the sandbox. The probe only tries; the host judges.
 */
#include "../core/selftest.h"
#include "../core/path.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- host side ------------------------------------------------------------ */

static int usable_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0;
}

/* /tmp and /dev/shm are private in the sandbox: a canary's file there would
 * be seen by nobody. /var/tmp first, then the home directory. */
int wsb__st_make_dir(char **out, const char *parent)
{
	const char *home = getenv("HOME");
	char *tmpl = NULL, *real;
	int e;

	*out = NULL;
	if (parent == NULL)
		parent = usable_dir("/var/tmp") ? "/var/tmp"
			: home && home[0] == '/' && usable_dir(home) ? home : NULL;
	if (parent == NULL)
		return wsb__error(WSB_ENOENT, "no directory for the canaries' files: /var/tmp and "
			"$HOME are not writable (give a work directory)");
	if (wsb__path_join(&tmpl, parent, "wsb-self-test-XXXXXX", WSB__PATH_HOST) < 0)
		return WSB_ENOMEM;
	if (mkdtemp(tmpl) == NULL) {
		e = errno;
		wsb__free(tmpl);
		return wsb__error_os(e == ENOENT ? WSB_ENOENT : WSB_EOS, e,
			"cannot make the self-test's directory under %s: %s", parent, strerror(e));
	}
	/* The canaries' paths are checked against the policy as written: a
	 * symbolic link on the way (a linked $HOME) must not make a path look
	 * outside a root it is really under. */
	real = realpath(tmpl, NULL);
	if (real == NULL) {
		e = errno;
		rmdir(tmpl);
		wsb__free(tmpl);
		return wsb__error_os(WSB_EOS, e, "cannot resolve the self-test's directory: %s",
			strerror(e));
	}
	wsb__free(tmpl);
	*out = wsb__strdup(real);
	free(real);
	if (*out == NULL)
		return wsb__error_nomem();
	return WSB_OK;
}

static void remove_at(int at, const char *name, int depth)
{
	int fd;
	DIR *d;
	struct dirent *de;

	if (unlinkat(at, name, 0) == 0 || errno == ENOENT || depth > 8)
		return;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			remove_at(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	unlinkat(at, name, AT_REMOVEDIR);
}

void wsb__st_remove_tree(const char *path)
{
	remove_at(AT_FDCWD, path, 0);
}

int wsb__st_make_subdir(const char *path)
{
	if (mkdir(path, 0700) < 0) {
		int e = errno;
		return wsb__error_os(WSB_EOS, e, "cannot make %s: %s", path, strerror(e));
	}
	return WSB_OK;
}

int wsb__st_write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), e;
	size_t len = strlen(data);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return wsb__error_os(WSB_EOS, e, "cannot write %s: %s", path, strerror(e));
	}
	close(fd);
	return WSB_OK;
}

int wsb__st_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

long long wsb__st_file_size(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? (long long)st.st_size : -1;
}

void wsb__st_sleep_ms(unsigned long ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct wsb__st_listener {
	int fd;
	int stream; /* accept a connection (else: wait for a datagram) */
	char *unlink_path;
};

int wsb__st_listen(wsb__st_listener **out, char **out_address, const char *kind,
	const char *dir, const char *token)
{
	wsb__st_listener *l;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	wsb__buf addr = WSB__BUF_INIT;
	int e, fd = -1, type = SOCK_STREAM, family = AF_INET;

	(void)token;
	*out = NULL;
	*out_address = NULL;
	if (strcmp(kind, "udp") == 0)
		type = SOCK_DGRAM;
	else if (strcmp(kind, "unix") == 0 || strcmp(kind, "unix-abstract") == 0)
		family = AF_UNIX;
	else if (strcmp(kind, "tcp") != 0)
		return wsb__error(WSB_ENOTSUP, "no '%s' listener on Linux", kind);
	l = wsb__calloc(1, sizeof(*l));
	if (l == NULL)
		return wsb__error_nomem();
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in);
	} else {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		un->sun_family = AF_UNIX;
		if (strcmp(kind, "unix-abstract") == 0) {
			/* A unique name: the leading NUL makes it abstract. */
			snprintf(un->sun_path + 1, sizeof(un->sun_path) - 1, "wsb-self-test-%ld-%lu",
				(long)getpid(), (unsigned long)wsb__now_ms());
			wsb__buf_puts(&addr, un->sun_path + 1);
			len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(un->sun_path + 1));
		} else {
			if (wsb__path_join(&l->unlink_path, dir, "sock", WSB__PATH_HOST) < 0) {
				wsb__free(l);
				return WSB_ENOMEM;
			}
			if (strlen(l->unlink_path) >= sizeof(un->sun_path)) {
				wsb__free(l->unlink_path);
				wsb__free(l);
				return wsb__error(WSB_ETOOLONG, "the socket path is too long for AF_UNIX");
			}
			strcpy(un->sun_path, l->unlink_path);
			wsb__buf_puts(&addr, l->unlink_path);
			len = sizeof(*un);
		}
	}
	fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0
		|| (type == SOCK_STREAM && listen(fd, 16) < 0))
		goto fail;
	if (family == AF_INET) {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			goto fail;
		wsb__buf_printf(&addr, "%u", (unsigned)ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	if (addr.oom) {
		wsb__buf_dispose(&addr);
		close(fd);
		wsb__free(l->unlink_path);
		wsb__free(l);
		return wsb__error_nomem();
	}
	l->fd = fd;
	l->stream = type == SOCK_STREAM;
	*out = l;
	*out_address = wsb__buf_detach(&addr);
	return WSB_OK;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	wsb__buf_dispose(&addr);
	wsb__free(l->unlink_path);
	wsb__free(l);
	return wsb__error_os(WSB_EOS, e, "cannot open the %s listener: %s", kind, strerror(e));
}

int wsb__st_listener_reached(wsb__st_listener *l, unsigned long wait_ms)
{
	struct pollfd p;
	char buf[256];
	int c;

	p.fd = l->fd;
	p.events = POLLIN;
	p.revents = 0;
	if (poll(&p, 1, (int)wait_ms) <= 0)
		return 0;
	if (!l->stream)
		return recv(l->fd, buf, sizeof(buf), 0) >= 0;
	c = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return 0;
	close(c);
	return 1;
}

void wsb__st_listener_close(wsb__st_listener *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	if (l->unlink_path)
		unlink(l->unlink_path);
	wsb__free(l->unlink_path);
	wsb__free(l);
}

int wsb__st_inheritable_open(long *out_handle, char **out_number, const char *path)
{
	char num[16];
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600), e;

	*out_handle = -1;
	*out_number = NULL;
	if (fd < 0) {
		e = errno;
		return wsb__error_os(WSB_EOS, e, "cannot open %s: %s", path, strerror(e));
	}
	sprintf(num, "%d", fd);
	*out_number = wsb__strdup(num);
	if (*out_number == NULL) {
		close(fd);
		return wsb__error_nomem();
	}
	*out_handle = fd;
	return WSB_OK;
}

void wsb__st_inheritable_close(long handle)
{
	if (handle >= 0)
		close((int)handle);
}

/* ---- the probe (inside the sandbox) ---------------------------------------- */

static int said(const char *op, const char *arg, int ok, int e)
{
	if (ok)
		printf("probe: %s %s: ok\n", op, arg);
	else
		printf("probe: %s %s: error %d (%s)\n", op, arg, e, strerror(e));
	fflush(stdout);
	return ok ? 0 : 1;
}

static int probe_write(const char *path, const char *token)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600), ok, e;

	if (fd < 0)
		return said("write", path, 0, errno);
	ok = write(fd, token, strlen(token)) == (ssize_t)strlen(token);
	e = errno;
	close(fd);
	return said("write", path, ok, e);
}

static int probe_read(const char *path)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		return said("read", path, 0, errno);
	n = read(fd, buf, sizeof(buf) - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return said("read", path, 0, e);
	buf[n] = '\0';
	printf("probe: read %s: ok: %s\n", path, buf);
	fflush(stdout);
	return 0;
}

static int probe_socket(const char *kind, const char *address, const char *token)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, type = strcmp(kind, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM, ok, e;

	memset(&ss, 0, sizeof(ss));
	if (strcmp(kind, "tcp") == 0 || strcmp(kind, "udp") == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		in->sin_port = htons((unsigned short)atoi(address));
		len = sizeof(*in);
	} else {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		int abstract = strcmp(kind, "unix-abstract") == 0;
		un->sun_family = AF_UNIX;
		if (strlen(address) + 2 > sizeof(un->sun_path))
			return said(kind, address, 0, ENAMETOOLONG);
		strcpy(un->sun_path + abstract, address);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + abstract + strlen(address)
			+ !abstract);
	}
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return said(kind, address, 0, errno);
	if (type == SOCK_DGRAM)
		ok = sendto(fd, token, strlen(token), 0, (struct sockaddr *)&ss, len) >= 0;
	else
		ok = connect(fd, (struct sockaddr *)&ss, len) == 0;
	e = errno;
	/* Connected is escaped: the token is a courtesy the listener may
	 * close on before it arrives. */
	if (ok && type == SOCK_STREAM)
		(void)send(fd, token, strlen(token), MSG_NOSIGNAL);
	close(fd);
	return said(kind, address, ok, e);
}

/* How long a probe's process waits to be killed before it ends by itself:
 * well past the self-test's timeouts, far short of forever. */
#define PROBE_LINGER_S 30

/* Start n children that wait to be killed; report how many started. */
static int probe_fork(const char *count)
{
	int n = atoi(count), started = 0, e = 0, i;
	pid_t kids[64];

	if (n < 1 || n > 64)
		n = 16;
	for (i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			/* bounded: where the tree is not held, no one else ends it */
			sleep(PROBE_LINGER_S);
			_exit(0);
		}
		if (pid < 0) {
			e = errno;
			break;
		}
		kids[started++] = pid;
	}
	printf("probe: fork %d: started=%d%s%s\n", n, started, e ? " error " : "",
		e ? strerror(e) : "");
	fflush(stdout);
	for (i = 0; i < started; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < started; i++)
		waitpid(kids[i], NULL, 0);
	return started == n ? 0 : 1;
}

/* A detached grandchild (own session, no link to our pipes) appends to the
 * heartbeat file every 50 ms for 10 s; we wait to be killed. */
static int probe_outlive(const char *path)
{
	pid_t pid = fork();
	int i, fd;

	if (pid < 0)
		return said("outlive", path, 0, errno);
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		for (i = 0; i < 200; i++) {
			fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
			if (fd < 0 || write(fd, ".", 1) != 1)
				_exit(0); /* the host removed its directory: stop */
			close(fd);
			usleep(50000);
		}
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("probe: outlive %s: detached a process; waiting to be killed\n", path);
	fflush(stdout);
	/* Killed with the tree long before this, where the tree is held;
	 * where it is not, nothing may be left running on the host for long. */
	for (i = 0; i < PROBE_LINGER_S; i++)
		sleep(1);
	return 0;
}

int wsb__backend_probe(int argc, const char *const *argv)
{
	const char *op = argc > 0 ? argv[0] : "";

	if (strcmp(op, "write") == 0 && argc == 3)
		return probe_write(argv[1], argv[2]);
	if (strcmp(op, "fd") == 0 && argc == 3) {
		int ok = write(atoi(argv[1]), argv[2], strlen(argv[2])) >= 0;
		return said("fd", argv[1], ok, errno);
	}
	if (strcmp(op, "rename") == 0 && argc == 3) {
		int ok = rename(argv[1], argv[2]) == 0;
		return said("rename", argv[1], ok, errno);
	}
	if (strcmp(op, "unlink") == 0 && argc == 2) {
		int ok = unlink(argv[1]) == 0;
		return said("unlink", argv[1], ok, errno);
	}
	if (strcmp(op, "read") == 0 && argc == 2)
		return probe_read(argv[1]);
	if ((strcmp(op, "tcp") == 0 || strcmp(op, "udp") == 0 || strcmp(op, "unix") == 0
		|| strcmp(op, "unix-abstract") == 0) && argc == 3)
		return probe_socket(op, argv[1], argv[2]);
	if (strcmp(op, "fork") == 0 && argc == 2)
		return probe_fork(argv[1]);
	if (strcmp(op, "outlive") == 0 && argc == 2)
		return probe_outlive(argv[1]);
	printf("probe: unknown operation or wrong arguments: %s\n", op);
	fflush(stdout);
	return 2;
}
