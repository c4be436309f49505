/*
 * The elevated sandbox's setup, status and uninstall (docs/windows-setup.md).
 *
 * Transactional: every change is written to the setup journal (flushed,
 * replaced atomically) BEFORE it is made; a failure undoes this run's
 * changes newest first; the setup record with its version is written last.
 * A journal whose tail has no "commit" line is what a crashed run left: the
 * next setup undoes that tail first, uninstall undoes everything. Each step
 * reads before it writes, so a second setup on an intact machine changes
 * nothing. The journal format is setup's own (accounts, registry values,
 * files and firewall rules), not the ACE journal of journal.c.
 *
 * State, under <state_dir>\setup (DACL: the user, SYSTEM, Administrators;
 * protected): journal, record, offline.pw, online.pw (DPAPI, DACL that also
 * denies the sandbox group).
 */
#include "elevated.h"
#include "win32.h"
#include "core/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOURNAL_HEADER "wsandbox-setup-journal 1"
#define RECORD_HEADER "wsandbox-setup"

static unsigned long crash_after;

void wsb__setup_crash_after(unsigned long changes)
{
	crash_after = changes;
}

enum { ROLE_OFFLINE, ROLE_ONLINE, ROLE_COUNT };
static const char *const role_names[ROLE_COUNT] = { "offline", "online" };
static const wchar_t *const secret_files[ROLE_COUNT] = { L"offline.pw", L"online.pw" };

typedef struct setup_ctx {
	const char *user8[ROLE_COUNT];
	const char *group8;
	wchar_t *user[ROLE_COUNT];
	wchar_t *group;
	wchar_t *users_group;     /* built-in Users, localized */
	const unsigned short *ports;
	size_t port_count;
	char *state8;
	wchar_t *state;
	wchar_t *dir;             /* <state>\setup */
	wchar_t *journal;
	wchar_t *record;
	wchar_t *secret[ROLE_COUNT];
	PSID me;
	wsb__fw *fw;
	wsb__strvec entries;      /* journal lines after the header */
	wsb__strvec refused;      /* grant roots that refused the change (error 5) */
	size_t run_start;         /* entries that predate this run */
	unsigned long changes;    /* journaled by this run */
	int crashed;
	int created_state, created_dir;
	wsb_progress_cb progress;
	void *progress_ctx;
	unsigned long step_no;
} setup_ctx;

#define STEPS_TOTAL 10

static void progress(setup_ctx *c, const char *step)
{
	if (c->progress)
		c->progress(step, ++c->step_no, STEPS_TOTAL, c->progress_ctx);
}

/* Prefix the current error's message with the step's name. */
static int in_step(int rc, const char *step)
{
	char msg[1024];

	if (rc == WSB_OK)
		return rc;
	snprintf(msg, sizeof(msg), "%s", wsb_error_message(NULL));
	return wsb__error_os(rc, wsb_error_os(NULL), "setup step \"%s\": %s", step, msg);
}

/* ---- options ---- */

