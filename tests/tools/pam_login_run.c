/*
 * pam_login_run - run the --pam login path (pam_login_main) on the
 * terminal it is started on, without the daemon, for the integration
 * tests of pam/pam_login.c.
 *
 *   pam_login_run [-s SERVICE] [-u USER] [-h HOST] [-T TERM] [-t SECONDS]
 *                 [-e NAME=VALUE]...
 *
 * Descriptors 0-2 must be a terminal that is the controlling terminal of
 * this process, which must be a session leader (as in the daemon's pty
 * child).  -e variables go through env_add() with the built-in allow-list,
 * as the daemon's relay does with NEW-ENVIRON; -u goes through it too
 * (USER), so a hostile name is dropped the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "login.h"

static void
usage(void)
{
	fprintf(stderr, "usage: pam_login_run [-s service] [-u user] "
	    "[-h host] [-T term] [-t seconds] [-e NAME=VALUE]...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static struct client_env env;
	struct pam_login_args a;
	const char *tty, *eq;
	int ch;

	memset(&a, 0, sizeof(a));
	a.service = "telnetd";
	a.host = "127.0.0.1";
	a.term = "xterm";
	a.env = &env;
	while ((ch = getopt(argc, argv, "s:u:h:T:t:e:")) != -1) {
		switch (ch) {
		case 's':
			a.service = optarg;
			break;
		case 'u':
			env_add(&env, NULL, "USER", 4, optarg, strlen(optarg));
			break;
		case 'h':
			a.host = optarg;
			break;
		case 'T':
			a.term = optarg;
			break;
		case 't':
			a.login_timeout = (unsigned int)strtoul(optarg, NULL,
			    10);
			break;
		case 'e':
			if ((eq = strchr(optarg, '=')) == NULL)
				usage();
			env_add(&env, NULL, optarg, (size_t)(eq - optarg),
			    eq + 1, strlen(eq + 1));
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((tty = ttyname(STDIN_FILENO)) == NULL) {
		perror("pam_login_run: ttyname");
		return 1;
	}
	a.tty = tty;
	a.user = env.user[0] != '\0' ? env.user : NULL;
	pam_login_main(&a);
}
