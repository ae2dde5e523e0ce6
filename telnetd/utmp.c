/*
 * utmp.c - the daemon's utmp/wtmp records.  The daemon writes the
 * LOGIN_PROCESS record before the program starts (login finds it by pid
 * and turns it into USER_PROCESS) and the DEAD_PROCESS record when the
 * program has ended, in utmp and in wtmp.
 *
 * The files are written here directly rather than through glibc's
 * setutxent/getutxent/pututxline: those take the lock, arm an alarm and
 * read one 384-byte record per call, and a session start paid that once
 * per record of utmp.  Here one record costs: open, one fcntl lock (the
 * whole-file POSIX lock glibc's writers take, so none of us ever
 * interleave), the file in a few large reads, one pwrite, close (which
 * drops the lock).  The records and the choice of slot are glibc's: the
 * record with the same ut_id, else (unlike glibc, which only appends) the
 * first empty or dead slot, so utmp does not grow by one record per new
 * pty, else a new record at the end.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <utmpx.h>

#include "telnetd.h"

/* Records per read: the first read is small (the slots in use are
 * reused, so what is looked for is usually near the start), the others
 * fill struct utmp_buf (24 KiB). */
#define UT_FIRST	16
/* How long to wait for another writer's lock (glibc waits 10 s). */
#define UT_LOCK_WAIT	10

/* ut_id: the last four bytes of the line ("pts/3" -> "ts/3"), as sshd. */
static void
fill_id(struct utmpx *ut, const char *line)
{
	size_t l = strlen(line), n = sizeof(ut->ut_id);

	memcpy(ut->ut_id, l > n ? line + l - n : line, l > n ? n : l);
}

static void
fill(struct utmpx *ut, short type, pid_t pid, const char *line)
{
	struct timeval tv;

	memset(ut, 0, sizeof(*ut));
	ut->ut_type = type;
	ut->ut_pid = pid;
	strncpy(ut->ut_line, line, sizeof(ut->ut_line));
	fill_id(ut, line);
	gettimeofday(&tv, NULL);
	ut->ut_tv.tv_sec = (int32_t)tv.tv_sec;
	ut->ut_tv.tv_usec = (int32_t)tv.tv_usec;
}

static void
on_alarm(int sig)
{
	(void)sig;	/* only to interrupt F_SETLKW */
}

/*
 * The whole-file lock glibc's utmp functions take.  It is almost always
 * free: one fcntl.  When another writer holds it, wait, but not forever:
 * a SIGALRM without SA_RESTART interrupts F_SETLKW, as in glibc.
 */
static int
lock_file(int fd, short type)
{
	struct flock fl;
	struct sigaction sa, old;
	unsigned int left;
	int r, saved;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno != EACCES && errno != EAGAIN)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old) == -1)
		return -1;
	left = alarm(UT_LOCK_WAIT);
	r = fcntl(fd, F_SETLKW, &fl);
	saved = errno;
	alarm(left);
	(void)sigaction(SIGALRM, &old, NULL);
	errno = saved;
	return r;
}

/* Where things are in utmp, as byte offsets (-1: none). */
struct ut_scan {
	off_t live;		/* first LOGIN/USER record for the line */
	char live_id[sizeof(((struct utmpx *)0)->ut_id)];
	off_t user;		/* first USER record for the line */
	off_t id;		/* first record of a process with the same id */
	off_t free;		/* first EMPTY or DEAD record */
	off_t end;		/* after the last whole record */
};

static int
is_process(short type)
{
	return type == INIT_PROCESS || type == LOGIN_PROCESS ||
	    type == USER_PROCESS || type == DEAD_PROCESS;
}

/* What a scan is for: it stops at the first record that settles it. */
enum ut_want {
	UT_WANT_ID,		/* a LOGIN record: the same ut_id */
	UT_WANT_LIVE,		/* a DEAD record: the line's live record */
	UT_WANT_USER,		/* is a user logged in on the line (by the
				 * key's pid, when not 0)? */
};

static int
scan_done(const struct ut_scan *sc, enum ut_want want)
{
	switch (want) {
	case UT_WANT_ID:
		return sc->id != -1;
	case UT_WANT_LIVE:
		return sc->live != -1;
	default:
		return sc->user != -1;
	}
}

/* Read the file (fd, locked) in large reads and note the slots that
 * matter for a record of line and id, until the one wanted is found. */
static int
scan(int fd, const struct utmpx *key, enum ut_want want, struct ut_scan *sc,
    struct utmp_buf *buf)
{
	struct utmpx *rec = buf->rec;
	size_t i, nrec, size = UT_FIRST * sizeof(rec[0]);
	off_t off = 0;
	ssize_t n;

