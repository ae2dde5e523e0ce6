/*
 * inetd_launcher.c - a minimal accept-and-fork launcher, like inetd "nowait".
 *
 *	inetd_launcher [-6] [-k] [-v] [-a ADDR] PORT -- CMD [ARG...]
 *
 * Listens on loopback (127.0.0.1, or ::1 with -6, or ADDR), prints
 * "READY <port>\n" on standard output once listening (PORT 0 picks a free
 * port), then for every connection starts CMD with the connected socket as
 * descriptors 0, 1 and 2, exactly as inetd does.  Children are reaped.
 * SIGTERM or SIGINT: stop listening and exit 0, leaving running sessions
 * alone; with -k, first send SIGTERM to every running child, wait up to
 * two seconds, SIGKILL what is left and reap it.
 *
 * The per-connection cost is accept4 + fork + three dup2 + a signal mask
 * reset + exec (the sockets are close-on-exec): nothing else, so it can host
 * both our telnetd and another one in a benchmark on equal terms.
 *
 * Children start like inetd's: every signal disposition default (the
 * launcher resets what it inherited at start-up, glibc's internal signals
 * too, with the raw system call), nothing blocked, no other descriptor.
 * posix_spawn is not used: glibc's leaves its internal signals 32 and 33 as
 * SIG_IGN in the new program, which would then show up as the daemon's
 * fault in the tests that check what a session program inherits.
 *
 * With -v each connection is logged on standard error ("conn <pid> <addr> <port>", "exit <pid> <status>" or
 * "exit <pid> signal <n>").
 *
 * Exit status: 0 after SIGTERM/SIGINT, 2 on usage errors, 1 on setup errors.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_term;
static volatile sig_atomic_t got_chld;

struct children {
	pid_t *pids;
	size_t n, cap;
};

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = 1;
}

/*
 * Set every signal to SIG_DFL with the raw system call: glibc's sigaction()
 * refuses its internal signals, which a parent may have left ignored.  An
 * all-zero kernel sigaction is SIG_DFL, no flags, empty mask, whatever the
 * architecture's field order.
 */
static void
reset_signals(void)
{
	unsigned long ksa[16];
	int sig;

	memset(ksa, 0, sizeof(ksa));
	for (sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)syscall(SYS_rt_sigaction, sig, ksa, NULL, 8);
}

static void
usage(void)
{
	fprintf(stderr, "usage: inetd_launcher [-6] [-k] [-v] [-a ADDR] "
	    "PORT -- CMD [ARG...]\n");
	exit(2);
}

static int
children_add(struct children *c, pid_t pid)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		pid_t *np = realloc(c->pids, ncap * sizeof(*np));

		if (np == NULL)
			return -1;
		c->pids = np;
		c->cap = ncap;
	}
	c->pids[c->n++] = pid;
	return 0;
}

static void
children_del(struct children *c, pid_t pid)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->pids[i] == pid) {
			c->pids[i] = c->pids[--c->n];
			return;
		}
	}
}

static void
reap(struct children *c, int quiet)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		children_del(c, pid);
		if (quiet)
			continue;
		if (WIFEXITED(status))
			fprintf(stderr, "exit %ld %d\n", (long)pid,
			    WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			fprintf(stderr, "exit %ld signal %d\n", (long)pid,
			    WTERMSIG(status));
	}
}

/* -k: SIGTERM every child, give them two seconds, SIGKILL the rest. */
static void
kill_children(struct children *c, int quiet)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	size_t i;
	int tries;

	for (i = 0; i < c->n; i++)
		kill(c->pids[i], SIGTERM);
	for (tries = 0; tries < 100 && c->n > 0; tries++) {
		reap(c, quiet);
		if (c->n > 0)
			nanosleep(&ts, NULL);
	}
	for (i = 0; i < c->n; i++)
		kill(c->pids[i], SIGKILL);
	while (c->n > 0) {
		pid_t pid = waitpid(-1, NULL, 0);

		if (pid < 0)
			break;
		children_del(c, pid);
	}
}

