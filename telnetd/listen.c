/*
 * listen.c - standalone mode: the listener's poll loop over its sockets
 * (listen_socket.c) and signals, one forked session per connection,
 * reaping, and a clean stop on SIGTERM that leaves running sessions
 * alone.  Each connection and each end is one log line.  A connection
 * over --max-sessions or --max-per-host gets one line and a clean close,
 * and no session.  A connection from a --proxy-from source waits for its
 * PROXY header first (listen_proxy.c); with TLS, the signer and the
 * context are listen_tls.c's.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

struct child {
	pid_t pid;
	char host[64];
	int64_t start;
};

/* The listener's poll slots: the signals, then a slot per socket from
 * LPFD_SOCKS, then (with --proxy-from) one per connection awaiting its
 * header, from pend_slot(). */
enum { LPFD_SIGNAL, LPFD_SOCKS };

struct listener {
	const struct config *cfg;
	struct listen_socks socks;
	struct listen_tls tls;
	int sfd;			/* signalfd: SIGCHLD, SIGTERM... */
	sigset_t oldmask;		/* the mask sessions get back */
	struct child *kids;
	size_t nkids, capkids;
	struct pending_list pl;		/* --proxy-from: headers awaited */
	rlim_t nofile;			/* the soft limit we started with */
	/* Signals and sockets; with --proxy-from, the connections awaiting
	 * a header too, in a larger array from the heap. */
	struct pollfd fixed[LPFD_SOCKS + MAX_SOCKS], *pfd;
};

/* The first slot of the connections awaiting a header: after the
 * sockets, whose number is known only once they are open. */
static size_t
pend_slot(const struct listener *l)
{
	return LPFD_SOCKS + l->socks.nfds;
}

/*
 * The table of running sessions has pages of its own, never the heap: a
 * session's child unmaps them (run_session), so a relay taken over cannot
 * read who else is connected, and no copy is left behind in freed heap
 * memory when the table grows.
 */
static void
add_child(struct listener *l, pid_t pid, const char *host)
{
	if (l->nkids == l->capkids) {
		size_t n = l->capkids ? l->capkids * 2 : 64;
		struct child *k = pages_alloc(n * sizeof(*k));

		if (k == NULL)
			return;	/* it is only for the log line */
		if (l->kids != NULL)
			memcpy(k, l->kids, l->nkids * sizeof(*k));
		pages_free(l->kids, l->capkids * sizeof(*k));
		l->kids = k;
		l->capkids = n;
	}
	l->kids[l->nkids].pid = pid;
	strlcpy(l->kids[l->nkids].host, host, sizeof(l->kids[0].host));
	l->kids[l->nkids].start = now_ms();
	l->nkids++;
	title_listener(l->socks.addrs, l->nkids);
}

static void
reap(struct listener *l)
{
	pid_t pid;
	int status;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		const char *host = "?";
		double secs = 0;

		if (listen_tls_reaped(&l->tls, pid, status))
			continue;
		for (i = 0; i < l->nkids; i++) {
			if (l->kids[i].pid != pid)
				continue;
			host = l->kids[i].host;
			secs = (double)(now_ms() - l->kids[i].start) / 1000.0;
			break;
		}
		if (WIFSIGNALED(status))
			log_info("session %ld from %s ended: signal %d, %.1f s",
			    (long)pid, host, WTERMSIG(status), secs);
		else
			log_info("session %ld from %s ended: exit %d, %.1f s",
			    (long)pid, host, WEXITSTATUS(status), secs);
		if (i < l->nkids) {
			l->kids[i] = l->kids[--l->nkids];
			title_listener(l->socks.addrs, l->nkids);
		}
	}
}

/*
 * Over --max-sessions or --max-per-host: one line to the client and a
 * clean close (what it already sent is read first, so the close is a FIN,
 * not a reset).  Nothing is forked; other sessions are not touched.
 */
static int
over_limit(const struct listener *l, int fd, const char *host,
    const char *port)
{
	static const char msg[] = "telnetd: too many sessions; try again "
	    "later.\r\n";
	char buf[512];
	size_t i, same = 0;
	int n;

	for (i = 0; i < l->nkids; i++)
		if (strcmp(l->kids[i].host, host) == 0)
			same++;
	if (l->cfg->max_sessions > 0 && l->nkids >= l->cfg->max_sessions)
		log_info("refused %s port %s: %zu sessions running "
		    "(--max-sessions=%u)", host, port, l->nkids,
		    l->cfg->max_sessions);
	else if (l->cfg->max_per_host > 0 && same >= l->cfg->max_per_host)
		log_info("refused %s port %s: %zu sessions from that address "
		    "(--max-per-host=%u)", host, port, same,
		    l->cfg->max_per_host);
	else
		return 0;
	(void)send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	for (n = 0; n < 8 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0;
	    n++)
		;
	return 1;
}

