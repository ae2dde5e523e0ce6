/*
 * main.c - pam-login, the program the daemon runs on the pty with --pam.
 *
 *   pam-login [-s SERVICE] [-u USER] [-h HOST] [-T TERM] [-t SECONDS]
 *             [-e NAME=VALUE]...
 *
 * Descriptors 0-2 are the session's pty, the controlling terminal of this
 * process, which is the session leader.  The daemon builds the arguments
 * from values it has already checked (the user name, the terminal type,
 * the allow-listed client variables); they are checked here once more on
 * the way in (user_name_ok, term_name_ok, and login_build_envp's check of
 * every variable), so a mistake in one place is not enough.
 *
 * Why a program of its own rather than code in the daemon: the daemon is
 * linked statically to keep each session's private memory small, and
 * libpam with its modules needs the dynamic loader; here it is linked the
 * usual way, and the daemon's processes never map it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "login.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pam-login [-s service] [-u user] [-h host] "
	    "[-T term] [-t seconds] [-e NAME=VALUE]...\n");
	exit(2);
}

/* Keep NAME=VALUE as a client variable; login_build_envp checks it. */
static void
keep_var(struct client_env *env, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t nl, vl;

	if (eq == NULL || eq == arg)
		usage();
	nl = (size_t)(eq - arg);
	vl = strlen(eq + 1);
	if (env->n >= ENV_MAX_VARS || nl >= sizeof(env->vars[0].name) ||
	    vl >= sizeof(env->vars[0].value)) {
		env->dropped++;
		return;
	}
	memcpy(env->vars[env->n].name, arg, nl);
	env->vars[env->n].name[nl] = '\0';
	memcpy(env->vars[env->n].value, eq + 1, vl + 1);
	env->n++;
}

int
main(int argc, char *argv[])
{
	static struct client_env env;
	struct pam_login_args a;
	unsigned long secs;
	const char *tty;
	char *end;
	int ch;

	memset(&a, 0, sizeof(a));
	a.env = &env;
	while ((ch = getopt(argc, argv, "s:u:h:T:t:e:")) != -1) {
		switch (ch) {
		case 's':
			a.service = optarg;
			break;
		case 'u':
			if (user_name_ok(optarg, strlen(optarg)))
				a.user = optarg;
			break;
		case 'h':
			a.host = optarg;
			break;
		case 'T':
			if (term_name_ok(optarg, strlen(optarg)))
				a.term = optarg;
			break;
		case 't':
			secs = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || secs > 86400)
				usage();
			a.login_timeout = (unsigned int)secs;
			break;
		case 'e':
			keep_var(&env, optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((tty = ttyname(STDIN_FILENO)) == NULL) {
		perror("pam-login: ttyname");
		return 1;
	}
	a.tty = tty;
	pam_login_main(&a);
}
