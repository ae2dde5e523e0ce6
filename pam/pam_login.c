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

/* ---- the shell's environment ------------------------------------------ */

struct strv {
	char **v;
	size_t n, cap;
};

static size_t
env_name_len(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq != NULL ? (size_t)(eq - s) : 0;
}

/* Set "NAME=value" (taking a copy), replacing an earlier NAME. */
static int
strv_setenv(struct strv *e, const char *s)
{
	size_t i, nl = env_name_len(s);
	char *c, **nv;

	if (nl == 0)
		return 0;	/* not NAME=value: ignored */
	if ((c = strdup(s)) == NULL)
		return -1;
	for (i = 0; i < e->n; i++) {
		if (env_name_len(e->v[i]) == nl &&
		    memcmp(e->v[i], s, nl + 1) == 0) {
			free(e->v[i]);
			e->v[i] = c;
			return 0;
		}
	}
	if (e->n + 2 > e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 32;

		if ((nv = reallocarray(e->v, ncap, sizeof(*nv))) == NULL) {
			free(c);
			return -1;
		}
		e->v = nv;
		e->cap = ncap;
	}
	e->v[e->n++] = c;
	e->v[e->n] = NULL;
	return 0;
}

static int
strv_set2(struct strv *e, const char *name, const char *value)
{
	char *s;
	int rc;

	if (asprintf(&s, "%s=%s", name, value) < 0)
		return -1;
	rc = strv_setenv(e, s);
	free(s);
	return rc;
}

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
	struct strv e = { NULL, 0, 0 };
	char **pamenv, **cli, *mail;
	size_t i;

	if (strv_set2(&e, "PATH", acct->uid == 0 ? PATH_DEFAULT_ROOT :
	    PATH_DEFAULT_USER) != 0)
		return NULL;
	if (asprintf(&mail, "%s/%s", _PATH_MAILDIR, acct->name) < 0 ||
	    strv_set2(&e, "MAIL", mail) != 0)
		return NULL;
	free(mail);
	if ((pamenv = pam_getenvlist(pamh)) != NULL) {
		for (i = 0; pamenv[i] != NULL; i++) {
			if (strv_setenv(&e, pamenv[i]) != 0)
				return NULL;
			free(pamenv[i]);
		}
		free(pamenv);
	}
	/* the client's variables, checked once more on the way */
	if ((cli = login_build_envp(a->env, NULL, NULL)) == NULL)
		return NULL;
	for (i = 0; cli[i] != NULL; i++)
		if (strv_setenv(&e, cli[i]) != 0)
			return NULL;
	login_argv_free(cli);
	if (strv_set2(&e, "HOME", acct->dir) != 0 ||
	    strv_set2(&e, "SHELL", acct->shell) != 0 ||
	    strv_set2(&e, "USER", acct->name) != 0 ||
	    strv_set2(&e, "LOGNAME", acct->name) != 0)
		return NULL;
	if (a->term != NULL && term_name_ok(a->term, strlen(a->term))) {
		if (strv_set2(&e, "TERM", a->term) != 0)
			return NULL;
	} else if (strv_set2(&e, "TERM", "dumb") != 0)
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

