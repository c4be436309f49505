/*
 * A simulated NTFS volume: a tree of files and directories, each with a
 * security descriptor, alternate data streams sharing their file's
 * descriptor, 8.3 aliases, junctions and symlinks.
 *
 * Sources: "ACE Inheritance Rules" and "Automatic Propagation of Inheritable
 * ACEs" (Win32 docs) for inheritance; MS-FSA 2.1.5.1 (open: DELETE granted
 * by FILE_DELETE_CHILD on the parent, FILE_READ_ATTRIBUTES by
 * FILE_LIST_DIRECTORY on the parent); "File Security and Access Rights";
 * "Naming Files, Paths, and Namespaces" (trailing dots and spaces dropped,
 * case-insensitive names, "file:stream:$DATA").
 */
#include "model.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOPS 31     /* reparse points followed in one path */
#define MAX_COMPS 256

typedef struct wm_stream {
	char *name;
	char *data;
} wm_stream;

struct wm_node {
	char *name;
	char short_name[16];
	int is_dir;
	wm_sd sd;
	wm_node *parent;
	wm_node **kids;
	size_t nkids;
	char *data;
	wm_stream *streams;
	size_t nstreams;
	int reparse;
	char *target;
};

struct wm_fs {
	wm_node *root;
	int gen_short;
	uint32_t wr_mask;  /* wm_check.write_restricted_mask for every check */
};

static char *dupstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p) memcpy(p, s, n);
	return p;
}

static int ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
	return *a == *b;
}

static void node_free(wm_node *n)
{
	size_t i;

	if (!n) return;
	for (i = 0; i < n->nkids; i++) node_free(n->kids[i]);
	for (i = 0; i < n->nstreams; i++) {
		free(n->streams[i].name);
		free(n->streams[i].data);
	}
	free(n->streams);
	free(n->kids);
	free(n->name);
	free(n->data);
	free(n->target);
	wm_sd_dispose(&n->sd);
	free(n);
}

int wm_fs_create(wm_fs **out, const wm_sd *root_sd, int gen_short_names)
{
	wm_fs *fs = calloc(1, sizeof(*fs));

	if (!fs) return WM_E_NOMEM;
	fs->gen_short = gen_short_names;
	fs->root = calloc(1, sizeof(*fs->root));
	if (!fs->root || !(fs->root->name = dupstr("C:")) || wm_sd_copy(&fs->root->sd, root_sd)) {
		wm_fs_free(fs);
		return WM_E_NOMEM;
	}
	fs->root->is_dir = 1;
	*out = fs;
	return WM_OK;
}

void wm_fs_free(wm_fs *fs)
{
	if (!fs) return;
	node_free(fs->root);
	free(fs);
}

/* ---- paths ---- */

typedef struct path {
	char buf[1024];
	char *comp[MAX_COMPS];
	size_t n;
	char *stream;     /* NULL, or the stream name ("" for "::$DATA") */
} path;

static int valid_name(const char *s)
{
	if (!*s) return 0;
	for (; *s; s++)
		if (strchr("\\/:*?\"<>|", *s) || (unsigned char)*s < 32) return 0;
	return 1;
}

/* Lexical Win32 normalization: drive prefix, separators, ".", "..",
 * trailing dots and spaces of each component (GetFullPathName does this,
 * so "C:\r\.git." is "C:\r\.git"). */
static int parse_path(path *p, const char *text)
{
	char *s, *tok, *colon;
	size_t len;

	memset(p, 0, sizeof(*p));
	if (strncmp(text, "\\\\?\\", 4) == 0) text += 4;
	if (!((text[0] == 'C' || text[0] == 'c') && text[1] == ':')) return WM_E_INVALID;
	text += 2;
	len = strlen(text);
	if (len >= sizeof(p->buf)) return WM_E_INVALID;
	memcpy(p->buf, text, len + 1);
	for (s = p->buf; *s; s++) if (*s == '/') *s = '\\';
	for (tok = strtok(p->buf, "\\"); tok; tok = strtok(NULL, "\\")) {
		size_t l = strlen(tok);
		if (strcmp(tok, ".") == 0) continue;
		if (strcmp(tok, "..") == 0) {
			if (p->n) p->n--;
			continue;
		}
		while (l && (tok[l - 1] == '.' || tok[l - 1] == ' ')) tok[--l] = 0;
		if (!l) return WM_E_INVALID;
		if (p->n == MAX_COMPS) return WM_E_INVALID;
		p->comp[p->n++] = tok;
	}
	if (p->n && (colon = strchr(p->comp[p->n - 1], ':'))) {
		char *type;
		*colon = 0;
		p->stream = colon + 1;
		type = strchr(p->stream, ':');
		if (type) {
			if (!ieq(type, ":$DATA")) return WM_E_INVALID;
			*type = 0;
		}
	}
	for (len = 0; len < p->n; len++)
		if (!valid_name(p->comp[len])) return WM_E_INVALID;
	if (p->stream && *p->stream && !valid_name(p->stream)) return WM_E_INVALID;
	return WM_OK;
}

