/*
 * test_utmp.c - the daemon's utmp/wtmp records (telnetd/utmp.c), on files
 * of the test's own: which slot a record takes (the same ut_id, else the
 * first empty or dead slot, else the end), the DEAD record into the
 * line's live record (found by the slot hint or by a search), torn
 * records at the end, and the "is a user on this line" check.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utmpx.h>

#include <cmocka.h>

#include "telnetd.h"

#define REC	((off_t)sizeof(struct utmpx))

struct files {
	char dir[64];
	char utmp[96];
	char wtmp[96];
};

static int
setup(void **state)
{
	struct files *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_utmp.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->utmp, sizeof(f->utmp), "%s/utmp", f->dir);
	snprintf(f->wtmp, sizeof(f->wtmp), "%s/wtmp", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct files *f = *state;

	unlink(f->utmp);
	unlink(f->wtmp);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A file of n records (or the given bytes); NULL recs: empty records. */
static void
write_file(const char *path, const struct utmpx *recs, size_t n,
    size_t extra)
{
	static const char torn[sizeof(struct utmpx)];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	if (n > 0)
		assert_int_equal(write(fd, recs, n * sizeof(*recs)),
		    (ssize_t)(n * sizeof(*recs)));
	if (extra > 0)
		assert_int_equal(write(fd, torn, extra), (ssize_t)extra);
	close(fd);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* The record at index i. */
static struct utmpx
rec_at(const char *path, off_t i)
{
	struct utmpx u;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &u, sizeof(u), i * REC),
	    (ssize_t)sizeof(u));
	close(fd);
	return u;
}

static struct utmpx
mk(short type, pid_t pid, const char *line, const char *id)
{
	struct utmpx u;

	memset(&u, 0, sizeof(u));
	u.ut_type = type;
	u.ut_pid = pid;
	strncpy(u.ut_line, line, sizeof(u.ut_line));
	strncpy(u.ut_id, id, sizeof(u.ut_id));
	return u;
}

static void
test_login_logout_empty_files(void **state)
{
	struct files *f = *state;
	struct utmpx u;
	off_t slot;

	write_file(f->utmp, NULL, 0, 0);
	write_file(f->wtmp, NULL, 0, 0);
	assert_int_equal(utmp_login_files(f->utmp, f->wtmp, 100, "pts/3",
	    "192.0.2.1", &slot), 0);
	assert_int_equal(slot, 0);
	u = rec_at(f->utmp, 0);
	assert_int_equal(u.ut_type, LOGIN_PROCESS);
	assert_int_equal(u.ut_pid, 100);
	assert_string_equal(u.ut_line, "pts/3");
	assert_memory_equal(u.ut_id, "ts/3", 4);
	assert_string_equal(u.ut_user, "LOGIN");
	assert_string_equal(u.ut_host, "192.0.2.1");
	assert_true(u.ut_tv.tv_sec > 0);
	assert_int_equal(utmp_user_on_file(f->utmp, "pts/3", 100), 0);

	/* login turns it into USER_PROCESS in place, with an id of its
	 * own: the DEAD record keeps that id. */
	u.ut_type = USER_PROCESS;
	memcpy(u.ut_id, "/3\0\0", 4);
	write_file(f->utmp, &u, 1, 0);
	assert_int_equal(utmp_user_on_file(f->utmp, "pts/3", 100), 1);
	assert_int_equal(utmp_user_on_file(f->utmp, "pts/3", 0), 1);
	assert_int_equal(utmp_user_on_file(f->utmp, "pts/4", 100), 0);
	/* Somebody else's record on the line does not say our login
	 * succeeded. */
	assert_int_equal(utmp_user_on_file(f->utmp, "pts/3", 101), 0);
	assert_int_equal(utmp_logout_files(f->utmp, f->wtmp, 100, "pts/3",
	    slot), 0);
	u = rec_at(f->utmp, 0);
	assert_int_equal(u.ut_type, DEAD_PROCESS);
	assert_memory_equal(u.ut_id, "/3\0\0", 4);
	assert_string_equal(u.ut_user, "");
	assert_int_equal(file_size(f->utmp), REC);
	assert_int_equal(utmp_user_on_file(f->utmp, "pts/3", 100), 0);

	/* wtmp: LOGIN then DEAD, appended. */
	assert_int_equal(file_size(f->wtmp), 2 * REC);
	assert_int_equal(rec_at(f->wtmp, 0).ut_type, LOGIN_PROCESS);
	assert_int_equal(rec_at(f->wtmp, 1).ut_type, DEAD_PROCESS);
}

static void
test_slot_choice(void **state)
{
	struct files *f = *state;
	struct utmpx r[4];
	off_t slot;

	r[0] = mk(USER_PROCESS, 1, "pts/0", "ts/0");
	r[1] = mk(DEAD_PROCESS, 2, "pts/1", "ts/1");
	r[2] = mk(RUN_LVL, 3, "~", "~~");
	r[3] = mk(DEAD_PROCESS, 4, "pts/7", "ts/7");
	write_file(f->utmp, r, 4, 0);
	write_file(f->wtmp, NULL, 0, 0);

	/* The same id wins over an earlier free slot. */
	assert_int_equal(utmp_login_files(f->utmp, f->wtmp, 50, "pts/7",
	    "h", &slot), 0);
	assert_int_equal(slot, 3 * REC);
	assert_int_equal(rec_at(f->utmp, 3).ut_pid, 50);
	assert_int_equal(rec_at(f->utmp, 1).ut_pid, 2);

	/* A new id takes the first dead (or empty) slot. */
	assert_int_equal(utmp_login_files(f->utmp, f->wtmp, 51, "pts/9",
	    "h", &slot), 0);
	assert_int_equal(slot, 1 * REC);
	assert_int_equal(rec_at(f->utmp, 1).ut_type, LOGIN_PROCESS);
	assert_int_equal(rec_at(f->utmp, 2).ut_type, RUN_LVL);

	/* None free: at the end. */
	assert_int_equal(utmp_login_files(f->utmp, f->wtmp, 52, "pts/10",
	    "h", &slot), 0);
	assert_int_equal(slot, 4 * REC);
	assert_int_equal(file_size(f->utmp), 5 * REC);
	assert_memory_equal(rec_at(f->utmp, 4).ut_id, "s/10", 4);
	assert_int_equal(file_size(f->wtmp), 3 * REC);
}