void
pam_login_main(const struct pam_login_args *a)
{
	struct conv_state cst = { 0 };
	struct pam_conv conv = { conversation, &cst };
	struct account acct = { NULL, NULL, NULL, 0, 0 };
	struct sigaction sa;
	pam_handle_t *pamh = NULL;
	const char *service, *user = NULL, *tty, *host, *u;
	char logname[LOG_NAME_MAX], **envp;
	int rc, tries, status;
	pid_t pid, w;

	openlog("telnetd", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	signals_default();
	(void)signal(SIGQUIT, SIG_IGN);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTSTP, SIG_IGN);
	umask(022);
	tty_sane();

	service = a->service != NULL ? a->service : DEFAULT_SERVICE;
	if (!service_ok(service)) {
		syslog(LOG_ERR, "pam: bad service name");
		die("Login service unavailable.");
	}
	if (a->user != NULL && user_name_ok(a->user, strlen(a->user)))
		user = a->user;
	tty = a->tty != NULL ? a->tty : "";
	if (strncmp(tty, "/dev/", 5) == 0)
		tty += 5;
	host = a->host != NULL ? a->host : "";

	if (a->login_timeout > 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = timed_out;
		sigemptyset(&sa.sa_mask);
		(void)sigaction(SIGALRM, &sa, NULL);
		alarm(a->login_timeout);
	}

	rc = pam_start(service, user, &conv, &pamh);
	if (rc != PAM_SUCCESS) {
		syslog(LOG_ERR, "pam_start(%s): %s", service,
		    pam_strerror(pamh, rc));
		die("Login service unavailable.");
	}
	if ((rc = pam_set_item(pamh, PAM_RHOST, host)) != PAM_SUCCESS ||
	    (rc = pam_set_item(pamh, PAM_TTY, tty)) != PAM_SUCCESS ||
	    (rc = pam_set_item(pamh, PAM_USER_PROMPT, "login: ")) !=
	    PAM_SUCCESS) {
		syslog(LOG_ERR, "pam_set_item: %s", pam_strerror(pamh, rc));
		pam_end(pamh, rc);
		die("Login service unavailable.");
	}
	(void)pam_fail_delay(pamh, FAIL_DELAY_US);

	for (tries = 1;; tries++) {
		rc = pam_authenticate(pamh, 0);
		if (rc == PAM_SUCCESS)
			break;
		u = pam_user(pamh);
		syslog(LOG_NOTICE, "FAILED LOGIN (%d) on '%s' from '%s' FOR "
		    "'%s', %s", tries, tty, host,
		    safe_name(logname, sizeof(logname), u),
		    pam_strerror(pamh, rc));
		if (cst.gone) {
			/* the client went away or sent end of file at a
			 * prompt: nobody is there to ask again */
			pam_end(pamh, rc);
			die(NULL);
		}
		if (rc == PAM_ABORT || rc == PAM_MAXTRIES ||
		    rc == PAM_CONV_ERR || tries >= LOGIN_RETRIES) {
			if (tries >= LOGIN_RETRIES || rc == PAM_MAXTRIES)
				syslog(LOG_NOTICE, "TOO MANY LOGIN TRIES "
				    "on '%s' from '%s'", tty, host);
			pam_end(pamh, rc);
			die(rc == PAM_CONV_ERR ? NULL : "\nLogin incorrect");
		}
		outln("\nLogin incorrect");
		/* ask for the name again, as login does */
		(void)pam_set_item(pamh, PAM_USER, NULL);
	}

	rc = pam_acct_mgmt(pamh, 0);
	if (rc == PAM_NEW_AUTHTOK_REQD) {
		rc = pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK);
		if (rc != PAM_SUCCESS) {
			syslog(LOG_NOTICE, "password change failed: %s",
			    pam_strerror(pamh, rc));
			pam_end(pamh, rc);
			die("Password change failed.");
		}
	} else if (rc != PAM_SUCCESS) {
		u = pam_user(pamh);
		syslog(LOG_NOTICE, "account check failed on '%s' from '%s' "
		    "for '%s': %s", tty, host,
		    safe_name(logname, sizeof(logname), u),
		    pam_strerror(pamh, rc));
		outln(pam_strerror(pamh, rc));
		pam_end(pamh, rc);
		die("Login refused.");
	}
	/* the name PAM settled on (a module may have mapped it) */
	u = pam_user(pamh);
	if (u == NULL || account_get(&acct, u) != 0) {
		pam_end(pamh, PAM_USER_UNKNOWN);
		die("Unknown user.");
	}
	alarm(0);
	(void)signal(SIGALRM, SIG_DFL);

	if (initgroups(acct.name, acct.gid) != 0) {
		syslog(LOG_ERR, "initgroups(%s): %m", acct.name);
		pam_end(pamh, PAM_SYSTEM_ERR);
		die("Cannot set the groups.");
	}
	rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);
	if (rc != PAM_SUCCESS) {
		syslog(LOG_ERR, "pam_setcred: %s", pam_strerror(pamh, rc));
		pam_end(pamh, rc);
		die("Cannot establish credentials.");
	}
	rc = pam_open_session(pamh, 0);
	if (rc != PAM_SUCCESS) {
		syslog(LOG_ERR, "pam_open_session: %s",
		    pam_strerror(pamh, rc));
		(void)pam_setcred(pamh, PAM_DELETE_CRED);
		pam_end(pamh, rc);
		die("Cannot open the session.");
	}
	syslog(LOG_INFO, "LOGIN ON %s BY %s FROM %s", tty,
	    safe_name(logname, sizeof(logname), acct.name), host);
	utmp_user_process(tty, acct.name, host);

	if ((envp = build_env(pamh, a, &acct)) == NULL) {
		(void)pam_close_session(pamh, 0);
		(void)pam_setcred(pamh, PAM_DELETE_CRED);
		pam_end(pamh, PAM_BUF_ERR);
		die("Out of memory.");
	}

	/* the parent forwards a hangup or SIGTERM to the shell, then still
	 * closes the session */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_sig;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);

	pid = fork();
	if (pid < 0) {
		syslog(LOG_ERR, "fork: %m");
		(void)pam_close_session(pamh, 0);
		(void)pam_setcred(pamh, PAM_DELETE_CRED);
		pam_end(pamh, PAM_SYSTEM_ERR);
		die("Cannot start the shell.");
	}
	if (pid == 0) {
		closelog();
		start_shell(&acct, envp);
	}
	login_argv_free(envp);

	status = 0;
	for (;;) {
		w = waitpid(pid, &status, 0);
		if (w == pid)
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
	(void)pam_close_session(pamh, 0);
	(void)pam_setcred(pamh, PAM_DELETE_CRED);
	pam_end(pamh, PAM_SUCCESS);
	closelog();
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	_exit(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
}
