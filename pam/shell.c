/*
 * shell.c - the user's login shell: the environment it starts with, the
 * child that becomes the user and executes it, and the parent that waits
 * for it, passing on a hangup or SIGTERM.
 *
 * The shell's environment, each later line overriding the earlier:
 *   PATH (a default, root's or a user's), MAIL
 *   the PAM environment (pam_env: /etc/environment, /etc/default/locale)
 *   the client's allow-listed variables (LANG, LC_*, TZ, DISPLAY, ...),
 *     which can never be PATH, HOME, SHELL, MAIL or a loader variable
 *   HOME, SHELL, USER, LOGNAME, TERM: from the password entry and TTYPE.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <paths.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "login.h"
#include "pam_int.h"

#define PATH_DEFAULT_USER \
	"/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"
#define PATH_DEFAULT_ROOT \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The environment of the top of this file, built from nothing. */
char **
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

void
signals_default(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);	/* fails for KILL, STOP */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
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

/* The shell in a child; the parent forwards a hangup or SIGTERM to it and
 * waits.  The wait status goes to *status; -1 when fork fails. */
int
shell_run(const struct account *acct, char **envp, int *status)
{
	struct sigaction sa;
	pid_t pid, w;

	*status = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_sig;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	if ((pid = fork()) < 0) {
		syslog(LOG_ERR, "fork: %m");
		return -1;
	}
	if (pid == 0) {
		closelog();
		start_shell(acct, envp);
	}
	login_argv_free(envp);
	for (;;) {
		if ((w = waitpid(pid, status, 0)) == pid)
			break;
		if (w < 0 && errno != EINTR) {
			*status = 1 << 8;
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
	return 0;
}