	sc->live = sc->user = sc->id = sc->free = -1;
	for (;;) {
		do
			n = pread(fd, rec, size, off);
		while (n == -1 && errno == EINTR);
		if (n == -1)
			return -1;
		nrec = (size_t)n / sizeof(rec[0]);
		for (i = 0; i < nrec; i++) {
			const struct utmpx *u = &rec[i];
			off_t at = off + (off_t)(i * sizeof(rec[0]));
			int line = strncmp(u->ut_line, key->ut_line,
			    sizeof(u->ut_line)) == 0;

			if (line && (u->ut_type == LOGIN_PROCESS ||
			    u->ut_type == USER_PROCESS) && sc->live == -1) {
				sc->live = at;
				memcpy(sc->live_id, u->ut_id,
				    sizeof(sc->live_id));
			}
			if (line && u->ut_type == USER_PROCESS &&
			    (key->ut_pid == 0 || u->ut_pid == key->ut_pid) &&
			    sc->user == -1)
				sc->user = at;
			if (is_process(u->ut_type) && sc->id == -1 &&
			    strncmp(u->ut_id, key->ut_id,
			    sizeof(u->ut_id)) == 0)
				sc->id = at;
			if ((u->ut_type == EMPTY ||
			    u->ut_type == DEAD_PROCESS) && sc->free == -1)
				sc->free = at;
		}
		off += (off_t)(nrec * sizeof(rec[0]));
		if (scan_done(sc, want))
			break;
		/* A short read is the end; a torn last record does not
		 * count, and an append overwrites it. */
		if ((size_t)n < size)
			break;
		size = sizeof(buf->rec);
	}
	sc->end = off;
	return 0;
}

/* The record at hint, when it is still the line's live record: 1 (its
 * ut_id copied into ut), else 0; -1 on a read error. */
static int
hint_is_live(int fd, struct utmpx *ut, off_t hint)
{
	struct utmpx rec;
	ssize_t n;

	do
		n = pread(fd, &rec, sizeof(rec), hint);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n != (ssize_t)sizeof(rec) || (rec.ut_type != LOGIN_PROCESS &&
	    rec.ut_type != USER_PROCESS) || strncmp(rec.ut_line, ut->ut_line,
	    sizeof(rec.ut_line)) != 0)
		return 0;
	memcpy(ut->ut_id, rec.ut_id, sizeof(ut->ut_id));
	return 1;
}

/*
 * Write ut into utmp.  by_line (the DEAD_PROCESS record): into the live
 * record for the line, keeping its ut_id (login may have chosen it); the
 * slot where the LOGIN record went (*slot, -1 when unknown) is looked at
 * first.  Otherwise, and when there is none, into the slot glibc would
 * use (the same ut_id), else the first free one, else at the end.  *slot
 * is set to where the record went.  0 when written or when there is no
 * utmp (then nobody keeps one); -1 on an error.
 */
/*
 * Write UT at offset AT (-1: where the O_APPEND descriptor ends), then
 * close FD, which drops its lock; with UT NULL only close it.  0, or -1
 * with errno from the first failure (a short write is EIO).
 */
static int
put_record(int fd, const struct utmpx *ut, off_t at)
{
	ssize_t n = -1;
	int saved;

	if (ut != NULL) {
		do
			n = at < 0 ? write(fd, ut, sizeof(*ut)) :
			    pwrite(fd, ut, sizeof(*ut), at);
		while (n == -1 && errno == EINTR);
		if (n >= 0 && n != (ssize_t)sizeof(*ut)) {
			n = -1;
			errno = EIO;
		}
	}
	saved = errno;
	if (close(fd) == -1 && n != -1)
		return -1;
	errno = saved;
	return n == -1 ? -1 : 0;
}

static int
utmp_put(const char *path, struct utmpx *ut, int by_line, off_t *slot,
    struct utmp_buf *buf)
{
	struct ut_scan sc;
	off_t at;
	int fd, h = 0;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (lock_file(fd, F_WRLCK) == -1)
		goto fail;
	if (by_line && *slot >= 0 && (h = hint_is_live(fd, ut, *slot)) == -1)
		goto fail;
	if (h == 1)
		at = *slot;
	else if (scan(fd, ut, by_line ? UT_WANT_LIVE : UT_WANT_ID, &sc,
	    buf) == -1)
		goto fail;
	else if (by_line && sc.live != -1) {
		at = sc.live;
		memcpy(ut->ut_id, sc.live_id, sizeof(ut->ut_id));
	} else if (sc.id != -1)
		at = sc.id;
	else if (sc.free != -1)
		at = sc.free;
	else
		at = sc.end;
	*slot = at;
	/* A torn record at the end is no record: scan() skips it and the
	 * next append overwrites it. */
	return put_record(fd, ut, at);
fail:
	return put_record(fd, NULL, 0);
}

