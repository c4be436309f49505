/*
 * What the library (asuser.c) and wsb-runner.exe (runner/wsb-runner.c)
 * agree on besides the messages of lib/core/runmsg.h
 * (docs/windows-runner.md).
 *
 * The runner's command line: "<runner>" --wsb-runner-v1 <parent pid> <pipe base>
 * The pipes: <pipe base> + one of the suffixes below, created by the
 * library (server), opened by the runner (client).
 */
#ifndef WSB_WIN32_RUNNER_H
#define WSB_WIN32_RUNNER_H

#define WSB__RUNNER_EXE L"wsb-runner.exe"
#define WSB__RUNNER_ARG L"--wsb-runner-v1"
/* "\\.\pipe\wsandbox-<pid>-<32 hex digits>" */
#define WSB__RUNNER_PIPE_PREFIX L"\\\\.\\pipe\\wsandbox-"
#define WSB__RUNNER_PIPE_BASE_MAX 80
/* The private desktop, when asked for, is made by the library before the
 * runner starts (a job's UI restrictions forbid the runner to create one)
 * and named after the pipes: "WinSta0\" + the base without "\\.\pipe\". */
#define WSB__RUNNER_PIPE_NS_LEN 9

enum { WSB__PIPE_CTL, WSB__PIPE_IN, WSB__PIPE_OUT, WSB__PIPE_ERR, WSB__PIPE_COUNT };
#define WSB__RUNNER_PIPE_SUFFIXES { L"-ctl", L"-in", L"-out", L"-err" }

/* Exit codes of a runner that ends before it could answer (it answers
 * every later failure over the control pipe). High values no command
 * returns by accident. */
#define WSB__RUNNER_EXIT_USAGE 0x57534201u   /* bad command line */
#define WSB__RUNNER_EXIT_PIPE 0x57534202u    /* the control pipe did not open */
#define WSB__RUNNER_EXIT_PEER 0x57534203u    /* the pipe's server is not the parent */
#define WSB__RUNNER_EXIT_PROTO 0x57534204u   /* no request, or no way to answer */
#define WSB__RUNNER_EXIT_FAILED 0x57534205u  /* answered with an error */

/* How long the library waits for the runner to connect and answer (a
 * first logon creates the user's profile, which takes seconds). */
#define WSB__RUNNER_HANDSHAKE_MS 60000u
/* How long wsb_process_resize() waits for the runner to answer a size. */
#define WSB__RUNNER_RESIZE_MS 5000u

/* The runner itself (runner/serve.c), from its wide command line; returns
 * its exit code: the command's, or one of the codes above. Linked into
 * wsb-runner.exe and into the tests that run it in their own process. */
UINT wsb__runner_run(int argc, wchar_t **argv);

#endif