static wm_node *find_kid(const wm_node *dir, const char *name)
{
	size_t i;

	for (i = 0; i < dir->nkids; i++) {
		wm_node *k = dir->kids[i];
		if (ieq(k->name, name) || (k->short_name[0] && ieq(k->short_name, name))) return k;
	}
	return NULL;
}

static int node_path(const wm_node *n, char *buf, size_t buflen)
{
	const wm_node *chain[MAX_COMPS];
	size_t depth = 0, off = 0;
	int w;

	for (; n; n = n->parent) {
		if (depth == MAX_COMPS) return WM_E_INVALID;
		chain[depth++] = n;
	}
	w = snprintf(buf, buflen, "C:");
	if (w < 0 || (size_t)w >= buflen) return WM_E_INVALID;
	off = (size_t)w;
	while (--depth > 0) {
		w = snprintf(buf + off, buflen - off, "\\%s", chain[depth - 1]->name);
		if (w < 0 || (size_t)w >= buflen - off) return WM_E_INVALID;
		off += (size_t)w;
	}
	if (off == 2 && buflen > 3) strcpy(buf + 2, "\\");
	return WM_OK;
}

typedef struct res {
	wm_node *node;     /* the object, or NULL if only the last name is missing */
	wm_node *parent;   /* its folder (NULL for the root) */
	char leaf[256];    /* last name (for creation) */
	char stream[256];
	int has_stream;
} res;

static int object_access(wm_fs *fs, const wm_token *t, wm_node *n, uint32_t desired,
	unsigned flags, uint32_t *granted);

/* Walk a path; reparse points are followed ("a reparse point in the path is
 * followed; access is checked on the target object"), the last one only
 * when follow_last. */
static int resolve_hops(wm_fs *fs, const wm_token *t, const char *text, int follow_last,
	res *out, int hops)
{
	path p;
	wm_node *cur = fs->root;
	size_t i;
	int rc;

	if ((rc = parse_path(&p, text))) return rc;
	memset(out, 0, sizeof(*out));
	if (p.stream) {
		if (strlen(p.stream) >= sizeof(out->stream)) return WM_E_INVALID;
		strcpy(out->stream, p.stream);
		out->has_stream = *p.stream != 0;
	}
	for (i = 0; i < p.n; i++) {
		int last = i + 1 == p.n;
		wm_node *k;

		if (!cur->is_dir) return WM_E_NOT_FOUND;
		/* Without SeChangeNotifyPrivilege every folder passed needs traverse. */
		if (t && !(t->privileges & WM_PRIV_CHANGE_NOTIFY)) {
			uint32_t g;
			if (object_access(fs, t, cur, WM_FILE_TRAVERSE, 0, &g)) return WM_E_ACCESS;
		}
		k = find_kid(cur, p.comp[i]);
		if (!k) {
			if (!last) return WM_E_NOT_FOUND;
			if (strlen(p.comp[i]) >= sizeof(out->leaf)) return WM_E_INVALID;
			strcpy(out->leaf, p.comp[i]);
			out->parent = cur;
			return WM_OK;
		}
		if (k->reparse && (!last || follow_last)) {
			char next[2048], base[1024];
			size_t j, off;

			if (hops >= MAX_HOPS) return WM_E_LOOP;
			if (k->target[0] && k->target[1] == ':') {
				snprintf(next, sizeof(next), "%s", k->target);
			} else {
				if (node_path(cur, base, sizeof(base))) return WM_E_INVALID;
				snprintf(next, sizeof(next), "%s\\%s", base, k->target);
			}
			off = strlen(next);
			for (j = i + 1; j < p.n; j++) {
				int w = snprintf(next + off, sizeof(next) - off, "\\%s", p.comp[j]);
				if (w < 0 || (size_t)w >= sizeof(next) - off) return WM_E_INVALID;
				off += (size_t)w;
			}
			if (p.stream) {
				int w = snprintf(next + off, sizeof(next) - off, ":%s", p.stream);
				if (w < 0 || (size_t)w >= sizeof(next) - off) return WM_E_INVALID;
			}
			return resolve_hops(fs, t, next, follow_last, out, hops + 1);
		}
		cur = k;
	}
	out->node = cur;
	out->parent = cur->parent;
	snprintf(out->leaf, sizeof(out->leaf), "%s", cur->name);
	return WM_OK;
}

static int resolve(wm_fs *fs, const wm_token *t, const char *text, int follow_last, res *out)
{
	return resolve_hops(fs, t, text, follow_last, out, 0);
}

static wm_stream *find_stream(wm_node *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->nstreams; i++)
		if (ieq(n->streams[i].name, name)) return &n->streams[i];
	return NULL;
}

/* Access to an object as NTFS grants it at open (MS-FSA 2.1.5.1.2.1):
 * the object's own SD, and for DELETE / FILE_READ_ATTRIBUTES the parent's
 * FILE_DELETE_CHILD / FILE_LIST_DIRECTORY when the object's SD refuses. */
