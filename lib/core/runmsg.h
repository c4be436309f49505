/*
 * The runner protocol (lib/core/runmsg.c): the two messages the library and
 * wsb-runner.exe exchange over the control pipe when a command runs as a
 * sandbox user (docs/windows-runner.md). OS-neutral data, so the host tests
 * and the fuzzer check it: strings travel as UTF-16LE (uint16_t units), SIDs
 * as ASCII "S-1-..." text.
 *
 * Wire form of both messages: a 12-byte header, then fields.
 *   header: u32 magic, u32 version, u32 length of the whole message
 *           (header included); little-endian.
 *   field:  u32 tag, u32 byte length, bytes (no padding).
 * Decoding is strict: a field that is unknown, repeated (except SID),
 * truncated or malformed, a length past the message, a missing mandatory
 * field, a string with an embedded NUL or without its terminating NUL,
 * a message over WSB__RUNMSG_MAX: WSB_EINVAL with the reason. The runner
 * trusts nothing it reads.
 */
#ifndef WSB_CORE_RUNMSG_H
#define WSB_CORE_RUNMSG_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define WSB__RUNMSG_MAGIC 0x52425357u  /* "WSBR" read as little-endian */
#define WSB__RUNMSG_VERSION 1u
#define WSB__RUNMSG_HEADER 12u
/* Largest message either side accepts: the command line (32,767 units),
 * the environment block (at most 32,767 units per entry, and Windows caps
 * the block near that), the directory, and 64 SIDs fit well inside. */
#define WSB__RUNMSG_MAX (4u * 1024u * 1024u)
#define WSB__RUNMSG_SIDS_MAX 64u

/* Request flags. */
#define WSB__RUNREQ_WRITE_RESTRICTED 0x1u /* WRITE_RESTRICTED token with sids */
#define WSB__RUNREQ_STDIN_PIPE 0x2u       /* connect the stdin pipe; else NUL */
#define WSB__RUNREQ_STDOUT_PIPE 0x4u      /* connect the stdout pipe; else NUL */
#define WSB__RUNREQ_STDERR_PIPE 0x8u      /* connect the stderr pipe; else NUL */
#define WSB__RUNREQ_NO_WINDOW 0x10u       /* CREATE_NO_WINDOW */
#define WSB__RUNREQ_DESKTOP 0x20u         /* a private desktop for the command */
#define WSB__RUNREQ_TERMINAL 0x40u        /* a pseudoconsole on the stdin and stdout
                                           * pipes (both set, stderr not), of the
                                           * size in term_cols/term_rows */
#define WSB__RUNREQ_FLAGS_ALL 0x7fu
/* Largest terminal width or height on the wire (a COORD holds a SHORT). */
#define WSB__RUNMSG_TERM_MAX 32767u

/* What the library asks the runner to start. Strings are NUL-terminated
 * UTF-16 (the terminator is sent). */
typedef struct wsb__runreq {
	uint16_t *app;       /* absolute program path; mandatory */
	uint16_t *cmdline;   /* whole command line, quoted; mandatory */
	uint16_t *cwd;       /* absolute directory; mandatory */
	uint16_t *env;       /* environment block: entries NUL-terminated, */
	size_t env_len;      /*   one more NUL at the end; env_len counts units
	                      *   with both final NULs (>= 2); mandatory */
	char **sids;         /* restricting SIDs, "S-1-..." (0..WSB__RUNMSG_SIDS_MAX) */
	size_t sid_count;
	uint32_t flags;      /* WSB__RUNREQ_*; unknown bits refused */
	uint32_t term_cols;  /* with WSB__RUNREQ_TERMINAL: 1..WSB__RUNMSG_TERM_MAX, */
	uint32_t term_rows;  /*   sent as one field; without it: 0, not sent */
} wsb__runreq;

/* What the runner answers once: started (status WSB_OK, pid of the
 * command) or why not. */
typedef struct wsb__runrep {
	int32_t status;      /* WSB_OK or a negative WSB_E* code */
	uint32_t os_error;   /* the Win32 error behind status, or 0 */
	uint32_t pid;        /* the command's process id when started, else 0 */
	char *message;       /* UTF-8, NUL-terminated; may be empty, never NULL after decode */
} wsb__runrep;

/* While a command with a terminal runs, the library may send the runner a
 * new size; the runner answers each with a wsb__runrep (the command's pid
 * when resized, else the error). Both 1..WSB__RUNMSG_TERM_MAX. */
typedef struct wsb__runsize {
	uint32_t cols;
	uint32_t rows;
} wsb__runsize;

/* Encode into one allocation (freed with wsb__free). WSB_EINVAL for a
 * request that would not decode (missing field, bad SID text, too many
 * SIDs, unknown flag, env block not ending in two NULs), WSB_ETOOLONG
 * past WSB__RUNMSG_MAX, WSB_ENOMEM. */
int wsb__runreq_encode(unsigned char **out, size_t *out_len, const wsb__runreq *req);
int wsb__runrep_encode(unsigned char **out, size_t *out_len, const wsb__runrep *rep);
int wsb__runsize_encode(unsigned char **out, size_t *out_len, const wsb__runsize *size);

/* The whole length of a message from its first WSB__RUNMSG_HEADER bytes,
 * so a reader knows how much more to read: WSB_EINVAL for a wrong magic or
 * version or a length below the header or above WSB__RUNMSG_MAX. */
int wsb__runmsg_length(size_t *out, const unsigned char *header, size_t len);

/* Decode a whole message (header included). On failure *out is left
 * disposed (all NULL), nothing leaks. */
int wsb__runreq_decode(wsb__runreq *out, const unsigned char *buf, size_t len);
int wsb__runrep_decode(wsb__runrep *out, const unsigned char *buf, size_t len);
int wsb__runsize_decode(wsb__runsize *out, const unsigned char *buf, size_t len);

/* Free what a decode (or a caller filling the struct with wsb__ allocations)
 * put in it; the struct is zeroed. NULL is fine. */
void wsb__runreq_dispose(wsb__runreq *req);
void wsb__runrep_dispose(wsb__runrep *rep);

#endif
