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
 * The shell's environment, each later line overriding the earlier:
 *   PATH (a default, root's or a user's), MAIL
 *   the PAM environment (pam_env: /etc/environment, /etc/default/locale)
 *   the client's allow-listed variables (LANG, LC_*, TZ, DISPLAY, ...),
 *     which can never be PATH, HOME, SHELL, MAIL or a loader variable
 *   HOME, SHELL, USER, LOGNAME, TERM: from the password entry and TTYPE.
 *
 * The login timeout is an alarm() over the whole conversation; when it
 * fires the process says so on the terminal and exits (as login does).
 * The daemon writes the LOGIN_PROCESS and DEAD_PROCESS utmp records around
 * this process; this file writes the USER_PROCESS record in between.
 * lastlog is pam_lastlog's (pam/telnetd.pam), as for Debian's login.
 *
 * Logging goes to syslog (LOG_AUTHPRIV) only: descriptors 0-2 are the
 * user's terminal.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <paths.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>

#include <security/pam_appl.h>

#include "login.h"
#include "pam_int.h"

#define DEFAULT_SERVICE	"telnetd"
#define LOGIN_RETRIES	3		/* pam_authenticate attempts */
#define FAIL_DELAY_US	3000000		/* at least, after a failure */
#define PATH_DEFAULT_USER \
	"/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"
#define PATH_DEFAULT_ROOT \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define LOG_NAME_MAX	64		/* bytes of a foreign name logged */
#define LOGIN_DEFS	"/etc/login.defs"	/* TTYGROUP, TTYPERM */

/* ---- the shell's environment ------------------------------------------ */

/* The account, copied out of getpwnam's static storage. */
struct account {
	char *name, *dir, *shell;
	uid_t uid;
	gid_t gid;
};

static char **
build_env(pam_handle_t *pamh, const struct pam_login_args *a,
    const struct account *acct)
{
	struct login_env e = { NULL, 0, 0 };
	char **pamenv, **cli, *mail;
	size_t i;

	if (login_env_set(&e, "PATH", acct->uid == 0 ? PATH_DEFAULT_ROOT :
	    PATH_DEFAULT_USER) != 0)
		return NULL;
	if (asprintf(&mail, "%s/%s", _PATH_MAILDIR, acct->name) < 0 ||
	    login_env_set(&e, "MAIL", mail) != 0)
		return NULL;
	free(mail);
	if ((pamenv = pam_getenvlist(pamh)) != NULL) {
		for (i = 0; pamenv[i] != NULL; i++) {
			if (login_env_put(&e, pamenv[i]) != 0)
				return NULL;
			free(pamenv[i]);
		}
		free(pamenv);
	}
	/* the client's variables, checked once more on the way */
	if ((cli = login_build_envp(a->env, NULL, NULL)) == NULL)
		return NULL;
	for (i = 0; cli[i] != NULL; i++)
		if (login_env_put(&e, cli[i]) != 0)
			return NULL;
	login_argv_free(cli);
	if (login_env_set(&e, "HOME", acct->dir) != 0 ||
	    login_env_set(&e, "SHELL", acct->shell) != 0 ||
	    login_env_set(&e, "USER", acct->name) != 0 ||
	    login_env_set(&e, "LOGNAME", acct->name) != 0)
		return NULL;
	if (a->term != NULL && term_name_ok(a->term, strlen(a->term))) {
		if (login_env_set(&e, "TERM", a->term) != 0)
			return NULL;
	} else if (login_env_set(&e, "TERM", "dumb") != 0)
		return NULL;
	return e.v;
}

/* ---- utmp -------------------------------------------------------------- */

static void
copy_field(char *dst, size_t dstsz, const char *src)
{
	size_t n = strnlen(src, dstsz);

	memset(dst, 0, dstsz);
	memcpy(dst, src, n);	/* utmp fields need no NUL when full */
}

/* The USER_PROCESS record for this tty: it takes the place (same ut_id)
 * of the LOGIN_PROCESS record the daemon wrote for the line. */
static void
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

static void
signals_default(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);	/* fails for KILL, STOP */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
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

/* The shell's child side: become the user and execute the login shell.
 * Never returns. */