static int object_access(wm_fs *fs, const wm_token *t, wm_node *n, uint32_t desired,
	unsigned flags, uint32_t *granted)
{
	wm_check c;
	uint32_t want = wm_map_generic(desired, &wm_file_mapping), g = 0, pg, extra = 0, rest;

	*granted = 0;
	if (!t) {
		*granted = want & ~WM_MAXIMUM_ALLOWED;
		return WM_OK;
	}
	memset(&c, 0, sizeof(c));
	c.backup_intent = (flags & WM_OPEN_BACKUP) != 0;
	c.write_restricted_mask = fs->wr_mask;
	if (n->parent) {
		if (wm_access_check(&pg, &n->parent->sd, t, WM_FILE_DELETE_CHILD, &c) == WM_OK)
			extra |= WM_DELETE;
		if (wm_access_check(&pg, &n->parent->sd, t, WM_FILE_LIST_DIRECTORY, &c) == WM_OK)
			extra |= WM_FILE_READ_ATTRIBUTES;
	}
	if (want & WM_MAXIMUM_ALLOWED) {
		if (wm_access_check(&g, &n->sd, t, WM_MAXIMUM_ALLOWED, &c) != WM_OK) g = 0;
		g |= extra;
		if (!g || (want & ~WM_MAXIMUM_ALLOWED & ~g)) return WM_E_ACCESS;
		*granted = g;
		return WM_OK;
	}
	/* What the parent supplies need not come from the object's own SD. */
	rest = want & ~extra;
	if (!want || (rest && wm_access_check(&g, &n->sd, t, rest, &c) != WM_OK)) return WM_E_ACCESS;
	*granted = want;
	return WM_OK;
}

/* ---- inheritance ---- */

/* The ACEs a new child gets from its parent's ACL ("ACE Inheritance Rules"):
 * files take OI ACEs; folders take CI ACEs as effective (and inheritable
 * unless NP) and OI-only ACEs as inherit-only. CREATOR OWNER/GROUP and
 * generic rights are resolved in the effective copy; an ACE that must stay
 * inheritable keeps an inherit-only original beside it. */
static int inherit_acl(wm_acl *out, const wm_acl *parent, int is_dir,
	const wm_sid *owner, const wm_sid *group)
{
	static wm_sid co, cg;
	size_t i;

	if (!co.revision) {
		co = wm_sid_of(WM_SID_CREATOR_OWNER);
		cg = wm_sid_of(WM_SID_CREATOR_GROUP);
	}
	for (i = 0; i < parent->count; i++) {
		const wm_ace *a = &parent->aces[i];
		uint8_t f = a->flags, nf;
		wm_sid sid = a->sid;
		uint32_t mask = a->mask;
		int subst = 0, rc;

		if (a->type != WM_ACE_ALLOWED && a->type != WM_ACE_DENIED && a->type != WM_ACE_MANDATORY_LABEL)
			continue;
		if (is_dir) {
			if (f & WM_CI) nf = (f & WM_NP) ? 0 : (uint8_t)(f & (WM_OI | WM_CI));
			else if ((f & WM_OI) && !(f & WM_NP)) nf = WM_OI | WM_IO;
			else continue;
		} else {
			if (!(f & WM_OI)) continue;
			nf = 0;
		}
		nf |= WM_ID;
		if (wm_sid_equal(&sid, &co)) { sid = *owner; subst = 1; }
		else if (wm_sid_equal(&sid, &cg)) { sid = *group; subst = 1; }
		if (a->type != WM_ACE_MANDATORY_LABEL) mask = wm_map_generic(mask, &wm_file_mapping);
		if (nf & WM_IO) {
			rc = wm_acl_add(out, a->type, nf, a->mask, &a->sid);
		} else if ((nf & (WM_OI | WM_CI)) && (subst || mask != a->mask)) {
			rc = wm_acl_add(out, a->type, WM_ID, mask, &sid);
			if (!rc) rc = wm_acl_add(out, a->type, (uint8_t)(nf | WM_IO), a->mask, &a->sid);
		} else {
			rc = wm_acl_add(out, a->type, nf, mask, &sid);
		}
		if (rc) return rc;
	}
	if (!out->revision) out->revision = 2;
	return WM_OK;
}

static int acl_null(const wm_sd *sd, int dacl)
{
	const wm_acl *a = dacl ? &sd->dacl : &sd->sacl;
	uint16_t present = dacl ? WM_SE_DACL_PRESENT : WM_SE_SACL_PRESENT;

	return !(sd->control & present) || (a->revision == 0 && a->count == 0);
}

/* explicit ACEs of given (inherited ones dropped) followed by inherited. */
static int merge_acl(wm_acl *out, const wm_acl *given, const wm_acl *inherited, int is_sacl_labels_only)
{
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->revision = 2;
	for (i = 0; given && i < given->count; i++) {
		const wm_ace *a = &given->aces[i];
		if (a->flags & WM_ID) continue;
		if (is_sacl_labels_only && a->type != WM_ACE_MANDATORY_LABEL) continue;
		if ((rc = wm_acl_add(out, a->type, a->flags, a->mask, &a->sid))) goto fail;
	}
	for (i = 0; inherited && i < inherited->count; i++) {
		const wm_ace *a = &inherited->aces[i];
		if ((rc = wm_acl_add(out, a->type, a->flags, a->mask, &a->sid))) goto fail;
	}
	return WM_OK;
fail:
	wm_acl_dispose(out);
	return rc;
}