static int default_state_dir(char **out)
{
	wchar_t buf[MAX_PATH + 1];
	DWORD n = WSB_OS(GetEnvironmentVariableW)(L"LOCALAPPDATA", buf, MAX_PATH);
	char *base = NULL;
	wsb__buf b = WSB__BUF_INIT;
	int rc;

	*out = NULL;
	if (n == 0 || n >= MAX_PATH)
		return wsb__error(WSB_ENOENT, "LOCALAPPDATA is not set; pass state_dir");
	buf[n] = L'\0';
	if ((rc = wsb__el_narrow(&base, buf)) != WSB_OK)
		return rc;
	wsb__buf_printf(&b, "%s\\wsandbox", base);
	wsb__free(base);
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

static void ctx_dispose(setup_ctx *c)
{
	int r;

	for (r = 0; r < ROLE_COUNT; r++) {
		wsb__free(c->user[r]);
		wsb__free(c->secret[r]);
	}
	wsb__free(c->group);
	wsb__free(c->users_group);
	wsb__free(c->state8);
	wsb__free(c->state);
	wsb__free(c->dir);
	wsb__free(c->journal);
	wsb__free(c->record);
	wsb__free(c->me);
	wsb__fw_close(c->fw);
	wsb__strvec_dispose(&c->entries);
	wsb__strvec_dispose(&c->refused);
	memset(c, 0, sizeof(*c));
}

/* Validate everything the caller gave before anything is touched. */
static int ctx_init(setup_ctx *c, const wsb_setup_options *opts)
{
	static const wsb_setup_options defaults = WSB_SETUP_OPTIONS_INIT;
	int r, rc;

	memset(c, 0, sizeof(*c));
	if (!opts)
		opts = &defaults;
	if (opts->version < 1 || opts->version > WSB_SETUP_OPTIONS_VERSION)
		return wsb__error(WSB_EVERSION, "wsb_setup_options version %u is not known", opts->version);
	c->user8[ROLE_OFFLINE] = opts->offline_user ? opts->offline_user : "wsb-offline";
	c->user8[ROLE_ONLINE] = opts->online_user ? opts->online_user : "wsb-online";
	c->group8 = opts->group ? opts->group : "wsb-sandbox";
	c->ports = opts->loopback_ports;
	c->port_count = opts->loopback_port_count;
	c->progress = opts->progress;
	c->progress_ctx = opts->progress_ctx;
	if ((rc = wsb__account_name_check(c->user8[ROLE_OFFLINE], WSB__USER_NAME_MAX, "offline_user")) ||
			(rc = wsb__account_name_check(c->user8[ROLE_ONLINE], WSB__USER_NAME_MAX, "online_user")) ||
			(rc = wsb__account_name_check(c->group8, WSB__GROUP_NAME_MAX, "group")))
		return rc;
	if (_stricmp(c->user8[0], c->user8[1]) == 0 || _stricmp(c->user8[0], c->group8) == 0 ||
			_stricmp(c->user8[1], c->group8) == 0)
		return wsb__error(WSB_ECONFLICT, "the offline user, the online user and the group need "
			"three different names");
	if ((rc = wsb__fw_ports_check(c->ports, c->port_count)) != WSB_OK)
		return rc;
	if (opts->state_dir) {
		if (!(c->state8 = wsb__strdup(opts->state_dir)))
			return wsb__error_nomem();
	} else if ((rc = default_state_dir(&c->state8)) != WSB_OK) {
		return rc;
	}
	if ((rc = wsb__el_wide(&c->state, c->state8)) != WSB_OK ||
			(rc = wsb__el_join(&c->dir, c->state, L"setup")) != WSB_OK ||
			(rc = wsb__el_join(&c->journal, c->dir, L"journal")) != WSB_OK ||
			(rc = wsb__el_join(&c->record, c->dir, L"record")) != WSB_OK ||
			(rc = wsb__el_wide(&c->group, c->group8)) != WSB_OK)
		goto fail;
	for (r = 0; r < ROLE_COUNT; r++)
		if ((rc = wsb__el_wide(&c->user[r], c->user8[r])) != WSB_OK ||
				(rc = wsb__el_join(&c->secret[r], c->dir, secret_files[r])) != WSB_OK)
			goto fail;
	return WSB_OK;
fail:
	ctx_dispose(c);
	return rc;
}

/* ---- journal ---- */

static int journal_save(setup_ctx *c)
{
	wsb__buf b = WSB__BUF_INIT;
	size_t i;
	int rc;

	if (c->entries.count == 0)
		return wsb__el_delete_file(c->journal);
	wsb__buf_puts(&b, JOURNAL_HEADER "\n");
	for (i = 0; i < c->entries.count; i++) {
		wsb__buf_puts(&b, c->entries.items[i]);
		wsb__buf_putc(&b, '\n');
	}
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	rc = wsb__el_write_file(c->journal, b.ptr, b.size, NULL);
	wsb__buf_dispose(&b);
	return rc;
}

static int journal_load(setup_ctx *c)
{
	char *text = NULL, *p, *nl;
	int rc;

	wsb__strvec_dispose(&c->entries);
	rc = wsb__el_read_file(&text, NULL, c->journal, 1024 * 1024);
	if (rc == WSB_ENOENT)
		return WSB_OK;
	if (rc != WSB_OK)
		return rc;
	if (strncmp(text, JOURNAL_HEADER "\n", sizeof(JOURNAL_HEADER)) != 0) {
		wsb__free(text);
		return wsb__error(WSB_EJOURNAL, "the setup journal has an unknown format");
	}
	for (p = text + sizeof(JOURNAL_HEADER); *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			break;   /* a torn last line was never acted on */
		*nl = '\0';
		if (*p && (rc = wsb__strvec_push(&c->entries, p)) != WSB_OK)
			break;
	}
	wsb__free(text);
	return rc;
}

/* Journal a change before making it. */
static int journal(setup_ctx *c, const char *fmt, ...) WSB__PRINTF(2, 3);
static int journal(setup_ctx *c, const char *fmt, ...)
{
	wsb__buf b = WSB__BUF_INIT;
	va_list ap;
	int rc;

	if (crash_after && c->changes >= crash_after) {
		c->crashed = 1;
		return wsb__error(WSB_ERROR, "simulated crash after %lu changes", c->changes);
	}
	va_start(ap, fmt);
	wsb__buf_grow(&b, 256);
	if (!b.oom) {
		int n = vsnprintf(b.ptr, b.asize, fmt, ap);
		if (n < 0 || (size_t)n >= b.asize)
			b.oom = 1;
		else
			b.size = (size_t)n;
	}
	va_end(ap);
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	if ((rc = wsb__strvec_push_owned(&c->entries, wsb__buf_detach(&b))) != WSB_OK)
		return rc;
	if ((rc = journal_save(c)) != WSB_OK) {
		wsb__strvec_remove(&c->entries, c->entries.count - 1);
		return rc;
	}
	c->changes++;
	return WSB_OK;
}

static int field(char *out, size_t size, const char *line, int n)
{
	const char *p = line, *t;
	size_t len;

	while (n-- > 0) {
		if (!(p = strchr(p, '\t')))
			return -1;
		p++;
	}
	t = strchr(p, '\t');
	len = t ? (size_t)(t - p) : strlen(p);
	if (len >= size)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int with_wide(int (*fn)(const wchar_t *), const char *s)
{
	wchar_t *w = NULL;
	int rc;

	if ((rc = wsb__el_wide(&w, s)) != WSB_OK)
		return rc;
	rc = fn(w);
	wsb__free(w);
	return rc;
}

static int open_fw(setup_ctx *c)
{
	return c->fw ? WSB_OK : wsb__fw_open(&c->fw);
}

/* Undo one journal entry. Every undo is idempotent: undoing a change that
 * was journaled but never made (a crash or a failure between the two) is
 * harmless. */
static int undo(setup_ctx *c, const char *line)
{
	char a[1024], b[1024];
	wchar_t *wa = NULL, *wb = NULL;
	int rc = WSB_OK;

	if (strcmp(line, "commit") == 0 || strncmp(line, "rotate\t", 7) == 0)
		return WSB_OK;   /* a rotated password cannot be unrotated: the old one was unknown */
	if (field(a, sizeof(a), line, 1))
		return wsb__error(WSB_EJOURNAL, "damaged setup journal line: %s", line);
	if (strncmp(line, "group\t", 6) == 0)
		return with_wide(wsb__group_delete, a);
	if (strncmp(line, "user\t", 5) == 0)
		return with_wide(wsb__user_delete, a);
	if (strncmp(line, "hide\t", 5) == 0)
		return with_wide(wsb__unhide_user, a);
	if (strncmp(line, "hidekeys\t", 9) == 0)
		return wsb__hide_keys_remove(atoi(a));
	if (strncmp(line, "rule\t", 5) == 0) {
		if ((rc = open_fw(c)) == WSB_OK)
			rc = wsb__fw_remove(c->fw, a);
		return rc;
	}
	if (strncmp(line, "rulewas\t", 8) == 0) {
		wsb__fw_rule old;
		if ((rc = wsb__fw_rule_parse(&old, line + 8)) != WSB_OK)
			return rc;
		if ((rc = open_fw(c)) == WSB_OK && (rc = wsb__fw_remove(c->fw, old.name)) == WSB_OK)
			rc = wsb__fw_add(c->fw, &old);
		wsb__fw_rule_dispose(&old);
		return rc;
	}
	if (field(b, sizeof(b), line, 2))
		return wsb__error(WSB_EJOURNAL, "damaged setup journal line: %s", line);
	if ((rc = wsb__el_wide(&wa, a)) != WSB_OK || (rc = wsb__el_wide(&wb, b)) != WSB_OK)
		goto done;
	if (strncmp(line, "grant\t", 6) == 0) {
		int removed = 0;
		rc = wsb__acl_remove(&removed, a, b);
		if (rc == WSB_ENOENT) {
			/* The folder is gone, and its ACE with it. */
			wsb_error_clear();
			rc = WSB_OK;
		}
	} else if (strncmp(line, "member\t", 7) == 0) {
		rc = wsb__group_del_member(wa, wb);
	} else if (strncmp(line, "secret\t", 7) == 0) {
		wchar_t *prev = NULL;
		if ((rc = wsb__el_delete_file(wa)) == WSB_OK && b[0] == '1') {
			size_t n = wcslen(wa);
			if (!(prev = wsb__calloc(n + 6, sizeof(wchar_t)))) {
				rc = wsb__error_nomem();
				goto done;
			}
			memcpy(prev, wa, n * sizeof(wchar_t));
			memcpy(prev + n, L".prev", 5 * sizeof(wchar_t));
			if (!WSB_OS(MoveFileExW)(prev, wa, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
				DWORD err = GetLastError();
				if (err != ERROR_FILE_NOT_FOUND)
					rc = wsb__el_fail(WSB_EOS, "MoveFileExW", err, "restoring a previous secret");
			}
			wsb__free(prev);
		}
	} else {
		rc = wsb__error(WSB_EJOURNAL, "unknown setup journal entry: %s", line);
	}
done:
	wsb__free(wa);
	wsb__free(wb);
	return rc;
}

/* Undo entries [from, count) newest first, dropping each from the journal
 * once undone. */
static int undo_from(setup_ctx *c, size_t from)
{
	int rc = WSB_OK;

	if (c->entries.count <= from)
		return WSB_OK;
	while (c->entries.count > from) {
		if ((rc = undo(c, c->entries.items[c->entries.count - 1])) != WSB_OK)
			break;
		wsb__strvec_remove(&c->entries, c->entries.count - 1);
	}
	{
		int rc2 = journal_save(c);
		if (rc == WSB_OK)
			rc = rc2;
	}
	return rc;
}

/* Index just past the last "commit" line: what a finished run left. */
static size_t committed_end(const setup_ctx *c)
{
	size_t i;

	for (i = c->entries.count; i > 0; i--)
		if (strcmp(c->entries.items[i - 1], "commit") == 0)
			return i;
	return 0;
}

/* ---- folders ---- */

static int ensure_dir(int *out_created, const wchar_t *path, PSECURITY_DESCRIPTOR sd)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), sd, FALSE };
	DWORD attr = WSB_OS(GetFileAttributesW)(path), err;

	*out_created = 0;
	if (attr != INVALID_FILE_ATTRIBUTES) {
		if (!(attr & FILE_ATTRIBUTE_DIRECTORY))
			return wsb__error(WSB_EPATH, "the state path %ls is not a directory", path);
		return WSB_OK;
	}
	err = GetLastError();
	if (err != ERROR_FILE_NOT_FOUND && err != ERROR_PATH_NOT_FOUND)
		return wsb__el_fail(WSB_EOS, "GetFileAttributesW", err, "the state folder %ls", path);
	if (!WSB_OS(CreateDirectoryW)(path, sd ? &sa : NULL))
		return wsb__el_fail(WSB_EOS, "CreateDirectoryW", GetLastError(), "the state folder %ls", path);
	*out_created = 1;
	return WSB_OK;
}

