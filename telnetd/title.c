/*
 * title.c - what ps(1) shows for each process of the daemon, as sshd does:
 *
 *	telnetd: listening on 0.0.0.0:23 [::]:23, 12 sessions	listener
 *	telnetd: 192.0.2.7 on pts/3				monitor
 *	telnetd: 192.0.2.7 [relay]				relay
 *
 * (the monitor shows just the address until the program has its pty).
 * libbsd's setproctitle() writes the title over the argument strings and,
 * past them, the environment strings that follow.
 *
 * What that costs, measured with make bench (memory per idle session, PSS
 * of monitor and relay; before and after in one run window):
 *
 *  - used as libbsd's manual says, setproctitle_init() copies the whole
 *    environment to the heap (a setenv() per variable) in every process
 *    that inetd starts, and the first title clears the whole argument and
 *    environment area: 156 -> 168 KiB in inetd mode.  So title_init()
 *    gives libbsd less to do: the daemon keeps only the variables it reads
 *    itself (a few bytes of heap), and the title area ends a little past
 *    TITLE_ROOM bytes.  The rest of the environment is of no use to the
 *    daemon: the program's environment is built from nothing (login.c).
 *  - what remains is the page at the top of the stack that holds the
 *    command line: two processes with different titles need a copy each.
 *    In inetd mode the relay copies it (the monitor's was its own from
 *    exec): 156 -> 160-161 KiB.  With --listen the monitor and the relay
 *    both copy the listener's: about 8 KiB more per session (96 -> 105
 *    KiB at 1,000 sessions).  Only moving the title out of that page
 *    (prctl PR_SET_MM_MAP into memory each process owns anyway) would
 *    avoid it; that needs a kernel with CONFIG_CHECKPOINT_RESTORE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

#define TITLE_ROOM	256	/* bytes of title area wanted (libbsd's max) */
#define TITLE_ENVS	64	/* environment strings it may take */

extern char **environ;

/* The length of argv[0] at start-up, set once by title_init(): a shorter
 * title gets spaces to that length, or libbsd marks the old end of
 * argv[0] with a '.' that ps shows ("telnetd: ::1 [relay]  ."). */
static size_t title_min;
/* The environment title_init() made, for as long as the process lives:
 * also when glibc's clean-up at exit (valgrind's __libc_freeres) has set
 * environ to NULL. */
static char **volatile title_env;	/* volatile: only written */

/* Read by the daemon after start-up (listen.c, log.c, syslog's clock). */
static const char *const keep_env[] = {
	"LISTEN_PID=", "LISTEN_FDS=", "LISTEN_FDNAMES=", "JOURNAL_STREAM=",
	"TZ=",
};
#define NKEEP	(sizeof(keep_env) / sizeof(keep_env[0]))

/* Which of keep_env a variable is, or NKEEP. */
static size_t
kept(const char *var)
{
	size_t k;

	for (k = 0; k < NKEEP; k++)
		if (strncmp(var, keep_env[k], strlen(keep_env[k])) == 0)
			break;
	return k;
}

void
title_init(int argc, char **argv)
{
	char **envp = environ, **mine = NULL, *area[TITLE_ENVS + 1], *str;
	const char *end;
	size_t i, n = 0, na = 0, bytes = 0;

	if (argc < 1 || argv[0] == NULL || envp == NULL)
		return;
	/* The variables the daemon still reads, as an environment of its
	 * own: one block, the array and then the strings, so it stays one
	 * allocation whatever unsetenv() takes out of the array.  Without
	 * memory for it, the whole environment stays (and the title has
	 * argv's room only). */
	for (i = 0; envp[i] != NULL; i++)
		if (kept(envp[i]) < NKEEP && n < NKEEP) {
			bytes += strlen(envp[i]) + 1;
			n++;
		}
	if ((mine = malloc((n + 1) * sizeof(*mine) + bytes)) != NULL) {
		str = (char *)(mine + n + 1);
		for (i = n = 0; envp[i] != NULL && n < NKEEP; i++)
			if (kept(envp[i]) < NKEEP) {
				mine[n++] = str;
				str = stpcpy(str, envp[i]) + 1;
			}
		mine[n] = NULL;
		title_env = mine;
		environ = mine;
	}
	/* The title area: argv's strings, then environment strings that
	 * follow them in memory, until there is room enough. */
	end = argv[0] + strlen(argv[0]) + 1;
	for (i = 1; i < (size_t)argc; i++)
		if (argv[i] == end)
			end = argv[i] + strlen(argv[i]) + 1;
	for (i = 0; mine != NULL && envp[i] != NULL && na < TITLE_ENVS &&
	    (size_t)(end - argv[0]) < TITLE_ROOM; i++) {
		if (envp[i] != end)
			break;
		area[na++] = envp[i];
		end = envp[i] + strlen(envp[i]) + 1;
	}
	area[na] = NULL;
	title_min = strlen(argv[0]);
	/* libbsd copies the environment only when given environ itself. */
	setproctitle_init(argc, argv, mine != NULL ? area : envp);
}

static void title_set(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
title_set(const char *fmt, ...)
{
	char buf[TITLE_ROOM];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (; (size_t)n < title_min && (size_t)n < sizeof(buf) - 1; n++)
		buf[n] = ' ';
	buf[n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1] = '\0';
	setproctitle("-%s", buf);
}

void
title_listener(const char *addrs, size_t nsessions)
{
	title_set("telnetd: listening on %s, %zu session%s", addrs,
	    nsessions, nsessions == 1 ? "" : "s");
}

/* The monitor: the client's address, and its pty once there is one. */
void
title_session(const char *host, const char *tty)
{
	if (tty != NULL && *tty != '\0')
		title_set("telnetd: %s on %s", host, tty);
	else
		title_set("telnetd: %s", host);
}

void
title_relay(const char *host)
{
	title_set("telnetd: %s [relay]", host);
}