/* The SD of an object created under parent (CreateFile/CreateDirectory with
 * optional SECURITY_ATTRIBUTES). */
static int new_sd(wm_sd *out, const wm_node *parent, int is_dir, const wm_sd *given, const wm_token *t)
{
	wm_sd sd;
	wm_acl inh;
	int rc;

	wm_sd_init(&sd);
	memset(&inh, 0, sizeof(inh));
	sd.has_owner = sd.has_group = 1;
	sd.owner = given && given->has_owner ? given->owner : t ? t->owner : parent->sd.owner;
	sd.group = given && given->has_group ? given->group : t ? t->primary_group : parent->sd.group;

	sd.control |= WM_SE_DACL_PRESENT;
	if (!acl_null(&parent->sd, 1) && (rc = inherit_acl(&inh, &parent->sd.dacl, is_dir, &sd.owner, &sd.group)))
		goto fail;
	if (given && (given->control & WM_SE_DACL_PRESENT)) {
		if (acl_null(given, 1)) {
			/* a NULL DACL asked for explicitly */
		} else if (given->control & WM_SE_DACL_PROTECTED) {
			sd.control |= WM_SE_DACL_PROTECTED;
			if ((rc = merge_acl(&sd.dacl, &given->dacl, NULL, 0))) goto fail;
		} else {
			sd.control |= WM_SE_DACL_AUTO_INHERITED;
			if ((rc = merge_acl(&sd.dacl, &given->dacl, &inh, 0))) goto fail;
		}
	} else if (inh.count || !t || !t->has_default_dacl) {
		sd.control |= WM_SE_DACL_AUTO_INHERITED;
		if ((rc = merge_acl(&sd.dacl, NULL, &inh, 0))) goto fail;
	} else {
		/* Nothing to inherit: the token's default DACL. */
		if ((rc = wm_acl_copy(&sd.dacl, &t->default_dacl))) goto fail;
		if (!sd.dacl.revision) sd.dacl.revision = 2;
	}
	wm_acl_dispose(&inh);

	/* Labels: inherited ones, given ones, and a low token's own level. */
	if (!acl_null(&parent->sd, 0) && (rc = inherit_acl(&inh, &parent->sd.sacl, is_dir, &sd.owner, &sd.group)))
		goto fail;
	if ((rc = merge_acl(&sd.sacl, given && (given->control & WM_SE_SACL_PRESENT) ? &given->sacl : NULL, &inh, 0)))
		goto fail;
	wm_acl_dispose(&inh);
	if (t && t->integrity < WM_IL_MEDIUM && wm_sd_integrity(&sd, NULL) > t->integrity) {
		wm_sid lbl = wm_sid_of("S-1-16-0");
		lbl.sub[0] = t->integrity;
		if ((rc = wm_acl_add(&sd.sacl, WM_ACE_MANDATORY_LABEL, 0, WM_NO_WRITE_UP, &lbl))) goto fail;
	}
	if (sd.sacl.count) sd.control |= WM_SE_SACL_PRESENT | WM_SE_SACL_AUTO_INHERITED;
	else wm_acl_dispose(&sd.sacl);
	*out = sd;
	return WM_OK;
fail:
	wm_acl_dispose(&inh);
	wm_sd_dispose(&sd);
	return rc;
}

/* ---- 8.3 names ---- */

static int is_83(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t base = dot ? (size_t)(dot - name) : strlen(name);
	const char *s;

	if (base == 0 || base > 8 || (dot && strlen(dot + 1) > 3)) return 0;
	for (s = name; *s; s++) {
		if (s == dot) continue;
		if (!isalnum((unsigned char)*s) && !strchr("_-~!#$%&'(){}^@`", *s)) return 0;
	}
	return 1;
}

static void gen_short(const wm_node *dir, const wm_node *self, const char *name, char *out)
{
	char base[7] = "", ext[4] = "";
	const char *s = name, *dot;
	size_t nb = 0, ne = 0;
	int i;

	while (*s == '.') s++;
	dot = strrchr(s, '.');
	for (; *s && s != dot && nb < 6; s++)
		if (isalnum((unsigned char)*s)) base[nb++] = (char)toupper((unsigned char)*s);
	base[nb] = 0;
	if (dot)
		for (s = dot + 1; *s && ne < 3; s++)
			if (isalnum((unsigned char)*s)) ext[ne++] = (char)toupper((unsigned char)*s);
	ext[ne] = 0;
	for (i = 1; i < 10000; i++) {
		wm_node *k;
		snprintf(out, 16, "%s~%d%s%s", nb ? base : "X", i, ne ? "." : "", ext);
		k = find_kid(dir, out);
		if (!k || k == self) return;
	}
}

static void set_short(wm_fs *fs, wm_node *dir, wm_node *n)
{
	n->short_name[0] = 0;
	if (fs->gen_short && !is_83(n->name)) gen_short(dir, n, n->name, n->short_name);
}