static int prepare_state(setup_ctx *c)
{
	PSECURITY_DESCRIPTOR sd = NULL;
	int rc;

	if ((rc = wsb__el_current_user_sid(&c->me)) != WSB_OK)
		return rc;
	if ((rc = ensure_dir(&c->created_state, c->state, NULL)) != WSB_OK)
		return rc;
	if ((rc = wsb__secret_sd(&sd, NULL, c->me, 1)) != WSB_OK)
		return rc;
	rc = ensure_dir(&c->created_dir, c->dir, sd);
	wsb__free(sd);
	return rc;
}

/* Remove what prepare_state created; the error state is the caller's. */
static void unprepare_state(setup_ctx *c)
{
	if (c->entries.count == 0) {
		if (c->created_dir)
			WSB_OS(RemoveDirectoryW)(c->dir);
		if (c->created_state)
			WSB_OS(RemoveDirectoryW)(c->state);
	}
}

/* ---- record ---- */

static int record_text(char **out, setup_ctx *c)
{
	wsb__buf b = WSB__BUF_INIT;
	size_t i;

	wsb__buf_printf(&b, RECORD_HEADER "\t%d\noffline\t%s\nonline\t%s\ngroup\t%s\nports\t",
		WSB__SETUP_VERSION, c->user8[ROLE_OFFLINE], c->user8[ROLE_ONLINE], c->group8);
	for (i = 0; i < c->port_count; i++)
		wsb__buf_printf(&b, "%s%u", i ? "," : "", c->ports[i]);
	wsb__buf_putc(&b, '\n');
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

/* The names a record holds: *out_found 0 without a record. */
static int record_read(char **out_text, int *out_version, setup_ctx *c)
{
	char *text = NULL;
	int rc = wsb__el_read_file(&text, NULL, c->record, 4096);

	*out_text = NULL;
	*out_version = 0;
	if (rc == WSB_ENOENT)
		return WSB_OK;
	if (rc != WSB_OK)
		return rc;
	if (strncmp(text, RECORD_HEADER "\t", sizeof(RECORD_HEADER)) == 0)
		*out_version = atoi(text + sizeof(RECORD_HEADER));
	*out_text = text;
	return WSB_OK;
}

static int record_value(char *out, size_t size, const char *text, const char *key)
{
	size_t k = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, k) == 0 && p[k] == '\t') {
			const char *e = strchr(p + k + 1, '\n');
			size_t n = e ? (size_t)(e - p - k - 1) : strlen(p + k + 1);
			if (n >= size)
				return -1;
			memcpy(out, p + k + 1, n);
			out[n] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* ---- the steps ---- */

static int step_group(setup_ctx *c)
{
	int exists = 0, rc;

	if ((rc = wsb__group_exists(&exists, c->group)) != WSB_OK || exists)
		return rc;
	if ((rc = journal(c, "group\t%s", c->group8)) != WSB_OK)
		return rc;
	return wsb__group_create(c->group);
}

static int move_aside(int *out_had, const wchar_t *path)
{
	wchar_t *prev = NULL;
	size_t n = wcslen(path);
	DWORD attr = WSB_OS(GetFileAttributesW)(path);
	int rc = WSB_OK;

	*out_had = attr != INVALID_FILE_ATTRIBUTES;
	if (!*out_had)
		return WSB_OK;
	if (!(prev = wsb__calloc(n + 6, sizeof(wchar_t))))
		return wsb__error_nomem();
	memcpy(prev, path, n * sizeof(wchar_t));
	memcpy(prev + n, L".prev", 5 * sizeof(wchar_t));
	if (!WSB_OS(MoveFileExW)(path, prev, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
		rc = wsb__el_fail(WSB_EOS, "MoveFileExW", GetLastError(), "keeping the previous secret");
	wsb__free(prev);
	return rc;
}

static int step_user(setup_ctx *c, int r, PSECURITY_DESCRIPTOR secret_sd)
{
	wchar_t pw[WSB__PASSWORD_LEN + 1], *old = NULL;
	char *secret8 = NULL;
	int exists = 0, decrypts = 0, had = 0, rc;

	if ((rc = wsb__user_exists(&exists, c->user[r])) != WSB_OK)
		return rc;
	if (exists) {
		rc = wsb__secret_load(&old, c->secret[r]);
		decrypts = rc == WSB_OK;
		wsb__secret_free(old);
		if (rc == WSB_ENOMEM)
			return rc;
		wsb_error_clear();
		if (decrypts)
			return WSB_OK;
	}
	/* The secret is stored before the account changes: a failure after
	 * either leaves a journaled, undoable state. */
	if ((rc = wsb__secret_password(pw)) != WSB_OK)
		return rc;
	if ((rc = wsb__el_narrow(&secret8, c->secret[r])) != WSB_OK)
		goto done;
	{
		DWORD attr = WSB_OS(GetFileAttributesW)(c->secret[r]);
		had = attr != INVALID_FILE_ATTRIBUTES;
	}
	if ((rc = journal(c, "secret\t%s\t%d", secret8, had)) != WSB_OK ||
			(rc = move_aside(&had, c->secret[r])) != WSB_OK ||
			(rc = wsb__secret_store(c->secret[r], pw, secret_sd)) != WSB_OK)
		goto done;
	if (exists) {
		if ((rc = journal(c, "rotate\t%s", c->user8[r])) == WSB_OK)
			rc = wsb__user_set_password(c->user[r], pw);
	} else {
		if ((rc = journal(c, "user\t%s", c->user8[r])) == WSB_OK)
			rc = wsb__user_create(c->user[r], pw);
	}
done:
	SecureZeroMemory(pw, sizeof(pw));
	wsb__free(secret8);
	return rc;
}

static int step_member(setup_ctx *c, int r, const wchar_t *group)
{
	char *g8 = NULL;
	int in = 0, rc;

	if ((rc = wsb__user_in_group(&in, c->user[r], group)) != WSB_OK || in)
		return rc;
	if ((rc = wsb__el_narrow(&g8, group)) != WSB_OK)
		return rc;
	if ((rc = journal(c, "member\t%s\t%s", g8, c->user8[r])) == WSB_OK)
		rc = wsb__group_add_member(group, c->user[r]);
	wsb__free(g8);
	return rc;
}

static int step_hide(setup_ctx *c, int r)
{
	int missing = 0, hidden = 0, rc;

	if ((rc = wsb__hide_state(&missing, &hidden, c->user[r])) != WSB_OK || hidden)
		return rc;
	if (missing && (rc = journal(c, "hidekeys\t%d", missing)) != WSB_OK)
		return rc;
	if ((rc = journal(c, "hide\t%s", c->user8[r])) != WSB_OK)
		return rc;
	return wsb__hide_user(c->user[r]);
}

/* The user's profile directory (USERPROFILE), wide. */
static int profile_dir(wchar_t **out)
{
	wchar_t buf[MAX_PATH + 1];
	DWORD n = WSB_OS(GetEnvironmentVariableW)(L"USERPROFILE", buf, MAX_PATH);
	size_t i;

	*out = NULL;
	if (n == 0 || n >= MAX_PATH)
		return wsb__el_fail(WSB_ENOENT, "GetEnvironmentVariableW", GetLastError(),
			"USERPROFILE is not set");
	if (!(*out = wsb__calloc(n + 1, sizeof(wchar_t))))
		return wsb__error_nomem();
	for (i = 0; i < n; i++)
		(*out)[i] = buf[i];
	return WSB_OK;
}

static int grant_roots(wsb__strvec *roots, char **sddl, PSID group_sid)
{
	wchar_t *profile = NULL;
	char *sid8 = NULL;
	int rc;

	*sddl = NULL;
	memset(roots, 0, sizeof(*roots));
	if ((rc = profile_dir(&profile)) == WSB_OK && (rc = wsb__el_sid_string(&sid8, group_sid)) == WSB_OK &&
			(rc = wsb__grant_sddl(sddl, sid8)) == WSB_OK)
		rc = wsb__grant_roots(roots, profile);
	wsb__free(profile);
	wsb__free(sid8);
	return rc;
}

static int step_grants(setup_ctx *c, PSID group_sid)
{
	wsb__strvec roots;
	char *sddl = NULL;
	size_t i;
	int rc;

	if ((rc = grant_roots(&roots, &sddl, group_sid)) != WSB_OK)
		goto done;
	for (i = 0; i < roots.count && rc == WSB_OK; i++) {
		int has = 0, added = 0;
		if (c->progress)
			c->progress("read grants", (unsigned long)i + 1, (unsigned long)roots.count, c->progress_ctx);
		if ((rc = wsb__acl_has(&has, roots.items[i], sddl)) == WSB_EACCES) {
			wsb_error_clear();
			rc = wsb__strvec_push(&c->refused, roots.items[i]);
			continue;
		}
		if (rc != WSB_OK || has)
			continue;
		if ((rc = journal(c, "grant\t%s\t%s", roots.items[i], sddl)) != WSB_OK)
			break;
		/* A folder that refuses the change (MSIX, error 5) is reported and
		 * skipped, not fatal; its journal line is dropped again. */
		if ((rc = wsb__acl_add(&added, roots.items[i], sddl)) == WSB_EACCES) {
			wsb_error_clear();
			wsb__strvec_remove(&c->entries, c->entries.count - 1);
			if ((rc = journal_save(c)) == WSB_OK)
				rc = wsb__strvec_push(&c->refused, roots.items[i]);
		}
	}
	/* The caller hears of every refused folder through the progress
	 * callback; status counts them as not granted. */
	for (i = 0; rc == WSB_OK && c->progress && i < c->refused.count; i++) {
		wsb__buf msg = WSB__BUF_INIT;
		wsb__buf_printf(&msg, "read grant refused (access denied), skipped: %s", c->refused.items[i]);
		if (!msg.oom)
			c->progress(msg.ptr, 0, 0, c->progress_ctx);
		wsb__buf_dispose(&msg);
	}
done:
	wsb__strvec_dispose(&roots);
	wsb__free(sddl);
	return rc;
}

static int offline_rules(wsb__fw_ruleset *out, setup_ctx *c)
{
	PSID sid = NULL;
	char *sid8 = NULL;
	int rc;

	if ((rc = wsb__el_account_sid(&sid, c->user[ROLE_OFFLINE])) == WSB_OK &&
			(rc = wsb__el_sid_string(&sid8, sid)) == WSB_OK)
		rc = wsb__fw_rules_build(out, c->user8[ROLE_OFFLINE], sid8, c->ports, c->port_count);
	wsb__free(sid8);
	wsb__free(sid);
	return rc;
}

static int step_firewall(setup_ctx *c)
{
	wsb__fw_ruleset set = { NULL, 0 };
	wsb__fw_rule got;
	char *text = NULL;
	size_t i;
	int found = 0, rc;

	if ((rc = offline_rules(&set, c)) != WSB_OK)
		return rc;
	for (i = 0; i < set.count && rc == WSB_OK; i++) {
		const wsb__fw_rule *want = &set.rules[i];
		if ((rc = wsb__fw_get(&got, &found, c->fw, want->name)) != WSB_OK)
			break;
		if (found && wsb__fw_rule_equal(&got, want)) {
			wsb__fw_rule_dispose(&got);
			continue;
		}
		if (found) {
			if ((rc = wsb__fw_rule_serialize(&text, &got)) == WSB_OK &&
					(rc = journal(c, "rulewas\t%s", text)) == WSB_OK)
				rc = wsb__fw_remove(c->fw, want->name);
			wsb__free(text);
			text = NULL;
		} else {
			rc = journal(c, "rule\t%s", want->name);
		}
		wsb__fw_rule_dispose(&got);
		if (rc == WSB_OK)
			rc = wsb__fw_add(c->fw, want);
	}
	if (rc == WSB_OK)
		rc = wsb__fw_verify(c->fw, &set);
	wsb__fw_ruleset_dispose(&set);
	return rc;
}

static int step_record(setup_ctx *c)
{
	char *want = NULL, *have = NULL;
	int version = 0, rc;

	if (c->entries.count > c->run_start && (rc = journal(c, "commit")) != WSB_OK)
		return rc;
	if ((rc = record_text(&want, c)) != WSB_OK)
		return rc;
	if ((rc = record_read(&have, &version, c)) == WSB_OK && (!have || strcmp(have, want) != 0))
		rc = wsb__el_write_file(c->record, want, strlen(want), NULL);
	wsb__free(want);
	wsb__free(have);
	return rc;
}

/* Names in an existing record must match: changing them means uninstall
 * first, or the old accounts would be orphaned. */
static int check_record_names(setup_ctx *c)
{
	char *text = NULL, v[300];
	int version = 0, rc, r;

	if ((rc = record_read(&text, &version, c)) != WSB_OK || !text)
		return rc;
	for (r = 0; r < ROLE_COUNT && rc == WSB_OK; r++)
		if (record_value(v, sizeof(v), text, role_names[r]) == 0 && strcmp(v, c->user8[r]) != 0)
			rc = wsb__error(WSB_ECONFLICT, "setup is installed with %s user \"%s\"; run uninstall "
				"before changing it to \"%s\"", role_names[r], v, c->user8[r]);
	if (rc == WSB_OK && record_value(v, sizeof(v), text, "group") == 0 && strcmp(v, c->group8) != 0)
		rc = wsb__error(WSB_ECONFLICT, "setup is installed with group \"%s\"; run uninstall "
			"before changing it to \"%s\"", v, c->group8);
	wsb__free(text);
	return rc;
}

static int preflight(setup_ctx *c)
{
	int elevated = 0, rc;

	progress(c, "preflight");
	if ((rc = wsb__el_is_elevated(&elevated)) != WSB_OK)
		return in_step(rc, "preflight");
	if (!elevated)
		return wsb__error(WSB_ENOTELEVATED, "setup needs administrator rights: run it elevated "
			"(one UAC prompt); nothing was changed");
	if ((rc = open_fw(c)) != WSB_OK || (rc = wsb__fw_preflight(c->fw)) != WSB_OK)
		return in_step(rc, "preflight: firewall");
	if ((rc = wsb__users_group_name(&c->users_group)) != WSB_OK)
		return in_step(rc, "preflight: Users group");
	return WSB_OK;
}

static int install_steps(setup_ctx *c)
{
	PSECURITY_DESCRIPTOR sd = NULL;
	PSID group_sid = NULL;
	int r, rc;

	progress(c, "group");
	if ((rc = in_step(step_group(c), "group")) != WSB_OK)
		return rc;
	progress(c, "secrets");
	if ((rc = wsb__el_account_sid(&group_sid, c->group)) != WSB_OK ||
			(rc = wsb__secret_sd(&sd, group_sid, c->me, 0)) != WSB_OK) {
		wsb__free(group_sid);
		return in_step(rc, "secrets");
	}
	for (r = 0; r < ROLE_COUNT && rc == WSB_OK; r++) {
		progress(c, role_names[r]);
		if ((rc = in_step(step_user(c, r, sd), role_names[r])) == WSB_OK &&
				(rc = in_step(step_member(c, r, c->users_group), "membership")) == WSB_OK &&
				(rc = in_step(step_member(c, r, c->group), "membership")) == WSB_OK)
			rc = in_step(step_hide(c, r), "hide from sign-in screen");
	}
	wsb__free(sd);
	if (rc == WSB_OK) {
		progress(c, "read grants");
		rc = in_step(step_grants(c, group_sid), "read grants");
	}
	wsb__free(group_sid);
	if (rc != WSB_OK)
		return rc;
	progress(c, "firewall");
	if ((rc = in_step(step_firewall(c), "firewall")) != WSB_OK)
		return rc;
	progress(c, "record");
	return in_step(step_record(c), "record");
}

int wsb__setup_install(const wsb_setup_options *opts)
{
	setup_ctx c;
	int rc, code;

	if ((rc = ctx_init(&c, opts)) != WSB_OK)
		return rc;
	if ((rc = preflight(&c)) != WSB_OK)
		goto out;
	progress(&c, "state");
	if ((rc = in_step(prepare_state(&c), "state folder")) != WSB_OK)
		goto undo_state;
	progress(&c, "journal");
	if ((rc = in_step(journal_load(&c), "journal")) != WSB_OK ||
			(rc = in_step(check_record_names(&c), "record")) != WSB_OK)
		goto undo_state;
	/* A crashed run's tail is undone before anything else. */
	if ((rc = in_step(undo_from(&c, committed_end(&c)), "recovery")) != WSB_OK)
		goto undo_state;
	c.run_start = c.entries.count;
	rc = install_steps(&c);
	if (rc != WSB_OK && !c.crashed) {
		char msg[1024];
		long os = wsb_error_os(NULL);
		code = rc;
		snprintf(msg, sizeof(msg), "%s", wsb_error_message(NULL));
		if (undo_from(&c, c.run_start) != WSB_OK)
			wsb__error_os(code, os, "%s; rolling back also failed (%s): the journal keeps what is "
				"left for the next setup or uninstall", msg, wsb_error_message(NULL));
		else
			wsb__error_os(code, os, "%s; this run's changes were rolled back", msg);
		goto undo_state;
	}
	goto out;
undo_state:
	unprepare_state(&c);
out:
	ctx_dispose(&c);
	return rc;
}

int wsb__setup_uninstall(const wsb_setup_options *opts)
{
	setup_ctx c;
	wsb__fw_ruleset set = { NULL, 0 };
	char *text = NULL, v[300];
	int version = 0, elevated = 0, r, rc;
	size_t i;

	if ((rc = ctx_init(&c, opts)) != WSB_OK)
		return rc;
	if ((rc = wsb__el_is_elevated(&elevated)) != WSB_OK)
		goto out;
	if (!elevated) {
		rc = wsb__error(WSB_ENOTELEVATED, "uninstall needs administrator rights; nothing was changed");
		goto out;
	}
	/* The record goes first: from here on status says "not installed". */
	if ((rc = record_read(&text, &version, &c)) != WSB_OK)
		goto out;
	if (text && record_value(v, sizeof(v), text, "offline") == 0) {
		wsb__free(c.user[ROLE_OFFLINE]);
		c.user[ROLE_OFFLINE] = NULL;
		c.user8[ROLE_OFFLINE] = v;
		if ((rc = wsb__el_wide(&c.user[ROLE_OFFLINE], v)) != WSB_OK)
			goto out;
	}
	if ((rc = in_step(wsb__el_delete_file(c.record), "record")) != WSB_OK ||
			(rc = in_step(journal_load(&c), "journal")) != WSB_OK ||
			(rc = in_step(undo_from(&c, 0), "undo")) != WSB_OK)
		goto out;
	/* Rules are ours by name even if a lost journal forgot them. */
	if ((rc = open_fw(&c)) == WSB_OK) {
		if (wsb__fw_rules_build(&set, c.user8[ROLE_OFFLINE], "S-1-0-0", NULL, 0) == WSB_OK)
			for (i = 0; i < set.count && rc == WSB_OK; i++)
				rc = wsb__fw_remove(c.fw, set.rules[i].name);
		wsb__fw_ruleset_dispose(&set);
	}
	if (rc != WSB_OK)
		goto out;
	for (r = 0; r < ROLE_COUNT && rc == WSB_OK; r++) {
		size_t n = wcslen(c.secret[r]);
		wchar_t *prev = wsb__calloc(n + 6, sizeof(wchar_t));
		if (!prev) {
			rc = wsb__error_nomem();
			break;
		}
		memcpy(prev, c.secret[r], n * sizeof(wchar_t));
		memcpy(prev + n, L".prev", 5 * sizeof(wchar_t));
		if ((rc = wsb__el_delete_file(c.secret[r])) == WSB_OK)
			rc = wsb__el_delete_file(prev);
		wsb__free(prev);
	}
	if (rc == WSB_OK && !WSB_OS(RemoveDirectoryW)(c.dir)) {
		DWORD err = GetLastError();
		if (err != ERROR_FILE_NOT_FOUND && err != ERROR_PATH_NOT_FOUND)
			rc = wsb__el_fail(WSB_EOS, "RemoveDirectoryW", err, "the setup state folder %ls", c.dir);
	}
out:
	wsb__free(text);
	if (c.user8[ROLE_OFFLINE] == v)
		c.user8[ROLE_OFFLINE] = NULL;
	ctx_dispose(&c);
	return rc;
}

/* ---- status ---- */

static void json_str(wsb__buf *b, const char *s)
{
	wsb__buf_putc(b, '"');
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			wsb__buf_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			wsb__buf_printf(b, "\\u%04x", ch);
		else
			wsb__buf_putc(b, (char)ch);
	}
	wsb__buf_putc(b, '"');
}

#define JBOOL(v) ((v) ? "true" : "false")

int wsb__setup_status(char **out_json, const wsb_setup_options *opts)
{
	setup_ctx c;
	wsb__buf b = WSB__BUF_INIT;
	wsb__fw_ruleset set = { NULL, 0 };
	char *text = NULL, v[300];
	int version = 0, exists = 0, intact = 1, r, rc;
	size_t i;

	*out_json = NULL;
	if ((rc = ctx_init(&c, opts)) != WSB_OK)
		return rc;
	if ((rc = record_read(&text, &version, &c)) != WSB_OK)
		goto out;
	/* A record names what was installed; options only fill the gaps. */
	for (r = 0; text && r < ROLE_COUNT; r++)
		if (record_value(v, sizeof(v), text, role_names[r]) == 0) {
			wsb__free(c.user[r]);
			c.user[r] = NULL;
			if ((rc = wsb__el_wide(&c.user[r], v)) != WSB_OK)
				goto out;
		}
	if ((rc = journal_load(&c)) != WSB_OK)
		goto out;
	wsb__buf_puts(&b, "{\"installed\":");
	wsb__buf_puts(&b, JBOOL(text != NULL));
	wsb__buf_printf(&b, ",\"version\":%d,\"current_version\":%d,\"state_dir\":", version,
		WSB__SETUP_VERSION);
	json_str(&b, c.state8);
	wsb__buf_printf(&b, ",\"journal\":{\"entries\":%lu,\"uncommitted\":%lu}",
		(unsigned long)c.entries.count, (unsigned long)(c.entries.count - committed_end(&c)));
	intact = text != NULL && version == WSB__SETUP_VERSION && committed_end(&c) == c.entries.count;
	wsb__buf_puts(&b, ",\"group\":{\"name\":");
	json_str(&b, c.group8);
	exists = 0;
	rc = wsb__group_exists(&exists, c.group);
	wsb__buf_printf(&b, ",\"exists\":%s}", JBOOL(rc == WSB_OK && exists));
	intact = intact && rc == WSB_OK && exists;
	wsb__buf_puts(&b, ",\"users\":[");
	for (r = 0; r < ROLE_COUNT; r++) {
		wchar_t *pw = NULL;
		char *n8 = NULL;
		int in = 0, missing = 0, hidden = 0, dec;
		exists = 0;
		wsb__el_narrow(&n8, c.user[r]);
		wsb__buf_printf(&b, "%s{\"role\":\"%s\",\"name\":", r ? "," : "", role_names[r]);
		json_str(&b, n8);
		wsb__free(n8);
		rc = wsb__user_exists(&exists, c.user[r]);
		exists = rc == WSB_OK && exists;
		in = exists && wsb__user_in_group(&in, c.user[r], c.group) == WSB_OK && in;
		hidden = wsb__hide_state(&missing, &hidden, c.user[r]) == WSB_OK && hidden;
		dec = wsb__secret_load(&pw, c.secret[r]) == WSB_OK;
		wsb__secret_free(pw);
		wsb__buf_printf(&b, ",\"exists\":%s,\"in_group\":%s,\"hidden\":%s,\"password_decrypts\":%s}",
			JBOOL(exists), JBOOL(in), JBOOL(hidden), JBOOL(dec));
		intact = intact && exists && in && hidden && dec;
	}
	wsb__buf_puts(&b, "],\"read_grants\":");
	{
		wsb__strvec roots;
		PSID gsid = NULL;
		char *sddl = NULL;
		size_t k, granted = 0;
		if (wsb__el_account_sid(&gsid, c.group) == WSB_OK && grant_roots(&roots, &sddl, gsid) == WSB_OK) {
			for (k = 0; k < roots.count; k++) {
				int has = 0;
				if (wsb__acl_has(&has, roots.items[k], sddl) == WSB_OK && has)
					granted++;
			}
			/* Roots that refuse a change (error 5) stay missing by design,
			 * so grants are reported but do not decide "intact". */
			wsb__buf_printf(&b, "{\"roots\":%lu,\"granted\":%lu}", (unsigned long)roots.count,
				(unsigned long)granted);
			wsb__strvec_dispose(&roots);
		} else {
			wsb__buf_puts(&b, "null");
		}
		wsb__free(sddl);
		wsb__free(gsid);
		wsb_error_clear();
	}
	wsb__buf_puts(&b, ",\"firewall\":{");
	if ((rc = open_fw(&c)) == WSB_OK && (rc = offline_rules(&set, &c)) == WSB_OK) {
		wsb__buf_puts(&b, "\"rules\":[");
		for (i = 0; i < set.count; i++) {
			wsb__fw_rule got;
			int found = 0, same = 0;
			if (wsb__fw_get(&got, &found, c.fw, set.rules[i].name) == WSB_OK && found) {
				same = wsb__fw_rule_equal(&got, &set.rules[i]);
				wsb__fw_rule_dispose(&got);
			}
			wsb__buf_printf(&b, "%s{\"name\":", i ? "," : "");
			json_str(&b, set.rules[i].name);
			wsb__buf_printf(&b, ",\"present\":%s,\"verified\":%s}", JBOOL(found), JBOOL(same));
			intact = intact && same;
		}
		wsb__buf_puts(&b, "]");
	} else {
		wsb__buf_puts(&b, "\"error\":");
		json_str(&b, wsb_error_message(NULL));
		intact = 0;
	}
	wsb__buf_printf(&b, "},\"intact\":%s}", JBOOL(intact));
	rc = WSB_OK;
	wsb_error_clear();
	if (b.oom)
		rc = wsb__error_nomem();
	else
		*out_json = wsb__buf_detach(&b);
out:
	wsb__fw_ruleset_dispose(&set);
	wsb__buf_dispose(&b);
	wsb__free(text);
	ctx_dispose(&c);
	return rc;
}

/* ---- plan: what install would change, from reads only ---- */

static int plan_step(struct wsb_plan *plan, wsb__plan_step **s, const char *kind, int present,
	const char *target)
{
	return wsb__plan_add(plan, s, kind, present ? "keep" : "add", target);
}

static int plan_users(struct wsb_plan *plan, setup_ctx *c, const char *file_sddl)
{
	static const char hide_key[] = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\"
		"Winlogon\\SpecialAccounts\\UserList\\";
	wsb__plan_step *s;
	wsb__buf t = WSB__BUF_INIT;
	char *secret8 = NULL;
	int r, rc = WSB_OK;

	for (r = 0; r < ROLE_COUNT && rc == WSB_OK; r++) {
		wchar_t *pw = NULL;
		int exists = 0, decrypts, in = 0, in_users = 0, missing = 0, hidden = 0;

		if ((rc = wsb__user_exists(&exists, c->user[r])) != WSB_OK)
			break;
		decrypts = exists && wsb__secret_load(&pw, c->secret[r]) == WSB_OK;
		wsb__secret_free(pw);
		wsb_error_clear();
		if ((rc = wsb__plan_add(plan, &s, "local_user", !exists ? "add" : decrypts ? "keep" : "set",
				c->user8[r])) != WSB_OK ||
				(rc = wsb__plan_set(s, "role", role_names[r])) != WSB_OK ||
				(rc = wsb__plan_set(s, "privilege", "USER_PRIV_USER")) != WSB_OK ||
				(rc = wsb__plan_set(s, "flags", "UF_SCRIPT|UF_DONT_EXPIRE_PASSWD")) != WSB_OK ||
				(exists && !decrypts && (rc = wsb__plan_set(s, "password", "rotate (adopted user)")) != WSB_OK))
			break;
		if ((rc = wsb__el_narrow(&secret8, c->secret[r])) != WSB_OK ||
				(rc = plan_step(plan, &s, "secret_file", decrypts, secret8)) != WSB_OK ||
				(rc = wsb__plan_set(s, "protection", "DPAPI, user scope")) != WSB_OK ||
				(rc = wsb__plan_set(s, "sddl", file_sddl)) != WSB_OK)
			break;
		wsb__free(secret8);
		secret8 = NULL;
		if ((rc = wsb__user_in_group(&in_users, c->user[r], c->users_group)) != WSB_OK ||
				(rc = wsb__user_in_group(&in, c->user[r], c->group)) != WSB_OK ||
				(rc = wsb__hide_state(&missing, &hidden, c->user[r])) != WSB_OK)
			break;
		t.size = 0;
		wsb__buf_printf(&t, "%ls\\%s", c->users_group, c->user8[r]);
		if (t.oom || (rc = plan_step(plan, &s, "group_member", in_users, t.ptr)) != WSB_OK)
			break;
		t.size = 0;
		wsb__buf_printf(&t, "%s\\%s", c->group8, c->user8[r]);
		if (t.oom || (rc = plan_step(plan, &s, "group_member", in, t.ptr)) != WSB_OK)
			break;
		t.size = 0;
		wsb__buf_printf(&t, "%s%s", hide_key, c->user8[r]);
		if (t.oom || (rc = plan_step(plan, &s, "registry_value", hidden, t.ptr)) != WSB_OK ||
				(rc = wsb__plan_set(s, "value", "REG_DWORD 0 (hidden from the sign-in screen)")) != WSB_OK)
			break;
	}
	if (rc == WSB_OK && t.oom)
		rc = wsb__error_nomem();
	wsb__buf_dispose(&t);
	wsb__free(secret8);
	return rc;
}

static int plan_firewall(struct wsb_plan *plan, setup_ctx *c)
{
	wsb__fw_ruleset set = { NULL, 0 };
	wsb__plan_step *s;
	PSID sid = NULL;
	char *sid8 = NULL;
	size_t i;
	int rc;

	if (wsb__el_account_sid(&sid, c->user[ROLE_OFFLINE]) == WSB_OK)
		rc = wsb__el_sid_string(&sid8, sid);
	else
		rc = (sid8 = wsb__strdup("<SID of the offline user, once created>")) ? WSB_OK : wsb__error_nomem();
	wsb__free(sid);
	wsb_error_clear();
	if (rc == WSB_OK)
		rc = wsb__fw_rules_build(&set, c->user8[ROLE_OFFLINE], sid8, c->ports, c->port_count);
	for (i = 0; rc == WSB_OK && i < set.count; i++) {
		wsb__fw_rule got;
		int found = 0, same = 0;
		if (c->fw && wsb__fw_get(&got, &found, c->fw, set.rules[i].name) == WSB_OK && found) {
			same = wsb__fw_rule_equal(&got, &set.rules[i]);
			wsb__fw_rule_dispose(&got);
		}
		wsb_error_clear();
		if ((rc = wsb__plan_add(plan, &s, "firewall_rule", same ? "keep" : found ? "set" : "add",
				set.rules[i].name)) == WSB_OK &&
				(rc = wsb__plan_set(s, "direction", "out")) == WSB_OK &&
				(rc = wsb__plan_set(s, "rule_action", "block")) == WSB_OK &&
				(rc = wsb__plan_set_u64(s, "protocol", (wsb_u64)set.rules[i].protocol)) == WSB_OK &&
				(rc = wsb__plan_set(s, "remote_addresses", set.rules[i].remote_addresses)) == WSB_OK &&
				(rc = wsb__plan_set(s, "remote_ports", set.rules[i].remote_ports)) == WSB_OK)
			rc = wsb__plan_set(s, "local_user_authorized_list", set.rules[i].user_list);
	}
	wsb__fw_ruleset_dispose(&set);
	wsb__free(sid8);
	return rc;
}

int wsb__setup_plan(struct wsb_plan **out, const wsb_setup_options *opts)
{
	setup_ctx c;
	struct wsb_plan *plan = NULL;
	wsb__plan_step *s;
	PSECURITY_DESCRIPTOR sd = NULL;
	PSID group_sid = NULL;
	char *dir8 = NULL, *dir_sddl = NULL, *file_sddl = NULL, *text = NULL;
	int elevated = 0, exists = 0, version = 0, rc;

	*out = NULL;
	if ((rc = ctx_init(&c, opts)) != WSB_OK)
		return rc;
	if ((rc = wsb__plan_new(&plan, "win32-setup", NULL)) != WSB_OK)
		goto out;
	if (wsb__el_is_elevated(&elevated) != WSB_OK || !elevated)
		wsb__plan_note(plan, "not elevated: install will fail with WSB_ENOTELEVATED");
	if (open_fw(&c) != WSB_OK || wsb__fw_preflight(c.fw) != WSB_OK)
		wsb__plan_note(plan, "%s", wsb_error_message(NULL));
	wsb_error_clear();
	if ((rc = wsb__el_current_user_sid(&c.me)) != WSB_OK ||
			(rc = wsb__users_group_name(&c.users_group)) != WSB_OK ||
			(rc = wsb__secret_sd(&sd, NULL, c.me, 1)) != WSB_OK ||
			(rc = wsb__el_sd_sddl(&dir_sddl, sd)) != WSB_OK)
		goto out;
	wsb__free(sd);
	sd = NULL;
	if ((rc = wsb__el_narrow(&dir8, c.dir)) != WSB_OK ||
			(rc = plan_step(plan, &s, "state_folder",
				WSB_OS(GetFileAttributesW)(c.dir) != INVALID_FILE_ATTRIBUTES, dir8)) != WSB_OK ||
			(rc = wsb__plan_set(s, "sddl", dir_sddl)) != WSB_OK)
		goto out;
	if ((rc = wsb__group_exists(&exists, c.group)) != WSB_OK ||
			(rc = plan_step(plan, &s, "local_group", exists, c.group8)) != WSB_OK)
		goto out;
	/* The group's SID exists only once the group does. */
	if (!exists || wsb__el_account_sid(&group_sid, c.group) != WSB_OK ||
			wsb__secret_sd(&sd, group_sid, c.me, 0) != WSB_OK ||
			wsb__el_sd_sddl(&file_sddl, sd) != WSB_OK) {
		wsb__free(file_sddl);
		if (!(file_sddl = wsb__strdup("D:P(D;;FA;;;<sandbox group SID>)(A;;FA;;;<you>)(A;;FA;;;SY)(A;;FA;;;BA)"))) {
			rc = wsb__error_nomem();
			goto out;
		}
	}
	wsb_error_clear();
	if ((rc = plan_users(plan, &c, file_sddl)) != WSB_OK)
		goto out;
	if (group_sid) {
		wsb__strvec roots;
		char *sddl = NULL;
		size_t k;
		if ((rc = grant_roots(&roots, &sddl, group_sid)) != WSB_OK)
			goto out;
		for (k = 0; k < roots.count && rc == WSB_OK; k++) {
			int has = 0;
			if (wsb__acl_has(&has, roots.items[k], sddl) != WSB_OK)
				wsb_error_clear();
			if ((rc = plan_step(plan, &s, "read_grant", has, roots.items[k])) == WSB_OK)
				rc = wsb__plan_set(s, "sddl", sddl);
		}
		wsb__strvec_dispose(&roots);
		wsb__free(sddl);
	} else {
		rc = wsb__plan_note(plan, "read grants: an inherited read+execute ACE for the sandbox "
			"group on each folder directly in your profile, except secret folders and AppData");
	}
	if (rc != WSB_OK || (rc = plan_firewall(plan, &c)) != WSB_OK)
		goto out;
	if ((rc = record_read(&text, &version, &c)) != WSB_OK ||
			(rc = wsb__plan_add(plan, &s, "setup_record", version == WSB__SETUP_VERSION ? "keep" : "add",
				"record")) != WSB_OK ||
			(rc = wsb__plan_set_u64(s, "version", WSB__SETUP_VERSION)) != WSB_OK)
		goto out;
	wsb__plan_note(plan, "changes not yet made by this version: WFP filters (ICMP, DNS, SMB)");
	*out = plan;
	plan = NULL;
out:
	wsb_plan_free(plan);
	wsb__free(text);
	wsb__free(sd);
	wsb__free(group_sid);
	wsb__free(dir8);
	wsb__free(dir_sddl);
	wsb__free(file_sddl);
	ctx_dispose(&c);
	return rc;
}

/* ---- the account a sandboxed command runs as (lib/win32/asuser.c) ---- */

/* The record's allowed ports ("ports\t8080,3128"). */
static int record_ports(unsigned short *out, size_t *out_count, const char *text)
{
	char v[WSB__FW_PORTS_MAX * 6 + 2], *p = v, *end;

	*out_count = 0;
	if (record_value(v, sizeof(v), text, "ports") != 0)
		return wsb__error(WSB_ENOTSETUP, "the setup record is damaged (no ports line); run setup again");
	while (*p) {
		unsigned long n = strtoul(p, &end, 10);
		if (end == p || n == 0 || n > 65535 || *out_count == WSB__FW_PORTS_MAX || (*end && *end != ','))
			return wsb__error(WSB_ENOTSETUP, "the setup record is damaged (ports \"%s\"); run setup "
				"again", v);
		out[(*out_count)++] = (unsigned short)n;
		p = *end ? end + 1 : end;
	}
	return WSB_OK;
}

static int sid_of_account(char **out, const wchar_t *name, const char *what)
{
	PSID sid = NULL;
	int rc = wsb__el_account_sid(&sid, name);

	if (rc == WSB_ENOENT)
		rc = wsb__error(WSB_ENOTSETUP, "the sandbox %s does not exist any more; run setup again "
			"(elevated) to recreate it", what);
	if (rc == WSB_OK)
		rc = wsb__el_sid_string(out, sid);
	wsb__free(sid);
	return rc;
}

/* The firewall rules of the offline user, read back: *out 1 when all are
 * present and as setup wrote them; else 0 and *why says what is wrong. */
static int offline_firewall(int *out, char **why, wsb__sandbox_account *a, const char *text)
{
	wsb__fw_ruleset set = { NULL, 0 };
	wsb__fw *fw = NULL;
	int rc;

	*out = 0;
	*why = NULL;
	if ((rc = record_ports(a->ports, &a->port_count, text)) != WSB_OK)
		return rc;
	if ((rc = wsb__fw_rules_build(&set, a->user8, a->user_sid, a->ports, a->port_count)) != WSB_OK)
		return rc;
	if ((rc = wsb__fw_open(&fw)) == WSB_OK)
		rc = wsb__fw_verify(fw, &set);
	if (rc == WSB_OK) {
		*out = 1;
	} else if (rc != WSB_ENOMEM) {
		/* Not an error of this call: the caller decides whether a
		 * missing network protection is acceptable. */
		*why = wsb__strdup(wsb_error_message(NULL));
		wsb_error_clear();
		rc = *why ? WSB_OK : wsb__error_nomem();
	}
	wsb__fw_close(fw);
	wsb__fw_ruleset_dispose(&set);
	return rc;
}

int wsb__setup_account(wsb__sandbox_account *out, const char *state_dir, int online)
{
	wsb_setup_options opts = WSB_SETUP_OPTIONS_INIT;
	setup_ctx c;
	char *text = NULL, name[300], group[300];
	wchar_t *wgroup = NULL;
	int version = 0, exists = 0, rc, role = online ? ROLE_ONLINE : ROLE_OFFLINE;

	memset(out, 0, sizeof(*out));
	out->online = online;
	opts.state_dir = state_dir;
	if ((rc = ctx_init(&c, &opts)) != WSB_OK)
		return rc;
	if ((rc = record_read(&text, &version, &c)) != WSB_OK)
		goto out;
	if (!text) {
		rc = wsb__error(WSB_ENOTSETUP, "the elevated sandbox is not installed for the state "
			"directory %s: run wsb_setup_install() (wsb-setup install) as an administrator first",
			c.state8);
		goto out;
	}
	if (version != WSB__SETUP_VERSION) {
		rc = wsb__error(WSB_ENOTSETUP, "the elevated sandbox was installed by setup version %d, this "
			"library needs version %d: run setup again (elevated)", version, WSB__SETUP_VERSION);
		goto out;
	}
	if ((rc = journal_load(&c)) != WSB_OK)
		goto out;
	if (committed_end(&c) != c.entries.count) {
		rc = wsb__error(WSB_ENOTSETUP, "a setup run did not finish (the journal has uncommitted "
			"changes): run setup or uninstall again (elevated)");
		goto out;
	}
	if (record_value(name, sizeof(name), text, role_names[role]) != 0 ||
			record_value(group, sizeof(group), text, "group") != 0) {
		rc = wsb__error(WSB_ENOTSETUP, "the setup record is damaged; run setup again (elevated)");
		goto out;
	}
	if (!(out->user8 = wsb__strdup(name))) {
		rc = wsb__error_nomem();
		goto out;
	}
	if ((rc = wsb__el_wide(&out->user, name)) != WSB_OK || (rc = wsb__el_wide(&wgroup, group)) != WSB_OK)
		goto out;
	if ((rc = wsb__user_exists(&exists, out->user)) != WSB_OK)
		goto out;
	if (!exists) {
		rc = wsb__error(WSB_ENOTSETUP, "the sandbox user %s does not exist any more; run setup again "
			"(elevated) to recreate it", name);
		goto out;
	}
	if ((rc = sid_of_account(&out->user_sid, out->user, "user")) != WSB_OK ||
			(rc = sid_of_account(&out->group_sid, wgroup, "group")) != WSB_OK)
		goto out;
	if ((rc = wsb__secret_load(&out->password, c.secret[role])) != WSB_OK) {
		if (rc != WSB_ENOMEM)
			rc = wsb__error_os(WSB_ENOTSETUP, wsb_error_os(NULL), "the stored password of %s cannot "
				"be read (%s): run setup again (elevated) from the account that uses the sandbox; it "
				"stores a new one", name, wsb_error_message(NULL));
		goto out;
	}
	if (!online)
		rc = offline_firewall(&out->firewall, &out->firewall_why, out, text);
out:
	if (rc != WSB_OK)
		wsb__setup_account_dispose(out);
	wsb__free(wgroup);
	wsb__free(text);
	ctx_dispose(&c);
	return rc;
}

void wsb__setup_account_dispose(wsb__sandbox_account *a)
{
	if (!a)
		return;
	wsb__free(a->user8);
	wsb__free(a->user);
	wsb__free(a->user_sid);
	wsb__free(a->group_sid);
	wsb__secret_free(a->password);
	wsb__free(a->firewall_why);
	memset(a, 0, sizeof(*a));
}