static void __attribute__((noreturn))
start_shell(const struct account *acct, char **envp)
{
	const char *base;
	char *argv0;
	size_t i;

	signals_default();
	if (setgid(acct->gid) != 0 || getgid() != acct->gid ||
	    getegid() != acct->gid)
		die("Cannot set the group id.");
	if (setuid(acct->uid) != 0 || getuid() != acct->uid ||
	    geteuid() != acct->uid)
		die("Cannot set the user id.");
	if (acct->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		die("Cannot drop root privileges.");
	if (chdir(acct->dir) != 0) {
		outln("No directory, logging in with HOME=/");
		if (chdir("/") != 0)
			die("Cannot change to /.");
		for (i = 0; envp[i] != NULL; i++) {
			if (strncmp(envp[i], "HOME=", 5) == 0) {
				envp[i] = (char *)(uintptr_t)"HOME=/";
				break;
			}
		}
	}
	base = strrchr(acct->shell, '/');
	base = base != NULL ? base + 1 : acct->shell;
	if (asprintf(&argv0, "-%s", base) < 0)
		die("Out of memory.");
	closefrom(STDERR_FILENO + 1);
	{
		char *const argv[] = { argv0, NULL };

		execve(acct->shell, argv, envp);
	}
	out("Cannot execute ");
	outln(acct->shell);
	_exit(1);
}

/* Set by the parent's SIGHUP/SIGTERM handler while it waits. */
static volatile sig_atomic_t pending_sig;

static void
forward_sig(int sig)
{
	pending_sig = sig;
}

/* ---- the login --------------------------------------------------------- */

/* What the steps of a login share. */
struct login {
	pam_handle_t *pamh;
	struct conv_state cst;
	struct pam_conv conv;
	const char *service, *user, *tty, *host;
	struct account acct;
	struct stat tty_was;	/* the terminal before tty_take() */
	int tty_taken;
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
static void
tty_take(struct login *l)
{
	gid_t gid;
	mode_t mode;

	tty_defs(&l->acct, &gid, &mode);

	if (fstat(STDIN_FILENO, &l->tty_was) == -1) {
		syslog(LOG_ERR, "fstat of the terminal: %m");
		return;
	}
	l->tty_taken = 1;
	if (fchown(STDIN_FILENO, l->acct.uid, gid) == -1 ||
	    fchmod(STDIN_FILENO, mode) == -1)
		syslog(LOG_ERR, "giving %s to the user: %m", l->tty);
}

static void
tty_give_back(struct login *l)
{
	if (!l->tty_taken)
		return;
	if (fchown(STDIN_FILENO, l->tty_was.st_uid, l->tty_was.st_gid) == -1 ||
	    fchmod(STDIN_FILENO, l->tty_was.st_mode & 07777) == -1)
		syslog(LOG_ERR, "taking %s back from the user: %m", l->tty);
}

/* The shell in a child; the parent forwards a hangup or SIGTERM to it and
 * waits.  Returns the shell's wait status. */
static int
run_shell(struct login *l, char **envp)
{
	struct sigaction sa;
	int status = 0;
	pid_t pid, w;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_sig;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	if ((pid = fork()) < 0) {
		syslog(LOG_ERR, "fork: %m");
		close_session(l, PAM_SYSTEM_ERR, "Cannot start the shell.");
	}
	if (pid == 0) {
		closelog();
		start_shell(&l->acct, envp);
	}
	login_argv_free(envp);
	for (;;) {
		if ((w = waitpid(pid, &status, 0)) == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = 1 << 8;
			break;
		}
		if (pending_sig != 0) {
			int sig = pending_sig;

			pending_sig = 0;
			(void)kill(pid, sig);
			if (sig == SIGHUP)
				(void)kill(pid, SIGCONT);
		}
	}
	return status;
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
	tty_take(&l);
	status = run_shell(&l, envp);
	tty_give_back(&l);
	(void)pam_close_session(l.pamh, 0);
	(void)pam_setcred(l.pamh, PAM_DELETE_CRED);
	pam_end(l.pamh, PAM_SUCCESS);
	closelog();
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
}