static int attach(wm_node *dir, wm_node *n)
{
	wm_node **k = realloc(dir->kids, (dir->nkids + 1) * sizeof(*k));

	if (!k) return WM_E_NOMEM;
	dir->kids = k;
	k[dir->nkids++] = n;
	n->parent = dir;
	return WM_OK;
}

static void detach(wm_node *n)
{
	wm_node *dir = n->parent;
	size_t i;

	for (i = 0; i < dir->nkids; i++) {
		if (dir->kids[i] == n) {
			memmove(&dir->kids[i], &dir->kids[i + 1], (dir->nkids - i - 1) * sizeof(*dir->kids));
			dir->nkids--;
			break;
		}
	}
	n->parent = NULL;
}

/* ---- operations ---- */

int wm_fs_open(wm_fs *fs, const wm_token *t, const char *path, uint32_t desired,
	unsigned flags, uint32_t *granted)
{
	res r;
	int rc;

	*granted = 0;
	if ((rc = resolve(fs, t, path, !(flags & WM_OPEN_REPARSE_POINT), &r))) return rc;
	if (!r.node) return WM_E_NOT_FOUND;
	if (r.has_stream && !find_stream(r.node, r.stream)) return WM_E_NOT_FOUND;
	return object_access(fs, t, r.node, desired, flags, granted);
}

static int stream_add(wm_node *n, const char *name)
{
	wm_stream *s = realloc(n->streams, (n->nstreams + 1) * sizeof(*s));

	if (!s) return WM_E_NOMEM;
	n->streams = s;
	s[n->nstreams].data = NULL;
	if (!(s[n->nstreams].name = dupstr(name))) return WM_E_NOMEM;
	n->nstreams++;
	return WM_OK;
}

static int create_node(wm_fs *fs, const wm_token *t, const char *path, int is_dir,
	const wm_sd *given, wm_node **out)
{
	res r;
	uint32_t g;
	wm_node *n;
	int rc;

	if ((rc = resolve(fs, t, path, 1, &r))) return rc;
	if (r.has_stream) {
		/* A new stream on an existing file: write access to that file. */
		if (!r.node || is_dir || r.node->is_dir) return r.node ? WM_E_INVALID : WM_E_NOT_FOUND;
		if (find_stream(r.node, r.stream)) return WM_E_EXISTS;
		if ((rc = object_access(fs, t, r.node, WM_FILE_WRITE_DATA, 0, &g))) return rc;
		if (out) *out = NULL;
		return stream_add(r.node, r.stream);
	}
	if (r.node) return WM_E_EXISTS;
	if ((rc = object_access(fs, t, r.parent, is_dir ? WM_FILE_ADD_SUBDIRECTORY : WM_FILE_ADD_FILE, 0, &g)))
		return rc;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->name = dupstr(r.leaf))) {
		free(n);
		return WM_E_NOMEM;
	}
	n->is_dir = is_dir;
	if ((rc = new_sd(&n->sd, r.parent, is_dir, given, t)) || (rc = attach(r.parent, n))) {
		node_free(n);
		return rc;
	}
	set_short(fs, r.parent, n);
	if (out) *out = n;
	return WM_OK;
}

int wm_fs_create_file(wm_fs *fs, const wm_token *t, const char *path, const wm_sd *sd)
{
	return create_node(fs, t, path, 0, sd, NULL);
}

int wm_fs_create_dir(wm_fs *fs, const wm_token *t, const char *path, const wm_sd *sd)
{
	return create_node(fs, t, path, 1, sd, NULL);
}

int wm_fs_create_link(wm_fs *fs, const wm_token *t, const char *path, int kind, const char *target)
{
	wm_node *n;
	int rc;

	if (kind != WM_REPARSE_JUNCTION && kind != WM_REPARSE_SYMLINK) return WM_E_INVALID;
	/* Junction targets are absolute; symlinks need the privilege. */
	if (kind == WM_REPARSE_JUNCTION && !(target[0] && target[1] == ':')) return WM_E_INVALID;
	if (kind == WM_REPARSE_SYMLINK && t && !(t->privileges & WM_PRIV_CREATE_SYMLINK)) return WM_E_ACCESS;
	if ((rc = create_node(fs, t, path, 1, NULL, &n))) return rc;
	if (!n) return WM_E_INVALID;
	n->reparse = kind;
	if (!(n->target = dupstr(target))) {
		detach(n);
		node_free(n);
		return WM_E_NOMEM;
	}
	return WM_OK;
}

int wm_fs_write(wm_fs *fs, const wm_token *t, const char *path, const char *data)
{
	res r;
	uint32_t g;
	char *copy, **slot;
	wm_stream *s;
	int rc;

	if ((rc = resolve(fs, t, path, 1, &r))) return rc;
	if (!r.node) return WM_E_NOT_FOUND;
	if (r.node->is_dir && !r.has_stream) return WM_E_ACCESS;
	if ((rc = object_access(fs, t, r.node, WM_FILE_WRITE_DATA, 0, &g))) return rc;
	if (!(copy = dupstr(data))) return WM_E_NOMEM;
	if (r.has_stream) {
		if (!(s = find_stream(r.node, r.stream))) {
			if ((rc = stream_add(r.node, r.stream))) {
				free(copy);
				return rc;
			}
			s = &r.node->streams[r.node->nstreams - 1];
		}
		slot = &s->data;
	} else {
		slot = &r.node->data;
	}
	free(*slot);
	*slot = copy;
	return WM_OK;
}

