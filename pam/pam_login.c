/*
 * pam_login.c - the --pam login path: what /bin/login does, through PAM,
 * in the session's program process.
 *
 * Runs as root in the program pam-login (pam/main.c), which the daemon
 * executes in the pty child (the pty on descriptors 0-2 and the
 * controlling terminal, the process the session leader):
 *
 *   pam_start(SERVICE, client's user name or NULL)
 *   PAM_RHOST, PAM_TTY ("pts/3"), PAM_USER_PROMPT "login: "
 *   pam_authenticate, up to LOGIN_RETRIES times ("Login incorrect", the
 *     delay of pam_fail_delay / pam_faildelay, then the name is asked again)
 *   pam_acct_mgmt (PAM_NEW_AUTHTOK_REQD: pam_chauthtok)
 *   initgroups, pam_setcred(ESTABLISH), pam_open_session, utmp/wtmp
 *   fork: the child drops to the user (setgid, setuid, each checked, and
 *     checked that root cannot be regained), changes to the home directory
 *     and executes the login shell ("-bash") with an environment built
 *     from nothing; the parent waits, then pam_close_session,
 *     pam_setcred(DELETE), pam_end, and exits with the shell's status.
 *
 * This file holds those steps in order; the shell, its environment and
 * the wait are shell.c's, the terminal's owner tty_owner.c's, the utmp
 * record utmp_user.c's, the conversation conv.c's.
 *
 * The login timeout is an alarm() over the whole conversation; when it
 * fires the process says so on the terminal and exits (as login does).
 * The daemon writes the LOGIN_PROCESS and DEAD_PROCESS utmp records around
 * this process; pam-login writes the USER_PROCESS record in between.
 * lastlog is pam_lastlog's (pam/telnetd.pam), as for Debian's login.
 *
 * Logging goes to syslog (LOG_AUTHPRIV) only: descriptors 0-2 are the
 * user's terminal.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <paths.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "login.h"
#include "pam_int.h"

#define DEFAULT_SERVICE	"telnetd"
#define LOGIN_RETRIES	3		/* pam_authenticate attempts */
#define FAIL_DELAY_US	3000000		/* at least, after a failure */
#define LOG_NAME_MAX	64		/* bytes of a foreign name logged */

/* ---- helpers ----------------------------------------------------------- */

/* A foreign name made safe for syslog. */
static const char *
safe_name(char *dst, size_t dstsz, const char *s)
{
	size_t i;

	if (s == NULL)
		s = "(unknown)";
	for (i = 0; s[i] != '\0' && i + 1 < dstsz; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	dst[i] = '\0';
	return dst;
}

static const char *
pam_user(pam_handle_t *pamh)
{
	const void *item = NULL;

	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS)
		return NULL;
	return item;
}

static int
service_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == '.'))
			return 0;
	}
	return 1;
}

static int
account_get(struct account *acct, const char *name)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL)
		return -1;
	acct->name = strdup(pw->pw_name);
	acct->dir = strdup(pw->pw_dir[0] != '\0' ? pw->pw_dir : "/");
	acct->shell = strdup(pw->pw_shell[0] != '\0' ? pw->pw_shell :
	    _PATH_BSHELL);
	acct->uid = pw->pw_uid;
	acct->gid = pw->pw_gid;
	if (acct->name == NULL || acct->dir == NULL || acct->shell == NULL)
		return -1;
	return 0;
}

/* ---- the login --------------------------------------------------------- */

/* What the steps of a login share. */
struct login {
	pam_handle_t *pamh;
	struct conv_state cst;
	struct pam_conv conv;
	const char *service, *user, *tty, *host;
	struct account acct;
	struct tty_owner tty_owner;
};

/* End the PAM transaction with rc and exit, saying msg (when not NULL). */
static void __attribute__((noreturn))
fail(struct login *l, int rc, const char *msg)
{
	pam_end(l->pamh, rc);
	die(msg);
}

/* The process and the arguments: signals, umask, the terminal, the login
 * timeout; the service, user, tty and host checked. */
static void
login_setup(struct login *l, const struct pam_login_args *a)
{
	struct sigaction sa;

	openlog("telnetd", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	signals_default();
	(void)signal(SIGQUIT, SIG_IGN);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTSTP, SIG_IGN);
	umask(022);
	tty_sane();

	l->service = a->service != NULL ? a->service : DEFAULT_SERVICE;
	if (!service_ok(l->service)) {
		syslog(LOG_ERR, "pam: bad service name");
		die("Login service unavailable.");
	}
	if (a->user != NULL && user_name_ok(a->user, strlen(a->user)))
		l->user = a->user;
	l->tty = a->tty != NULL ? a->tty : "";
	if (strncmp(l->tty, "/dev/", 5) == 0)
		l->tty += 5;
	l->host = a->host != NULL ? a->host : "";
	if (a->login_timeout > 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = timed_out;
		sigemptyset(&sa.sa_mask);
		(void)sigaction(SIGALRM, &sa, NULL);
		alarm(a->login_timeout);
	}
}

static void
pam_begin(struct login *l)
{
	int rc;

	l->conv.conv = conversation;
	l->conv.appdata_ptr = &l->cst;
	if ((rc = pam_start(l->service, l->user, &l->conv, &l->pamh)) !=
	    PAM_SUCCESS) {
		syslog(LOG_ERR, "pam_start(%s): %s", l->service,
		    pam_strerror(l->pamh, rc));
		die("Login service unavailable.");
	}
	if ((rc = pam_set_item(l->pamh, PAM_RHOST, l->host)) != PAM_SUCCESS ||
	    (rc = pam_set_item(l->pamh, PAM_TTY, l->tty)) != PAM_SUCCESS ||
	    (rc = pam_set_item(l->pamh, PAM_USER_PROMPT, "login: ")) !=
	    PAM_SUCCESS) {
		syslog(LOG_ERR, "pam_set_item: %s", pam_strerror(l->pamh, rc));
		fail(l, rc, "Login service unavailable.");
	}
	(void)pam_fail_delay(l->pamh, FAIL_DELAY_US);
}

