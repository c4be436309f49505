/* The simulated file system: inheritance, propagation, delete, rename,
 * streams, 8.3 names and reparse points, against the documented rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "model.h"

#define ALICE "S-1-5-21-1-2-3-1001"
#define CAP   "S-1-5-21-9-9-9-42"

typedef struct world {
	wm_fs *fs;
	wm_token user;     /* Alice, medium */
	wm_token box;      /* Alice, write-restricted to {CAP, Everyone} */
} world;

static int setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	wm_sd root;
	wm_sid a = wm_sid_of(ALICE), cap = wm_sid_of(CAP), wd = wm_sid_of(WM_SID_EVERYONE);

	assert_int_equal(wm_sd_from_sddl(&root, "O:SYD:(A;OICI;FA;;;SY)(A;OICI;FA;;;" ALICE ")(A;OICI;0x1200a9;;;WD)"), WM_OK);
	assert_int_equal(wm_fs_create(&w->fs, &root, 1), WM_OK);
	wm_sd_dispose(&root);
	wm_token_init(&w->user, &a);
	wm_token_add_group(&w->user, &wd, WM_SE_GROUP_ENABLED);
	wm_token_copy(&w->box, &w->user);
	wm_token_add_restricted(&w->box, &cap);
	wm_token_add_restricted(&w->box, &wd);
	w->box.write_restricted = 1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;

	wm_fs_free(w->fs);
	wm_token_dispose(&w->user);
	wm_token_dispose(&w->box);
	free(w);
	return 0;
}

static wm_sd sddl(const char *text)
{
	wm_sd sd;

	assert_int_equal(wm_sd_from_sddl(&sd, text), WM_OK);
	return sd;
}

/* Give CAP write on a folder, inheritable, as a writable root. */
static void make_root(world *w, const char *path)
{
	wm_sd sd = sddl("D:(A;OICI;0x1301bf;;;" CAP ")");

	if (!wm_fs_exists(w->fs, path))
		assert_int_equal(wm_fs_create_dir(w->fs, &w->user, path, NULL), WM_OK);
	assert_int_equal(wm_fs_set_sd(w->fs, &w->user, path, WM_DACL_SI, &sd), WM_OK);
	wm_sd_dispose(&sd);
}

static void oi_ci_io_inherit_into_file_and_dir(void **state)
{
	world *w = *state;
	wm_sd sd = sddl("D:(A;OI;0x1;;;S-1-5-21-7-7-7-1)(A;CI;0x2;;;S-1-5-21-7-7-7-2)"
		"(A;OICIIO;GA;;;CO)(A;OICINP;0x4;;;S-1-5-21-7-7-7-3)");
	const wm_sd *f, *d;

	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\p", NULL), WM_OK);
	assert_int_equal(wm_fs_set_sd(w->fs, &w->user, "C:\\p", WM_DACL_SI | WM_PROTECTED_DACL_SI, &sd), WM_OK);
	assert_int_equal(wm_fs_create_file(w->fs, NULL, "C:\\p\\f.txt", NULL), WM_OK);
	assert_int_equal(wm_fs_create_dir(w->fs, NULL, "C:\\p\\d", NULL), WM_OK);
	f = wm_fs_peek_sd(w->fs, "C:\\p\\f.txt", 0);
	d = wm_fs_peek_sd(w->fs, "C:\\p\\d", 0);
	/* file: OI ace, CREATOR OWNER as Alice with FILE_ALL_ACCESS, NP ace */
	assert_int_equal(f->dacl.count, 3);
	assert_int_equal(f->dacl.aces[0].flags, WM_ID);
	assert_int_equal(f->dacl.aces[0].mask, 0x1);
	assert_true(wm_sid_equal(&f->dacl.aces[1].sid, &w->user.user.sid));
	assert_int_equal(f->dacl.aces[1].mask, WM_FILE_ALL_ACCESS);
	assert_int_equal(f->dacl.aces[2].flags, WM_ID);
	/* dir: OI-only becomes inherit-only OI; CI stays CI; CO splits; NP loses flags */
	assert_int_equal(d->dacl.count, 5);
	assert_int_equal(d->dacl.aces[0].flags, WM_OI | WM_IO | WM_ID);
	assert_int_equal(d->dacl.aces[1].flags, WM_CI | WM_ID);
	assert_int_equal(d->dacl.aces[2].flags, WM_ID);
	assert_int_equal(d->dacl.aces[2].mask, WM_FILE_ALL_ACCESS);
	assert_int_equal(d->dacl.aces[3].flags, WM_OI | WM_CI | WM_IO | WM_ID);
	assert_int_equal(d->dacl.aces[3].mask, WM_GENERIC_ALL);
	assert_int_equal(d->dacl.aces[4].flags, WM_ID);
	wm_sd_dispose(&sd);
}

