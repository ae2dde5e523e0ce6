/*
 * tty_owner.c - the terminal's owner and mode during the session: given
 * to the user at login as login(1) does (TTYGROUP and TTYPERM from
 * /etc/login.defs), and put back as it was when the shell ends.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "pam_int.h"

#define LOGIN_DEFS	"/etc/login.defs"	/* TTYGROUP, TTYPERM */

/*
 * TTYGROUP and TTYPERM from /etc/login.defs, read as login(1) reads them:
 * "NAME value" lines, '#' comments; the group by name or number, the mode
 * in octal.  Defaults as login's: group tty, 0620.
 */
static void
tty_defs(const struct account *acct, gid_t *gid, mode_t *mode)
{
	char line[256], group[64] = "tty", *k, *v, *end, *save;
	const struct group *gr;
	unsigned long n;
	FILE *f;

	*mode = 0620;
	if ((f = fopen(LOGIN_DEFS, "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if ((k = strtok_r(line, " \t\r\n", &save)) == NULL ||
			    *k == '#' ||
			    (v = strtok_r(NULL, " \t\r\n", &save)) == NULL)
				continue;
			if (strcmp(k, "TTYGROUP") == 0)
				strlcpy(group, v, sizeof(group));
			else if (strcmp(k, "TTYPERM") == 0) {
				n = strtoul(v, &end, 8);
				if (*end == '\0' && n <= 0777)
					*mode = (mode_t)n;
			}
		}
		fclose(f);
	}
	n = strtoul(group, &end, 10);
	if (*end == '\0' && end != group)
		*gid = (gid_t)n;
	else if ((gr = getgrnam(group)) != NULL)
		*gid = gr->gr_gid;
	else
		*gid = acct->gid;
}

/*
 * The terminal (descriptor 0) becomes the user's, as login(1) leaves it:
 * owned by the user, group TTYGROUP, mode TTYPERM (login.defs), so that
 * mesg(1) can open it to write(1) and talk, and screen or pinentry (which
 * need the owner) work; root-owned, they fail.  tty_give_back() puts the
 * owner and mode it had back when the session ends, so a pty that a
 * leftover job keeps open does not stay the user's.
 */
void
tty_take(struct tty_owner *o, const struct account *acct, const char *tty)
{
	gid_t gid;
	mode_t mode;

	tty_defs(acct, &gid, &mode);

	if (fstat(STDIN_FILENO, &o->was) == -1) {
		syslog(LOG_ERR, "fstat of the terminal: %m");
		return;
	}
	o->taken = 1;
	if (fchown(STDIN_FILENO, acct->uid, gid) == -1 ||
	    fchmod(STDIN_FILENO, mode) == -1)
		syslog(LOG_ERR, "giving %s to the user: %m", tty);
}

void
tty_give_back(const struct tty_owner *o, const char *tty)
{
	if (!o->taken)
		return;
	if (fchown(STDIN_FILENO, o->was.st_uid, o->was.st_gid) == -1 ||
	    fchmod(STDIN_FILENO, o->was.st_mode & 07777) == -1)
		syslog(LOG_ERR, "taking %s back from the user: %m", tty);
}

