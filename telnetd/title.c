/*
 * title.c - what ps(1) shows for each process of the daemon, as sshd does:
 *
 *	telnetd: listening on 0.0.0.0:23 [::]:23, 12 sessions	listener
 *	telnetd: 192.0.2.7 on pts/3				monitor
 *	telnetd: 192.0.2.7 [relay]				relay
 *
 * (the monitor shows just the address until the program has its pty).
 *
 * ps reads a process's command line from the memory the kernel knows as
 * its argument area.  libbsd's setproctitle() writes the title over the
 * argument strings (and the environment strings after them), at the top of
 * the stack.  That is right for the listener, one process, but each
 * session's two processes would then copy that stack page (copy on write,
 * they share it with their parent): measured with make bench, memory per
 * idle session went from 156 to 160-161 KiB in inetd mode (the relay's
 * copy) and by about 8 KiB with --listen (both copy the listener's).
 *
 * So a session's processes keep their title in memory they own and write
 * anyway (the relay's struct session, the monitor's stack frame) and tell
 * the kernel that this is now their argument area, with prctl(PR_SET_MM,
 * PR_SET_MM_MAP), which every field of the memory map must come with
 * (unchanged: read once from /proc/self/stat by title_init, the same in
 * every process forked from it; only the break moves).  No capability is
 * needed when the executable stays the same; the kernel must have
 * CONFIG_CHECKPOINT_RESTORE (Debian's has).  Where it refuses, the title
 * goes libbsd's way, and costs that page.  The buffer must be anonymous
 * memory: the kernel reads the title with FOLL_ANON.
 *
 * For libbsd itself: setproctitle_init() would copy the whole environment
 * to the heap (a setenv() per variable) in every process inetd starts, and
 * the first title would clear the whole argument and environment area
 * (+12 KiB per session).  So title_init() keeps only the variables the
 * daemon reads itself, and gives libbsd a title area a little past
 * TITLE_ROOM bytes.  The rest of the environment is of no use to the
 * daemon: the program's environment is built from nothing (login.c); its
 * strings are cleared, so that no relay holds them.
 */
#include <sys/prctl.h>

#include <linux/prctl.h>

#include <errno.h>
#include <fcntl.h>
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
/* The memory map fields PR_SET_MM_MAP wants, as they were at start-up:
 * mm_ok is 0 when they could not be read or the kernel refused a map (the
 * titles then go libbsd's way). */
static struct prctl_mm_map mm_start;
static int mm_ok;

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

/* Fields 26-28 and 45-51 of /proc/self/stat (proc(5)): the code, stack,
 * data, break, argument and environment addresses. */
static void
mm_read(void)
{
	char buf[1024], *p, *end;
	unsigned long long v[52];
	ssize_t n;
	int fd, i;

	if ((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": field 4 on follows the state letter. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return;
	p += 3;
	for (i = 4; i < 52; i++) {
		v[i] = strtoull(p, &end, 10);
		if (end == p)
			return;
		p = end;
	}
	memset(&mm_start, 0, sizeof(mm_start));
	mm_start.start_code = v[26];
	mm_start.end_code = v[27];
	mm_start.start_stack = v[28];
	mm_start.start_data = v[45];
	mm_start.end_data = v[46];
	mm_start.start_brk = v[47];
	mm_start.arg_start = v[48];
	mm_start.arg_end = v[49];
	mm_start.env_start = v[50];
	mm_start.env_end = v[51];
	mm_start.exe_fd = (__u32)-1;	/* the executable stays */
	mm_ok = mm_start.arg_end > mm_start.arg_start;
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
	/* The strings themselves, the kept ones copied above: every process
	 * forked from here would carry them, each relay (the one process that
	 * parses the network) too, and what the daemon was started with (an
	 * admin's shell, a unit's Environment=) is none of its business.
	 * libbsd has measured its title area already. */
	for (i = 0; mine != NULL && envp[i] != NULL; i++)
		explicit_bzero(envp[i], strlen(envp[i]));
	mm_read();
}

/* Format a title into buf; its length. */
static size_t title_fmt(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static size_t
title_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < size ? (size_t)n : size - 1;
}

/* libbsd's way: a title shorter than argv[0] padded with blanks (see
 * title_min), written over the argument area. */
static void
title_bsd(char *buf, size_t size, size_t n)
{
	for (; n < title_min && n < size - 1; n++)
		buf[n] = ' ';
	buf[n] = '\0';
	setproctitle("-%s", buf);
}

/*
 * A session process's title: buf, which stays where it is for the life
 * of the process, becomes its argument area.  libbsd's way when the kernel
 * will not (and from then on for this process: mm_ok is per process after
 * the fork).
 */
static void
title_own(char *buf, size_t size, size_t len)
{
	struct prctl_mm_map map;

	if (mm_ok) {
		map = mm_start;
		map.arg_start = (__u64)(uintptr_t)buf;
		map.arg_end = (__u64)(uintptr_t)(buf + len + 1);
		map.brk = (__u64)(uintptr_t)sbrk(0);
		if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&map,
		    sizeof(map), 0) == 0)
			return;
		mm_ok = 0;
	}
	title_bsd(buf, size, len);
}

void
title_listener(const char *addrs, size_t nsessions)
{
	char buf[TITLE_MAX];

	title_bsd(buf, sizeof(buf), title_fmt(buf, sizeof(buf),
	    "telnetd: listening on %s, %zu session%s", addrs, nsessions,
	    nsessions == 1 ? "" : "s"));
}

/* The monitor: the client's address, and its pty once there is one. */
void
title_session(char *buf, size_t size, const char *host, const char *tty)
{
	size_t n;

	if (tty != NULL && *tty != '\0')
		n = title_fmt(buf, size, "telnetd: %s on %s", host, tty);
	else
		n = title_fmt(buf, size, "telnetd: %s", host);
	title_own(buf, size, n);
}

void
title_relay(char *buf, size_t size, const char *host)
{
	title_own(buf, size, title_fmt(buf, size, "telnetd: %s [relay]",
	    host));
}