static void protected_dacl_blocks_inheritance(void **state)
{
	world *w = *state;
	wm_sd sd = sddl("D:P(A;;FA;;;" ALICE ")");

	assert_int_equal(wm_fs_create_file(w->fs, &w->user, "C:\\prot.txt", &sd), WM_OK);
	assert_int_equal(wm_fs_peek_sd(w->fs, "C:\\prot.txt", 0)->dacl.count, 1);
	assert_true(wm_fs_peek_sd(w->fs, "C:\\prot.txt", 0)->control & WM_SE_DACL_PROTECTED);
	wm_sd_dispose(&sd);
}

static void set_dacl_propagates_to_existing_children(void **state)
{
	world *w = *state;
	wm_sd prot = sddl("D:P(A;;FA;;;" ALICE ")");
	const wm_sd *deep;
	size_t i;
	int found = 0;

	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\w", NULL), WM_OK);
	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\w\\a", NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(w->fs, &w->user, "C:\\w\\a\\f", NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(w->fs, &w->user, "C:\\w\\a\\p", &prot), WM_OK);
	make_root(w, "C:\\w");
	deep = wm_fs_peek_sd(w->fs, "C:\\w\\a\\f", 0);
	for (i = 0; i < deep->dacl.count; i++)
		if (wm_sid_equal(&deep->dacl.aces[i].sid, &w->box.restricted[0]) && (deep->dacl.aces[i].flags & WM_ID))
			found = 1;
	assert_true(found);
	assert_int_equal(wm_fs_peek_sd(w->fs, "C:\\w\\a\\p", 0)->dacl.count, 1);
	assert_int_equal(wm_fs_write(w->fs, &w->box, "C:\\w\\a\\f", "x"), WM_OK);
	assert_int_equal(wm_fs_write(w->fs, &w->box, "C:\\w\\a\\p", "x"), WM_E_ACCESS);
	wm_sd_dispose(&prot);
}