/* Append ut to wtmp, under the same lock; a torn tail (a writer that
 * died mid-record) is cut first so the new record stays aligned, as
 * glibc's updwtmp does. */
static int
wtmp_append(const char *path, const struct utmpx *ut)
{
	off_t end;
	int fd;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (lock_file(fd, F_WRLCK) == -1 ||
	    (end = lseek(fd, 0, SEEK_END)) == -1)
		goto fail;
	if (end % (off_t)sizeof(*ut) != 0) {
		end -= end % (off_t)sizeof(*ut);
		if (ftruncate(fd, end) == -1)
			goto fail;
	}
	/* A torn tail is cut by the next writer (above, and in glibc's
	 * updwtmp). */
	return put_record(fd, ut, -1);
fail:
	return put_record(fd, NULL, 0);
}

static int
login_files(const char *utmp, const char *wtmp, pid_t pid, const char *line,
    const char *host, off_t *slot, struct utmp_buf *buf)
{
	struct utmpx ut;
	int r;

	fill(&ut, LOGIN_PROCESS, pid, line);
	strncpy(ut.ut_user, "LOGIN", sizeof(ut.ut_user));
	strncpy(ut.ut_host, host, sizeof(ut.ut_host));
	*slot = -1;
	r = utmp_put(utmp, &ut, 0, slot, buf);
	if (wtmp_append(wtmp, &ut) == -1)
		r = -1;
	return r;
}

static int
logout_files(const char *utmp, const char *wtmp, pid_t pid, const char *line,
    off_t slot, struct utmp_buf *buf)
{
	struct utmpx ut;
	int r;

	fill(&ut, DEAD_PROCESS, pid, line);
	r = utmp_put(utmp, &ut, 1, &slot, buf);
	if (wtmp_append(wtmp, &ut) == -1)
		r = -1;
	return r;
}

static int
user_on_file(const char *utmp, const char *line, pid_t pid,
    struct utmp_buf *buf)
{
	struct utmpx key;
	struct ut_scan sc;
	int fd, r;

	memset(&key, 0, sizeof(key));
	strncpy(key.ut_line, line, sizeof(key.ut_line));
	key.ut_pid = pid;
	if ((fd = open(utmp, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r = lock_file(fd, F_RDLCK) == -1 ||
	    scan(fd, &key, UT_WANT_USER, &sc, buf) == -1 ? -1 :
	    sc.user != -1;
	close(fd);
	return r;
}

int
utmp_login_files(const char *utmp, const char *wtmp, pid_t pid,
    const char *line, const char *host, off_t *slot)
{
	/* Zeroed: cppcheck cannot see that scan() reads only what pread()
	 * wrote. */
	struct utmp_buf buf = { 0 };

	return login_files(utmp, wtmp, pid, line, host, slot, &buf);
}

int
utmp_logout_files(const char *utmp, const char *wtmp, pid_t pid,
    const char *line, off_t slot)
{
	/* Zeroed: cppcheck cannot see that scan() reads only what pread()
	 * wrote. */
	struct utmp_buf buf = { 0 };

	return logout_files(utmp, wtmp, pid, line, slot, &buf);
}

int
utmp_user_on_file(const char *utmp, const char *line, pid_t pid)
{
	/* Zeroed: cppcheck cannot see that scan() reads only what pread()
	 * wrote. */
	struct utmp_buf buf = { 0 };

	return user_on_file(utmp, line, pid, &buf);
}

int
utmp_login(pid_t pid, const char *line, const char *host, off_t *slot,
    struct utmp_buf *buf)
{
	return login_files(_PATH_UTMP, _PATH_WTMP, pid, line, host, slot,
	    buf);
}

int
utmp_logout(pid_t pid, const char *line, off_t slot, struct utmp_buf *buf)
{
	return logout_files(_PATH_UTMP, _PATH_WTMP, pid, line, slot, buf);
}

/* 1 when utmp shows a user logged in on line by process pid (login writes
 * its USER_PROCESS record with its own pid; a stale record of another
 * session on the same line does not count), 0 when not, -1 when utmp
 * cannot tell (no utmp file: then nobody could have written one). */
int
utmp_user_on(const char *line, pid_t pid, struct utmp_buf *buf)
{
	return user_on_file(_PATH_UTMP, line, pid, buf);
}