int wm_fs_read(wm_fs *fs, const wm_token *t, const char *path, const char **out)
{
	res r;
	uint32_t g;
	wm_stream *s = NULL;
	int rc;

	if ((rc = resolve(fs, t, path, 1, &r))) return rc;
	if (!r.node) return WM_E_NOT_FOUND;
	if (r.has_stream && !(s = find_stream(r.node, r.stream))) return WM_E_NOT_FOUND;
	if ((rc = object_access(fs, t, r.node, WM_FILE_READ_DATA, 0, &g))) return rc;
	*out = s ? (s->data ? s->data : "") : (r.node->data ? r.node->data : "");
	return WM_OK;
}

int wm_fs_delete(wm_fs *fs, const wm_token *t, const char *path)
{
	res r;
	uint32_t g;
	int rc;

	if ((rc = resolve(fs, t, path, 0, &r))) return rc;
	if (!r.node) return WM_E_NOT_FOUND;
	if (!r.parent) return WM_E_ACCESS;
	if (r.has_stream) {
		wm_stream *s = find_stream(r.node, r.stream);
		if (!s) return WM_E_NOT_FOUND;
		if ((rc = object_access(fs, t, r.node, WM_DELETE, 0, &g))) return rc;
		free(s->name);
		free(s->data);
		*s = r.node->streams[--r.node->nstreams];
		return WM_OK;
	}
	if ((rc = object_access(fs, t, r.node, WM_DELETE, 0, &g))) return rc;
	if (r.node->nkids) return WM_E_NOT_EMPTY;
	detach(r.node);
	node_free(r.node);
	return WM_OK;
}

int wm_fs_rename(wm_fs *fs, const wm_token *t, const char *from, const char *to, int replace)
{
	res rs, rd;
	uint32_t g;
	wm_node *p;
	char *name;
	int rc;

	if ((rc = resolve(fs, t, from, 0, &rs))) return rc;
	if (!rs.node) return WM_E_NOT_FOUND;
	if (!rs.parent || rs.has_stream) return WM_E_INVALID;
	if ((rc = resolve(fs, t, to, 0, &rd))) return rc;
	if (rd.has_stream) return WM_E_INVALID;
	if (!rd.parent) return WM_E_ACCESS;
	for (p = rd.parent; p; p = p->parent)
		if (p == rs.node) return WM_E_INVALID;   /* into its own subtree */
	if ((rc = object_access(fs, t, rs.node, WM_DELETE, 0, &g))) return rc;
	if (rd.node && rd.node != rs.node) {
		if (!replace) return WM_E_EXISTS;
		if (rd.node->is_dir) return WM_E_ACCESS;
		if ((rc = object_access(fs, t, rd.node, WM_DELETE, 0, &g))) return rc;
	}
	if ((rc = object_access(fs, t, rd.parent, rs.node->is_dir ? WM_FILE_ADD_SUBDIRECTORY : WM_FILE_ADD_FILE, 0, &g)))
		return rc;
	if (!(name = dupstr(rd.leaf))) return WM_E_NOMEM;
	if (rd.node && rd.node != rs.node) {
		detach(rd.node);
		node_free(rd.node);
	}
	detach(rs.node);
	if (attach(rd.parent, rs.node)) {
		/* the old folder's array still has the slot just freed */
		free(name);
		attach(rs.parent, rs.node);
		return WM_E_NOMEM;
	}
	free(rs.node->name);
	rs.node->name = name;
	set_short(fs, rd.parent, rs.node);
	return WM_OK;
}

/* ---- security descriptors by name ---- */

static int sd_parts(wm_sd *out, const wm_sd *in, uint32_t si)
{
	wm_sd sd;
	size_t i;
	int rc;

	wm_sd_init(&sd);
	if (si & WM_OWNER_SI) { sd.has_owner = in->has_owner; sd.owner = in->owner; }
	if (si & WM_GROUP_SI) { sd.has_group = in->has_group; sd.group = in->group; }
	if (si & WM_DACL_SI) {
		sd.control |= in->control & (WM_SE_DACL_PRESENT | WM_SE_DACL_PROTECTED | WM_SE_DACL_AUTO_INHERITED);
		if ((rc = wm_acl_copy(&sd.dacl, &in->dacl))) return rc;
	}
	if (si & (WM_SACL_SI | WM_LABEL_SI)) {
		sd.control |= in->control & (WM_SE_SACL_PRESENT | WM_SE_SACL_PROTECTED | WM_SE_SACL_AUTO_INHERITED);
		sd.sacl.revision = in->sacl.revision;
		for (i = 0; i < in->sacl.count; i++) {
			const wm_ace *a = &in->sacl.aces[i];
			int label = a->type == WM_ACE_MANDATORY_LABEL;
			if ((label && !(si & WM_LABEL_SI)) || (!label && !(si & WM_SACL_SI))) continue;
			if ((rc = wm_acl_add(&sd.sacl, a->type, a->flags, a->mask, &a->sid))) {
				wm_sd_dispose(&sd);
				return rc;
			}
		}
	}
	*out = sd;
	return WM_OK;
}