static int
listen_on(const char *addr, int v6, const char *portstr, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char *end;
	long p;
	int fd, one = 1;

	p = strtol(portstr, &end, 10);
	if (*portstr == '\0' || *end != '\0' || p < 0 || p > 65535)
		usage();
	if (addr == NULL)
		addr = v6 ? "::1" : "127.0.0.1";
	else if (strchr(addr, ':') != NULL)
		v6 = 1;

	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)p);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			usage();
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)p);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			usage();
		sl = sizeof(*s4);
	}

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0) {
		perror("inetd_launcher: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "inetd_launcher: bind %s port %ld: %s\n", addr,
		    p, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		perror("inetd_launcher: listen");
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		perror("inetd_launcher: getsockname");
		close(fd);
		return -1;
	}
	*port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void
peer_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a;
	unsigned port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		a = &s6->sin6_addr;
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		a = &s4->sin_addr;
		port = ntohs(s4->sin_port);
	}
	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	snprintf(buf + strlen(buf), len - strlen(buf), " %u", port);
}

int
main(int argc, char **argv)
{
	struct children kids = { NULL, 0, 0 };
	struct sigaction sa;
	sigset_t block, empty;
	const char *addr = NULL;
	char **cmd;
	unsigned port;
	int c, v6 = 0, killkids = 0, quiet = 1, lfd, fd, errfd;

	while ((c = getopt(argc, argv, "+6a:kv")) != -1) {
		switch (c) {
		case '6':
			v6 = 1;
			break;
		case 'a':
			addr = optarg;
			break;
		case 'k':
			killkids = 1;
			break;
		case 'v':
			quiet = 0;
			break;
		default:
			usage();
		}
	}
	/* PORT -- CMD ...; getopt stops at PORT, so "--" follows it. */
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0)
		usage();
	cmd = &argv[optind + 2];

	/* Descriptors 0-2 must exist, or an accepted socket could land on
	 * one of them and be closed by the dup2 dance. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);

	/* Children report a failed exec here: their own 2 is the socket. */
	errfd = fcntl(2, F_DUPFD_CLOEXEC, 3);

	lfd = listen_on(addr, v6, argv[optind], &port);
	if (lfd < 0)
		return 1;

	reset_signals();

	/* Signals are only delivered inside ppoll(): no races with accept. */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("READY %u\n", port);
	if (fflush(stdout) != 0)
		return 1;

	while (!got_term) {
		struct pollfd pfd = { lfd, POLLIN, 0 };

		if (ppoll(&pfd, 1, NULL, &empty) < 0 && errno != EINTR) {
			perror("inetd_launcher: ppoll");
			return 1;
		}
		if (got_chld) {
			got_chld = 0;
			reap(&kids, quiet);
		}
		if (got_term)
			break;
		/* Take every pending connection before polling again. */
		for (;;) {
			struct timespec backoff = { 0, 50 * 1000 * 1000 };
			struct sockaddr_storage peer;
			socklen_t pl = sizeof(peer);
			pid_t pid;
			int s;

			s = accept4(lfd, (struct sockaddr *)&peer, &pl,
			    SOCK_CLOEXEC);
			if (s < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK ||
				    errno == EINTR)
					break;
				if (errno == ECONNABORTED || errno == EPROTO)
					continue;
				/* EMFILE and friends: back off, keep going. */
				perror("inetd_launcher: accept");
				nanosleep(&backoff, NULL);
				break;
			}
			pid = fork();
			if (pid == 0) {
				/* Handlers reset at exec; SIGPIPE is ours. */
				if (dup2(s, 0) < 0 || dup2(s, 1) < 0 ||
				    dup2(s, 2) < 0)
					_exit(127);
				signal(SIGPIPE, SIG_DFL);
				sigprocmask(SIG_SETMASK, &empty, NULL);
				execvp(cmd[0], cmd);
				if (errfd >= 0)
					dprintf(errfd, "inetd_launcher: %s: %s\n",
					    cmd[0], strerror(errno));
				_exit(127);
			}
			close(s);
			if (pid < 0) {
				perror("inetd_launcher: fork");
				continue;
			}
			if (children_add(&kids, pid) < 0)
				fprintf(stderr, "inetd_launcher: out of "
				    "memory tracking %ld\n", (long)pid);
			if (!quiet) {
				char name[INET6_ADDRSTRLEN + 8];

				peer_name(&peer, name, sizeof(name));
				fprintf(stderr, "conn %ld %s\n", (long)pid,
				    name);
			}
		}
	}
	close(lfd);
	reap(&kids, quiet);
	if (killkids)
		kill_children(&kids, quiet);
	free(kids.pids);
	return 0;
}
