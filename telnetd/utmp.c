/*
 * utmp.c - the daemon's utmp/wtmp records.  The daemon writes the
 * LOGIN_PROCESS record before the program starts (login finds it by pid
 * and turns it into USER_PROCESS) and the DEAD_PROCESS record when the
 * program has ended, in utmp and in wtmp.
 */
#include <sys/types.h>
#include <sys/time.h>

#include <string.h>
#include <unistd.h>
#include <utmpx.h>

#include "telnetd.h"

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

void
utmp_login(pid_t pid, const char *line, const char *host)
{
	struct utmpx ut;

	fill(&ut, LOGIN_PROCESS, pid, line);
	strncpy(ut.ut_user, "LOGIN", sizeof(ut.ut_user));
	strncpy(ut.ut_host, host, sizeof(ut.ut_host));
	setutxent();
	(void)pututxline(&ut);
	endutxent();
	updwtmpx(_PATH_WTMP, &ut);
}

void
utmp_logout(pid_t pid, const char *line)
{
	struct utmpx ut, *old;

	fill(&ut, DEAD_PROCESS, pid, line);
	setutxent();
	/* Keep the entry's own id (login may have rewritten it). */
	while ((old = getutxent()) != NULL) {
		if ((old->ut_type == USER_PROCESS ||
		    old->ut_type == LOGIN_PROCESS) &&
		    strncmp(old->ut_line, ut.ut_line,
		    sizeof(ut.ut_line)) == 0) {
			memcpy(ut.ut_id, old->ut_id, sizeof(ut.ut_id));
			break;
		}
	}
	/* Found: pututxline() rewrites the entry just read (same id)
	 * without a second scan, each record read of which costs glibc a
	 * lock, an alarm and a read.  Not found: search from the start. */
	if (old == NULL)
		setutxent();
	(void)pututxline(&ut);
	endutxent();
	updwtmpx(_PATH_WTMP, &ut);
}

/* 1 when utmp shows a user logged in on line, 0 when not, -1 when utmp
 * cannot tell (no utmp file: then nobody could have written one). */
int
utmp_user_on(const char *line)
{
	struct utmpx *ut;
	int found = 0;

	if (access(_PATH_UTMP, R_OK) == -1)
		return -1;
	setutxent();
	while ((ut = getutxent()) != NULL) {
		if (ut->ut_type == USER_PROCESS &&
		    strncmp(ut->ut_line, line, sizeof(ut->ut_line)) == 0) {
			found = 1;
			break;
		}
	}
	endutxent();
	return found;
}