int wm_fs_get_sd(wm_fs *fs, const wm_token *t, const char *path, uint32_t si, wm_sd *out)
{
	res r;
	uint32_t g, need = 0;
	int rc;

	if ((rc = resolve(fs, t, path, 1, &r))) return rc;
	if (!r.node) return WM_E_NOT_FOUND;
	if (si & (WM_OWNER_SI | WM_GROUP_SI | WM_DACL_SI | WM_LABEL_SI)) need |= WM_READ_CONTROL;
	if (si & WM_SACL_SI) need |= WM_ACCESS_SYSTEM_SECURITY;
	if (need && (rc = object_access(fs, t, r.node, need, 0, &g))) return rc;
	return sd_parts(out, &r.node->sd, si);
}

static int has_owner_sid(const wm_token *t, const wm_sid *s)
{
	size_t i;

	if (wm_sid_equal(&t->user.sid, s)) return 1;
	for (i = 0; i < t->group_count; i++)
		if ((t->groups[i].attrs & WM_SE_GROUP_OWNER) && wm_sid_equal(&t->groups[i].sid, s)) return 1;
	return 0;
}

/* Re-derive the inherited part of every unprotected descendant's DACL. */
static int propagate(wm_node *dir)
{
	size_t i;
	int rc;

	for (i = 0; i < dir->nkids; i++) {
		wm_node *k = dir->kids[i];
		wm_acl inh, merged;

		if (k->sd.control & WM_SE_DACL_PROTECTED) continue;
		if (acl_null(&k->sd, 1) && (k->sd.control & WM_SE_DACL_PRESENT)) continue;
		memset(&inh, 0, sizeof(inh));
		if (!acl_null(&dir->sd, 1)
			&& (rc = inherit_acl(&inh, &dir->sd.dacl, k->is_dir, &k->sd.owner, &k->sd.group)))
			return rc;
		rc = merge_acl(&merged, &k->sd.dacl, &inh, 0);
		wm_acl_dispose(&inh);
		if (rc) return rc;
		wm_acl_dispose(&k->sd.dacl);
		k->sd.dacl = merged;
		k->sd.control |= WM_SE_DACL_PRESENT | WM_SE_DACL_AUTO_INHERITED;
		if (k->is_dir && !k->reparse && (rc = propagate(k))) return rc;
	}
	return WM_OK;
}

int wm_fs_set_sd(wm_fs *fs, const wm_token *t, const char *path, uint32_t si, const wm_sd *sd)
{
	res r;
	uint32_t g, need = 0;
	wm_node *n;
	wm_sd next;
	int rc;

	if ((rc = resolve(fs, t, path, 1, &r))) return rc;
	if (!(n = r.node)) return WM_E_NOT_FOUND;
	if (si & (WM_OWNER_SI | WM_GROUP_SI | WM_LABEL_SI)) need |= WM_WRITE_OWNER;
	if (si & WM_DACL_SI) need |= WM_WRITE_DAC;
	if (si & WM_SACL_SI) need |= WM_ACCESS_SYSTEM_SECURITY;
	if (need && (rc = object_access(fs, t, n, need, 0, &g))) return rc;
	if ((si & WM_OWNER_SI) && (!sd->has_owner
		|| (t && !has_owner_sid(t, &sd->owner) && !(t->privileges & WM_PRIV_RESTORE))))
		return WM_E_INVALID;   /* ERROR_INVALID_OWNER */
	if ((si & WM_GROUP_SI) && !sd->has_group) return WM_E_INVALID;
	if ((rc = wm_sd_copy(&next, &n->sd))) return rc;
	if (si & WM_OWNER_SI) next.owner = sd->owner;
	if (si & WM_GROUP_SI) next.group = sd->group;
	if (si & WM_DACL_SI) {
		int prot = (si & WM_PROTECTED_DACL_SI) ? 1 : (si & WM_UNPROTECTED_DACL_SI) ? 0
			: (n->sd.control & WM_SE_DACL_PROTECTED) != 0;
		wm_acl inh;

		memset(&inh, 0, sizeof(inh));
		wm_acl_dispose(&next.dacl);
		next.control &= (uint16_t)~(WM_SE_DACL_PROTECTED | WM_SE_DACL_AUTO_INHERITED);
		next.control |= WM_SE_DACL_PRESENT;
		if (acl_null(sd, 1)) {
			/* NULL DACL stays NULL (everyone gets everything) */
		} else {
			if (!prot && n->parent && !acl_null(&n->parent->sd, 1)
				&& (rc = inherit_acl(&inh, &n->parent->sd.dacl, n->is_dir, &next.owner, &next.group)))
				goto fail;
			rc = merge_acl(&next.dacl, &sd->dacl, &inh, 0);
			wm_acl_dispose(&inh);
			if (rc) goto fail;
			next.control |= prot ? WM_SE_DACL_PROTECTED : WM_SE_DACL_AUTO_INHERITED;
		}
	}
	if (si & (WM_SACL_SI | WM_LABEL_SI)) {
		wm_acl keep;
		size_t i;

		memset(&keep, 0, sizeof(keep));
		/* keep the SACL ACEs of the kind not being replaced */
		for (i = 0; i < next.sacl.count; i++) {
			const wm_ace *a = &next.sacl.aces[i];
			int label = a->type == WM_ACE_MANDATORY_LABEL;
			if ((label && (si & WM_LABEL_SI)) || (!label && (si & WM_SACL_SI))) continue;
			if ((rc = wm_acl_add(&keep, a->type, a->flags, a->mask, &a->sid))) goto fail;
		}
		for (i = 0; i < sd->sacl.count; i++) {
			const wm_ace *a = &sd->sacl.aces[i];
			int label = a->type == WM_ACE_MANDATORY_LABEL;
			if ((label && !(si & WM_LABEL_SI)) || (!label && !(si & WM_SACL_SI))) continue;
			if ((rc = wm_acl_add(&keep, a->type, a->flags, a->mask, &a->sid))) {
				wm_acl_dispose(&keep);
				goto fail;
			}
		}
		wm_acl_dispose(&next.sacl);
		next.sacl = keep;
		if (keep.count) next.control |= WM_SE_SACL_PRESENT;
	}
	wm_sd_dispose(&n->sd);
	n->sd = next;
	if ((si & WM_DACL_SI) && n->is_dir && !n->reparse) return propagate(n);
	return WM_OK;
fail:
	wm_sd_dispose(&next);
	return rc;
}