static void write_restricted_token_confined_to_root(void **state)
{
	world *w = *state;

	make_root(w, "C:\\ws");
	assert_int_equal(wm_fs_create_file(w->fs, &w->user, "C:\\outside.txt", NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(w->fs, &w->box, "C:\\ws\\new.txt", NULL), WM_OK);
	assert_int_equal(wm_fs_write(w->fs, &w->box, "C:\\ws\\new.txt", "hi"), WM_OK);
	assert_int_equal(wm_fs_write(w->fs, &w->box, "C:\\outside.txt", "hi"), WM_E_ACCESS);
	assert_int_equal(wm_fs_create_file(w->fs, &w->box, "C:\\new.txt", NULL), WM_E_ACCESS);
	{
		const char *text;
		assert_int_equal(wm_fs_read(w->fs, &w->box, "C:\\outside.txt", &text), WM_OK);
	}
}

static void delete_child_on_parent_allows_delete(void **state)
{
	world *w = *state;
	wm_sd parent = sddl("D:P(A;;0x1200ef;;;" ALICE ")");   /* list, add, traverse, delete child */
	wm_sd child = sddl("D:P(A;;FR;;;" ALICE ")");
	wm_sd noparent = sddl("D:P(A;;0x1200af;;;" ALICE ")");

	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\dc", &parent), WM_OK);
	assert_int_equal(wm_fs_create_file(w->fs, NULL, "C:\\dc\\f", &child), WM_OK);
	assert_int_equal(wm_fs_delete(w->fs, &w->user, "C:\\dc\\f"), WM_OK);
	assert_int_equal(wm_fs_set_sd(w->fs, NULL, "C:\\dc", WM_DACL_SI | WM_PROTECTED_DACL_SI, &noparent), WM_OK);
	assert_int_equal(wm_fs_create_file(w->fs, NULL, "C:\\dc\\g", &child), WM_OK);
	assert_int_equal(wm_fs_delete(w->fs, &w->user, "C:\\dc\\g"), WM_E_ACCESS);
	wm_sd_dispose(&parent);
	wm_sd_dispose(&child);
	wm_sd_dispose(&noparent);
}

static void rename_needs_delete_and_add_on_target(void **state)
{
	world *w = *state;
	wm_sd ro = sddl("D:P(A;;0x1200a9;;;" ALICE ")");

	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\ro", &ro), WM_OK);
	assert_int_equal(wm_fs_create_file(w->fs, &w->user, "C:\\m.txt", NULL), WM_OK);
	assert_int_equal(wm_fs_rename(w->fs, &w->user, "C:\\m.txt", "C:\\ro\\m.txt", 0), WM_E_ACCESS);
	assert_int_equal(wm_fs_rename(w->fs, &w->user, "C:\\m.txt", "C:\\M2.TXT", 0), WM_OK);
	assert_true(wm_fs_exists(w->fs, "C:\\m2.txt"));
	assert_false(wm_fs_exists(w->fs, "C:\\m.txt"));
	wm_sd_dispose(&ro);
}

static void names_are_case_insensitive_and_trailing_dots_dropped(void **state)
{
	world *w = *state;

	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\Repo", NULL), WM_OK);
	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\repo\\.git", NULL), WM_OK);
	assert_true(wm_fs_exists(w->fs, "C:\\REPO\\.GIT"));
	assert_true(wm_fs_exists(w->fs, "c:/repo/.Git./"));
	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\repo\\.GiT", NULL), WM_E_EXISTS);
}

static void stream_shares_its_file_descriptor(void **state)
{
	world *w = *state;
	wm_sd ro = sddl("D:P(A;;FR;;;" ALICE ")");
	const char *text;

	assert_int_equal(wm_fs_create_file(w->fs, &w->user, "C:\\s.txt", NULL), WM_OK);
	assert_int_equal(wm_fs_write(w->fs, &w->user, "C:\\s.txt:ads", "hidden"), WM_OK);
	assert_int_equal(wm_fs_read(w->fs, &w->user, "C:\\s.txt:ads:$DATA", &text), WM_OK);
	assert_string_equal(text, "hidden");
	assert_int_equal(wm_fs_set_sd(w->fs, &w->user, "C:\\s.txt", WM_DACL_SI | WM_PROTECTED_DACL_SI, &ro), WM_OK);
	assert_int_equal(wm_fs_write(w->fs, &w->user, "C:\\s.txt:ads", "x"), WM_E_ACCESS);
	assert_int_equal(wm_fs_write(w->fs, &w->user, "C:\\s.txt:other", "x"), WM_E_ACCESS);
	wm_sd_dispose(&ro);
}

static void short_name_is_an_alias(void **state)
{
	world *w = *state;
	wm_sd deny = sddl("D:(D;OICI;0x110156;;;" CAP ")");
	const char *sn;
	char path[64];

	make_root(w, "C:\\r");
	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\r\\.git", NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(w->fs, &w->user, "C:\\r\\.git\\config", NULL), WM_OK);
	assert_int_equal(wm_fs_set_sd(w->fs, &w->user, "C:\\r\\.git", WM_DACL_SI, &deny), WM_OK);
	sn = wm_fs_short_name(w->fs, "C:\\r\\.git");
	assert_non_null(sn);
	assert_string_equal(sn, "GIT~1");
	snprintf(path, sizeof(path), "C:\\r\\%s\\config", sn);
	assert_int_equal(wm_fs_write(w->fs, &w->user, path, "x"), WM_OK);
	assert_int_equal(wm_fs_write(w->fs, &w->box, path, "x"), WM_E_ACCESS);
	wm_sd_dispose(&deny);
}

static void junction_is_followed_and_target_checked(void **state)
{
	world *w = *state;
	char real[128];

	make_root(w, "C:\\jr");
	assert_int_equal(wm_fs_create_dir(w->fs, &w->user, "C:\\secret", NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(w->fs, &w->user, "C:\\secret\\key", NULL), WM_OK);
	assert_int_equal(wm_fs_create_link(w->fs, &w->user, "C:\\jr\\link", WM_REPARSE_JUNCTION, "C:\\secret"), WM_OK);
	assert_int_equal(wm_fs_real_path(w->fs, "C:\\jr\\link\\key", real, sizeof(real)), WM_OK);
	assert_string_equal(real, "C:\\secret\\key");
	assert_int_equal(wm_fs_write(w->fs, &w->user, "C:\\jr\\link\\key", "x"), WM_OK);
	assert_int_equal(wm_fs_write(w->fs, &w->box, "C:\\jr\\link\\key", "x"), WM_E_ACCESS);
	assert_int_equal(wm_fs_create_file(w->fs, &w->box, "C:\\jr\\link\\new", NULL), WM_E_ACCESS);
	/* deleting the link removes the link, not the target */
	assert_int_equal(wm_fs_delete(w->fs, &w->box, "C:\\jr\\link"), WM_OK);
	assert_true(wm_fs_exists(w->fs, "C:\\secret\\key"));
}

static void symlink_loop_is_refused(void **state)
{
	world *w = *state;

	w->user.privileges |= WM_PRIV_CREATE_SYMLINK;
	assert_int_equal(wm_fs_create_link(w->fs, &w->user, "C:\\l1", WM_REPARSE_SYMLINK, "l2"), WM_OK);
	assert_int_equal(wm_fs_create_link(w->fs, &w->user, "C:\\l2", WM_REPARSE_SYMLINK, "l1"), WM_OK);
	assert_int_equal(wm_fs_write(w->fs, &w->user, "C:\\l1\\x", "x"), WM_E_LOOP);
}

static void low_integrity_creates_low_labelled_files(void **state)
{
	world *w = *state;
	wm_token low;

	wm_token_copy(&low, &w->user);
	low.integrity = WM_IL_LOW;
	assert_int_equal(wm_fs_create_file(w->fs, &w->user, "C:\\med.txt", NULL), WM_OK);
	assert_int_equal(wm_fs_write(w->fs, &low, "C:\\med.txt", "x"), WM_E_ACCESS);
	assert_int_equal(wm_fs_create_file(w->fs, &low, "C:\\lowfile.txt", NULL), WM_E_ACCESS);
	wm_token_dispose(&low);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(oi_ci_io_inherit_into_file_and_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(protected_dacl_blocks_inheritance, setup, teardown),
		cmocka_unit_test_setup_teardown(set_dacl_propagates_to_existing_children, setup, teardown),
		cmocka_unit_test_setup_teardown(write_restricted_token_confined_to_root, setup, teardown),
		cmocka_unit_test_setup_teardown(delete_child_on_parent_allows_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(rename_needs_delete_and_add_on_target, setup, teardown),
		cmocka_unit_test_setup_teardown(names_are_case_insensitive_and_trailing_dots_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_shares_its_file_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(short_name_is_an_alias, setup, teardown),
		cmocka_unit_test_setup_teardown(junction_is_followed_and_target_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(symlink_loop_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(low_integrity_creates_low_labelled_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