/* The forked session: nothing of the listener's but the connection, the
 * signal mask and descriptor limit it was started with.  What the
 * listener knows of its other clients (the sessions' table, the
 * connections awaiting a PROXY header) is unmapped before the session
 * reads a byte from its own. */
static void __attribute__((noreturn))
run_session(struct listener *l, int fd, const struct sockaddr_storage *ss,
    const struct tls_start *ts)
{
	struct rlimit rl;
	size_t i;

	for (i = 0; i < l->socks.nfds; i++)
		close(l->socks.fds[i]);
	for (i = 0; i < l->pl.n; i++)
		close(l->pl.conn[i].fd);
	pages_free(l->kids, l->capkids * sizeof(*l->kids));
	pending_forget(&l->pl);
	close(l->sfd);
	/* The signer's control is the listener's alone: a session
	 * holding it would keep a replaced signer alive. */
	if (l->tls.sg != NULL && l->tls.sg->ctl != -1)
		close(l->tls.sg->ctl);
	/* The session's programs get the limit we were given. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != l->nofile) {
		rl.rlim_cur = l->nofile;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	_exit(session_run(l->cfg, fd, ss, ts));
}

/*
 * The listener's stack below the caller's frame zeroed: what its calls
 * left there (the lines it logged about other clients, their names) would
 * be in the next session's copy of the stack, which its relay reads on.
 * The listener's own pages, written before the fork: the child shares
 * the zeroes.  16 KiB covers syslog's formatting of a line about a client
 * (test_relay_peers.py still found the addresses with 8 KiB).  What it
 * costs a session (make bench's scale row, 1,000 idle --listen sessions):
 * 108 KiB each against 104-105 without; 32 KiB made it 120.
 */
#define STACK_SCRUB	(16 * 1024)
static __attribute__((noinline)) void
stack_scrub(void)
{
	unsigned char pad[STACK_SCRUB];

	explicit_bzero(pad, sizeof(pad));
}

/* A session for the client at ss (via: the proxy's name, or NULL), on
 * an address of TLS mode `mode`. */
static void
admit(struct listener *l, int fd, const struct sockaddr_storage *ss,
    const char *via, int mode)
{
	struct tls_start ts;
	char host[64], port[16];
	pid_t pid;

	listen_name((const struct sockaddr *)ss, listen_ss_len(ss), host,
	    sizeof(host), port, sizeof(port));
	if (over_limit(l, fd, host, port)) {
		close(fd);
		return;
	}
	memset(&ts, 0, sizeof(ts));
	ts.chan = -1;
	if (mode != TLS_MODE_OFF) {
		ts.ops = l->cfg->tls.ops;
		ts.mode = mode;
		if (listen_tls_channel(&l->tls, &ts.chan) == -1) {
			log_warnx("refused %s port %s: no signer for TLS",
			    host, port);
			close(fd);
			return;
		}
		/* After the channel: getting one may start a signer and
		 * make a new context in place of the old. */
		ts.ctx = l->tls.ctx;
	}
	log_check_syslog();
	if (mode != TLS_MODE_OFF)
		tls_heap_settle();
	stack_scrub();
	if ((pid = fork()) == -1) {
		log_warn("fork");
		close(fd);
		if (ts.chan != -1)
			close(ts.chan);
		return;
	}
	if (pid == 0)
		run_session(l, fd, ss, mode != TLS_MODE_OFF ? &ts : NULL);
	close(fd);
	if (ts.chan != -1)
		close(ts.chan);
	log_info("connection from %s port %s%s%s: session %ld", host, port,
	    via ? " via PROXY from " : "", via ? via : "", (long)pid);
	add_child(l, pid, host);
}

static void
accept_one(struct listener *l, int lfd, int mode)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	memset(&ss, 0, sizeof(ss));
	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &len,
	    SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (l->cfg->nproxy == 0 || !proxy_trusted(l->cfg->proxy_from,
	    l->cfg->nproxy, (struct sockaddr *)&ss, len)) {
		admit(l, fd, &ss, NULL, mode);
		return;
	}
	pending_add(&l->pl, fd, mode, &ss, len);
}

/*
 * The descriptor limit: the soft one raised to the hard one (systemd gives
 * services 1024 and a hard limit far above it), and said when even that is
 * below what the listener can come to hold: its sockets and, with
 * --proxy-from, a descriptor per connection awaiting its header (as many
 * as --max-sessions, at most PROXY_PENDING_MAX).  Sessions get the soft
 * limit back (run_session): programs that walk every descriptor up to it, or
 * select(), expect the usual 1024.
 */
static void
raise_nofile(struct listener *l)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)(l->socks.nfds + l->pl.max + 16);

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return;
	}
	l->nofile = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit RLIMIT_NOFILE");
			rl.rlim_cur = l->nofile;
		}
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warnx("descriptor limit %llu is below the %llu the "
		    "listener may need (%zu sockets, %zu PROXY headers "
		    "awaited at once); raise LimitNOFILE or ulimit -n",
		    (unsigned long long)rl.rlim_cur, (unsigned long long)need,
		    l->socks.nfds, l->pl.max);
}