const wm_sd *wm_fs_peek_sd(wm_fs *fs, const char *path, unsigned flags)
{
	res r;

	if (resolve(fs, NULL, path, !(flags & WM_OPEN_REPARSE_POINT), &r) || !r.node) return NULL;
	return &r.node->sd;
}

int wm_fs_exists(wm_fs *fs, const char *path)
{
	res r;

	if (resolve(fs, NULL, path, 1, &r) || !r.node) return 0;
	return !r.has_stream || find_stream(r.node, r.stream) != NULL;
}

const char *wm_fs_short_name(wm_fs *fs, const char *path)
{
	res r;

	if (resolve(fs, NULL, path, 0, &r) || !r.node || !r.node->short_name[0]) return NULL;
	return r.node->short_name;
}

int wm_fs_set_short_name(wm_fs *fs, const char *path, const char *short_name)
{
	res r;
	wm_node *other;
	int rc;

	if ((rc = resolve(fs, NULL, path, 0, &r))) return rc;
	if (!r.node || !r.parent) return WM_E_NOT_FOUND;
	if (strlen(short_name) >= sizeof(r.node->short_name) || !is_83(short_name)) return WM_E_INVALID;
	other = find_kid(r.parent, short_name);
	if (other && other != r.node) return WM_E_EXISTS;
	strcpy(r.node->short_name, short_name);
	return WM_OK;
}

int wm_fs_real_path(wm_fs *fs, const char *path, char *buf, size_t buflen)
{
	res r;
	int rc;

	if ((rc = resolve(fs, NULL, path, 1, &r))) return rc;
	if (!r.node) return WM_E_NOT_FOUND;
	return node_path(r.node, buf, buflen);
}

void wm_fs_set_write_restricted_mask(wm_fs *fs, uint32_t mask)
{
	fs->wr_mask = mask;
}

int wm_fs_kind(wm_fs *fs, const char *path, unsigned flags)
{
	res r;
	int rc;

	if ((rc = resolve(fs, NULL, path, !(flags & WM_OPEN_REPARSE_POINT), &r))) return rc;
	if (!r.node) return WM_E_NOT_FOUND;
	if (r.has_stream) return find_stream(r.node, r.stream) ? WM_KIND_FILE : WM_E_NOT_FOUND;
	if (r.node->reparse) return WM_KIND_LINK;
	return r.node->is_dir ? WM_KIND_DIR : WM_KIND_FILE;
}

int wm_fs_list(wm_fs *fs, const wm_token *t, const char *path, char ***names, size_t *count)
{
	res r;
	uint32_t g;
	size_t i;
	char **v;
	int rc;

	*names = NULL;
	*count = 0;
	if ((rc = resolve(fs, t, path, 1, &r))) return rc;
	if (!r.node || r.has_stream) return WM_E_NOT_FOUND;
	if (!r.node->is_dir) return WM_E_INVALID;
	if ((rc = object_access(fs, t, r.node, WM_FILE_LIST_DIRECTORY, 0, &g))) return rc;
	if (!(v = calloc(r.node->nkids + 1, sizeof(*v)))) return WM_E_NOMEM;
	for (i = 0; i < r.node->nkids; i++) {
		if (!(v[i] = dupstr(r.node->kids[i]->name))) {
			wm_fs_list_free(v, i);
			return WM_E_NOMEM;
		}
	}
	*names = v;
	*count = r.node->nkids;
	return WM_OK;
}

void wm_fs_list_free(char **names, size_t count)
{
	size_t i;

	if (!names) return;
	for (i = 0; i < count; i++) free(names[i]);
	free(names);
}