/* pam_authenticate, up to LOGIN_RETRIES times, the name asked again after
 * each failure as login does. */
static void
authenticate(struct login *l)
{
	char name[LOG_NAME_MAX];
	int rc, tries;

	for (tries = 1;; tries++) {
		if ((rc = pam_authenticate(l->pamh, 0)) == PAM_SUCCESS)
			return;
		syslog(LOG_NOTICE, "FAILED LOGIN (%d) on '%s' from '%s' FOR "
		    "'%s', %s", tries, l->tty, l->host, safe_name(name,
		    sizeof(name), pam_user(l->pamh)),
		    pam_strerror(l->pamh, rc));
		/* The client went away or sent end of file at a prompt:
		 * nobody is there to ask again. */
		if (l->cst.gone)
			fail(l, rc, NULL);
		if (rc == PAM_ABORT || rc == PAM_MAXTRIES ||
		    rc == PAM_CONV_ERR || tries >= LOGIN_RETRIES) {
			if (tries >= LOGIN_RETRIES || rc == PAM_MAXTRIES)
				syslog(LOG_NOTICE, "TOO MANY LOGIN TRIES "
				    "on '%s' from '%s'", l->tty, l->host);
			fail(l, rc, rc == PAM_CONV_ERR ? NULL :
			    "\nLogin incorrect");
		}
		outln("\nLogin incorrect");
		(void)pam_set_item(l->pamh, PAM_USER, NULL);
	}
}

/* pam_acct_mgmt (an expired password changed first), then the account of
 * the name PAM settled on (a module may have mapped it). */
static void
check_account(struct login *l)
{
	char name[LOG_NAME_MAX];
	const char *u;
	int rc;

	rc = pam_acct_mgmt(l->pamh, 0);
	if (rc == PAM_NEW_AUTHTOK_REQD) {
		rc = pam_chauthtok(l->pamh, PAM_CHANGE_EXPIRED_AUTHTOK);
		if (rc != PAM_SUCCESS) {
			syslog(LOG_NOTICE, "password change failed: %s",
			    pam_strerror(l->pamh, rc));
			fail(l, rc, "Password change failed.");
		}
	} else if (rc != PAM_SUCCESS) {
		syslog(LOG_NOTICE, "account check failed on '%s' from '%s' "
		    "for '%s': %s", l->tty, l->host, safe_name(name,
		    sizeof(name), pam_user(l->pamh)),
		    pam_strerror(l->pamh, rc));
		outln(pam_strerror(l->pamh, rc));
		fail(l, rc, "Login refused.");
	}
	u = pam_user(l->pamh);
	if (u == NULL || account_get(&l->acct, u) != 0)
		fail(l, PAM_USER_UNKNOWN, "Unknown user.");
	alarm(0);
	(void)signal(SIGALRM, SIG_DFL);
}

/* Groups, credentials, the PAM session, and the USER_PROCESS record. */
static void
open_session(struct login *l)
{
	char name[LOG_NAME_MAX];
	int rc;

	if (initgroups(l->acct.name, l->acct.gid) != 0) {
		syslog(LOG_ERR, "initgroups(%s): %m", l->acct.name);
		fail(l, PAM_SYSTEM_ERR, "Cannot set the groups.");
	}
	if ((rc = pam_setcred(l->pamh, PAM_ESTABLISH_CRED)) != PAM_SUCCESS) {
		syslog(LOG_ERR, "pam_setcred: %s", pam_strerror(l->pamh, rc));
		fail(l, rc, "Cannot establish credentials.");
	}
	if ((rc = pam_open_session(l->pamh, 0)) != PAM_SUCCESS) {
		syslog(LOG_ERR, "pam_open_session: %s",
		    pam_strerror(l->pamh, rc));
		(void)pam_setcred(l->pamh, PAM_DELETE_CRED);
		fail(l, rc, "Cannot open the session.");
	}
	syslog(LOG_INFO, "LOGIN ON %s BY %s FROM %s", l->tty,
	    safe_name(name, sizeof(name), l->acct.name), l->host);
	utmp_user_process(l->tty, l->acct.name, l->host);
}

static void __attribute__((noreturn))
close_session(struct login *l, int rc, const char *msg)
{
	(void)pam_close_session(l->pamh, 0);
	(void)pam_setcred(l->pamh, PAM_DELETE_CRED);
	fail(l, rc, msg);
}

void
pam_login_main(const struct pam_login_args *a)
{
	struct login l;
	char **envp;
	int status;

	memset(&l, 0, sizeof(l));
	login_setup(&l, a);
	pam_begin(&l);
	authenticate(&l);
	check_account(&l);
	open_session(&l);
	if ((envp = build_env(l.pamh, a, &l.acct)) == NULL)
		close_session(&l, PAM_BUF_ERR, "Out of memory.");
	tty_take(&l.tty_owner, &l.acct, l.tty);
	if (shell_run(&l.acct, envp, &status) != 0)
		close_session(&l, PAM_SYSTEM_ERR, "Cannot start the shell.");
	tty_give_back(&l.tty_owner, l.tty);
	(void)pam_close_session(l.pamh, 0);
	(void)pam_setcred(l.pamh, PAM_DELETE_CRED);
	pam_end(l.pamh, PAM_SUCCESS);
	closelog();
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
}