/* Signals as a descriptor, the sockets, TLS, the descriptor limit and
 * the list of connections awaiting a PROXY header.  0, or the exit
 * status when the listener cannot start. */
static int
listener_open(struct listener *l, const struct config *cfg,
    struct ks_signer *sg)
{
	sigset_t mask;

	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->pfd = l->fixed;
	pending_init(&l->pl, cfg);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, &l->oldmask) == -1 ||
	    (l->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	if (listen_open(&l->socks, cfg) == -1) {
		log_warnx(l->socks.nfds > 0 ? "not listening on every address "
		    "asked for: not started" : "nothing to listen on");
		return 1;
	}
	if (listen_tls_start(&l->tls, cfg, sg) == -1)
		return 2;
	raise_nofile(l);
	if (l->pl.max > 0 &&
	    (pending_alloc(&l->pl) == -1 ||
	    (l->pfd = calloc(pend_slot(l) + l->pl.max,
	    sizeof(*l->pfd))) == NULL))
		fatal("PROXY connections' table");
	listen_addrs(&l->socks);
	title_listener(l->socks.addrs, 0);
	log_info("telnetd %s ready", TELNETD_VERSION);
	return 0;
}

/* One poll over the signals, the sockets and the connections awaiting a
 * header (*npend of them, from the list's start).  -1: interrupted. */
static int
listener_poll(struct listener *l, size_t *npend)
{
	struct pollfd *pfd = l->pfd, *pend = l->pfd + pend_slot(l);
	size_t i;

	pfd[LPFD_SIGNAL].fd = l->sfd;
	pfd[LPFD_SIGNAL].events = POLLIN;
	for (i = 0; i < l->socks.nfds; i++) {
		pfd[LPFD_SOCKS + i].fd = l->socks.fds[i];
		pfd[LPFD_SOCKS + i].events = POLLIN;
	}
	*npend = l->pl.n;
	for (i = 0; i < *npend; i++) {
		pend[i].fd = l->pl.conn[i].fd;
		pend[i].events = POLLIN;
	}
	if (poll(pfd, pend_slot(l) + *npend, pending_timeout(&l->pl,
	    now_ms())) == -1) {
		if (errno == EINTR)
			return -1;
		fatal("poll");
	}
	return 0;
}

/* What the signalfd holds: every ended child reaped, SIGHUP's reload
 * (not when stopping), and SIGTERM or SIGINT returned (0: neither). */
static int
listener_signals(struct listener *l)
{
	struct signalfd_siginfo si;
	int stop = 0, hup = 0;

	while (read(l->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stop = (int)si.ssi_signo;
		else if (si.ssi_signo == SIGHUP)
			hup = 1;
	}
	reap(l);
	if (hup && !stop) {
		if (l->tls.sg != NULL)
			listen_tls_reload(&l->tls, "SIGHUP");
		else
			log_info("SIGHUP: nothing to reload (no TLS)");
	}
	return stop;
}

/* Serve until SIGTERM or SIGINT, which is returned. */
static int
listener_serve(struct listener *l)
{
	struct pending_done done;
	size_t i, npend;
	int64_t now;
	int stop = 0;

	while (!stop) {
		if (listener_poll(l, &npend) == -1)
			continue;
		if (l->pfd[LPFD_SIGNAL].revents & POLLIN)
			stop = listener_signals(l);
		/* Headers first, from the last: a finished one leaves the
		 * list (its place taken by the last), new ones join it. */
		now = now_ms();
		for (i = npend; i-- > 0 && !stop;)
			if (pending_step(&l->pl, i,
			    l->pfd[pend_slot(l) + i].revents != 0, now, &done))
				admit(l, done.fd, &done.client, done.proxy,
				    done.mode);
		for (i = 0; i < l->socks.nfds && !stop; i++)
			if (l->pfd[LPFD_SOCKS + i].revents & POLLIN)
				accept_one(l, l->socks.fds[i],
				    l->socks.mode[i]);
	}
	return stop;
}

/* The sockets closed; the sessions run on. */
static void
listener_close(struct listener *l, int stop)
{
	size_t i;

	for (i = 0; i < l->socks.nfds; i++)
		close(l->socks.fds[i]);
	pending_free(&l->pl);
	if (l->pfd != l->fixed)
		free(l->pfd);
	log_info("%s: stopped listening; %zu sessions left running",
	    stop == SIGTERM ? "SIGTERM" : "SIGINT", l->nkids);
	listen_tls_stop(&l->tls);
	pages_free(l->kids, l->capkids * sizeof(*l->kids));
	close(l->sfd);
}

int
listen_run(const struct config *cfg, struct ks_signer *sg)
{
	struct listener l;
	int status;

	if ((status = listener_open(&l, cfg, sg)) != 0)
		return status;
	listener_close(&l, listener_serve(&l));
	return 0;
}