static void
test_logout_hint_and_search(void **state)
{
	struct files *f = *state;
	struct utmpx r[3];

	r[0] = mk(DEAD_PROCESS, 1, "pts/2", "ts/2");
	r[1] = mk(LOGIN_PROCESS, 7, "pts/5", "ts/5");
	r[2] = mk(USER_PROCESS, 8, "pts/6", "ts/6");
	write_file(f->utmp, r, 3, 0);
	write_file(f->wtmp, NULL, 0, 0);

	/* The hint points at the line's live record: written there. */
	assert_int_equal(utmp_logout_files(f->utmp, f->wtmp, 7, "pts/5",
	    1 * REC), 0);
	assert_int_equal(rec_at(f->utmp, 1).ut_type, DEAD_PROCESS);
	assert_int_equal(rec_at(f->utmp, 1).ut_pid, 7);

	/* A stale hint (another line's record): the search finds it. */
	assert_int_equal(utmp_logout_files(f->utmp, f->wtmp, 8, "pts/6", 0),
	    0);
	assert_int_equal(rec_at(f->utmp, 0).ut_type, DEAD_PROCESS);
	assert_int_equal(rec_at(f->utmp, 0).ut_pid, 1);
	assert_int_equal(rec_at(f->utmp, 2).ut_type, DEAD_PROCESS);
	assert_int_equal(rec_at(f->utmp, 2).ut_pid, 8);
	assert_memory_equal(rec_at(f->utmp, 2).ut_id, "ts/6", 4);
	assert_int_equal(file_size(f->utmp), 3 * REC);
	assert_int_equal(file_size(f->wtmp), 2 * REC);
}

/* Records past the first read (16) and past a full second one (64). */
static void
test_long_file(void **state)
{
	struct files *f = *state;
	struct utmpx *r = calloc(200, sizeof(*r));
	char line[32], id[8];
	off_t slot;
	size_t i;

	assert_non_null(r);
	for (i = 0; i < 200; i++) {
		snprintf(line, sizeof(line), "tty%zu", i);
		snprintf(id, sizeof(id), "t%zu", i);
		r[i] = mk(USER_PROCESS, (pid_t)(1000 + i), line, id);
	}
	r[150] = mk(DEAD_PROCESS, 9, "pts/42", "s/42");
	write_file(f->utmp, r, 200, 0);
	write_file(f->wtmp, NULL, 0, 0);
	assert_int_equal(utmp_login_files(f->utmp, f->wtmp, 60, "pts/42",
	    "h", &slot), 0);
	assert_int_equal(slot, 150 * REC);
	assert_int_equal(utmp_user_on_file(f->utmp, "tty170", 1170), 1);
	assert_int_equal(utmp_logout_files(f->utmp, f->wtmp, 60, "pts/42",
	    -1), 0);
	assert_int_equal(rec_at(f->utmp, 150).ut_type, DEAD_PROCESS);
	assert_int_equal(rec_at(f->utmp, 150).ut_pid, 60);
	assert_int_equal(file_size(f->utmp), 200 * REC);
	free(r);
}

static void
test_torn_tails(void **state)
{
	struct files *f = *state;
	struct utmpx r[1];
	off_t slot;

	r[0] = mk(USER_PROCESS, 1, "pts/0", "ts/0");
	write_file(f->utmp, r, 1, 100);
	write_file(f->wtmp, r, 1, 100);
	assert_int_equal(utmp_login_files(f->utmp, f->wtmp, 5, "pts/1", "h",
	    &slot), 0);
	/* The torn utmp record is no record: overwritten. */
	assert_int_equal(slot, 1 * REC);
	assert_int_equal(file_size(f->utmp), 2 * REC);
	/* wtmp: cut to whole records, then appended. */
	assert_int_equal(file_size(f->wtmp), 2 * REC);
	assert_int_equal(rec_at(f->wtmp, 1).ut_pid, 5);
}

static void
test_missing_files(void **state)
{
	struct files *f = *state;
	off_t slot;

	/* No utmp, no wtmp: nobody keeps them, nothing to do. */
	assert_int_equal(utmp_login_files(f->utmp, f->wtmp, 5, "pts/1", "h",
	    &slot), 0);
	assert_int_equal(slot, -1);
	assert_int_equal(utmp_logout_files(f->utmp, f->wtmp, 5, "pts/1", -1),
	    0);
	assert_int_equal(utmp_user_on_file(f->utmp, "pts/1", 0), -1);
	assert_int_equal(access(f->utmp, F_OK), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_login_logout_empty_files,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_choice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_logout_hint_and_search,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_torn_tails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_files, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
