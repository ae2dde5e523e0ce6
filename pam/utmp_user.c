/*
 * utmp_user.c - the USER_PROCESS utmp record and its wtmp entry, written
 * once the user is logged in.  The daemon writes the LOGIN_PROCESS record
 * before pam-login runs and the DEAD_PROCESS record after it
 * (telnetd/utmp.c); this one goes in between, in the LOGIN_PROCESS
 * record's place.
 */
#include <sys/types.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <paths.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <utmpx.h>

#include <security/pam_appl.h>

#include "pam_int.h"

static void
copy_field(char *dst, size_t dstsz, const char *src)
{
	size_t n = strnlen(src, dstsz);

	memset(dst, 0, dstsz);
	memcpy(dst, src, n);	/* utmp fields need no NUL when full */
}

void
utmp_user_process(const char *line, const char *user, const char *host)
{
	struct utmpx ut, key, *found;
	struct timeval tv;
	size_t ll = strlen(line);

	memset(&ut, 0, sizeof(ut));
	ut.ut_type = USER_PROCESS;
	ut.ut_pid = getpid();
	ut.ut_session = getsid(0);
	copy_field(ut.ut_line, sizeof(ut.ut_line), line);
	copy_field(ut.ut_user, sizeof(ut.ut_user), user);
	copy_field(ut.ut_host, sizeof(ut.ut_host), host != NULL ? host : "");
	if (host != NULL && inet_pton(AF_INET, host, &ut.ut_addr_v6[0]) != 1)
		(void)inet_pton(AF_INET6, host, ut.ut_addr_v6);
	gettimeofday(&tv, NULL);
	ut.ut_tv.tv_sec = (int32_t)tv.tv_sec;
	ut.ut_tv.tv_usec = (int32_t)tv.tv_usec;

	/* the id: the daemon's record for this line, else the line's tail
	 * ("pts/3" -> "ts/3"), as login and sshd do */
	memset(&key, 0, sizeof(key));
	key.ut_type = LOGIN_PROCESS;
	copy_field(key.ut_line, sizeof(key.ut_line), line);
	setutxent();
	if ((found = getutxline(&key)) != NULL)
		memcpy(ut.ut_id, found->ut_id, sizeof(ut.ut_id));
	else
		copy_field(ut.ut_id, sizeof(ut.ut_id), ll > sizeof(ut.ut_id) ?
		    line + ll - sizeof(ut.ut_id) : line);
	setutxent();
	if (pututxline(&ut) == NULL)
		syslog(LOG_WARNING, "utmp: %m");
	endutxent();
	updwtmpx(_PATH_WTMP, &ut);
}
