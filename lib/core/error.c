/*
 * The per-thread last error. wsb_error_last() is never NULL: a static object
 * stands for "no error" and another for "out of memory", so reporting an
 * allocation failure never allocates.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

#if defined(_MSC_VER)
#  define WSB__THREAD_LOCAL __declspec(thread)
#else
#  define WSB__THREAD_LOCAL __thread
#endif

#define WSB__ERROR_MSG_MAX 1024

struct wsb_error {
	const char *message;
	int code;
	long os_error;
};

static const struct wsb_error no_error = { "no error", WSB_OK, 0 };
static const struct wsb_error oom_error = { "out of memory", WSB_ENOMEM, 0 };

/* The message lives in a fixed per-thread buffer: recording an error never
 * allocates and never fails. */
static WSB__THREAD_LOCAL char last_message[WSB__ERROR_MSG_MAX];
static WSB__THREAD_LOCAL struct wsb_error last_error;
static WSB__THREAD_LOCAL const struct wsb_error *last;

static const struct wsb_error *resolve(const wsb_error *err)
{
	if (err)
		return err;
	return last ? last : &no_error;
}

const wsb_error *wsb_error_last(void)
{
	return resolve(NULL);
}

const char *wsb_error_message(const wsb_error *err)
{
	return resolve(err)->message;
}

int wsb_error_code(const wsb_error *err)
{
	return resolve(err)->code;
}

long wsb_error_os(const wsb_error *err)
{
	return resolve(err)->os_error;
}

void wsb_error_clear(void)
{
	last = NULL;
}

/* A message cut at the buffer's end may end inside a UTF-8 sequence: drop
 * that partial character, so the message stays UTF-8 as documented. */
static void trim_partial_utf8(char *s, size_t len)
{
	size_t lead = len, need;
	unsigned char c;

	while (lead > 0 && len - lead < 4 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	c = (unsigned char)s[lead - 1];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (len - (lead - 1) < need)
		s[lead - 1] = '\0';
}

int wsb__error_v(int code, long os_error, const char *fmt, va_list ap)
{
	int n = vsnprintf(last_message, sizeof(last_message), fmt, ap);

	if (n <= 0)
		snprintf(last_message, sizeof(last_message), "%s", wsb_strerror(code));
	else if ((size_t)n >= sizeof(last_message))
		trim_partial_utf8(last_message, sizeof(last_message) - 1);
	last_error.message = last_message;
	last_error.code = code;
	last_error.os_error = os_error;
	last = &last_error;
	return code;
}

int wsb__error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wsb__error_v(code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int wsb__error_os(int code, long os_error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wsb__error_v(code, os_error, fmt, ap);
	va_end(ap);
	return code;
}

int wsb__error_nomem(void)
{
	last = &oom_error;
	return WSB_ENOMEM;
}

const char *wsb_strerror(int code)
{
	switch (code) {
	case WSB_OK: return "success";
	case WSB_ERROR: return "unclassified error";
	case WSB_ENOMEM: return "out of memory";
	case WSB_EINVAL: return "invalid argument";
	case WSB_EUTF8: return "string is not valid UTF-8";
	case WSB_EPATH: return "malformed or disallowed path";
	case WSB_ETOOLONG: return "path or string too long";
	case WSB_ERANGE: return "number or count out of range";
	case WSB_ENOTSUP: return "not supported on this platform or in this build";
	case WSB_ENOENT: return "no such path, program or record";
	case WSB_EEXIST: return "already present";
	case WSB_EACCES: return "the operating system denied the action";
	case WSB_EOS: return "operating-system call failed";
	case WSB_ESTATE: return "not valid in the current state";
	case WSB_ERUNNING: return "process still running";
	case WSB_EUNAVAIL: return "a required protection is unavailable";
	case WSB_ECONFLICT: return "policy entries conflict";
	case WSB_EVERSION: return "unsupported options struct version";
	case WSB_ENOEXEC: return "program cannot be executed";
	case WSB_EJOURNAL: return "state directory or journal damaged or locked";
	case WSB_ENOTELEVATED: return "administrator rights needed";
	case WSB_EGROUPPOLICY: return "group policy overrides local firewall rules";
	case WSB_ELOGON: return "sandbox user cannot log on";
	case WSB_ELOCKED: return "sandbox user account locked or disabled";
	case WSB_ENOTSETUP: return "elevated sandbox not installed or not intact";
	case WSB_EWORLDWRITABLE: return "world-writable directory found";
	}
	return "unknown error code";
}
