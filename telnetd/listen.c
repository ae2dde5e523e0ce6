/*
 * listen.c - standalone mode: listening sockets (from --listen, or from
 * systemd socket activation with Accept=no), one forked session per
 * connection, reaping, and a clean stop on SIGTERM that leaves running
 * sessions alone.  Each connection and each end is one log line.  A
 * connection over --max-sessions or --max-per-host gets one line and a
 * clean close, and no session.
 *
 * A connection from a --proxy-from source waits in the listener's own poll
 * loop until its PROXY header is in (peer.c reads it, a step per poll):
 * the limits then count the client it names, and a proxy that sends
 * nothing holds a descriptor until --proxy-timeout, never a process.
 *
 * TLS (tls-helper's daemon): the listener keeps one signer, the only
 * process with the private key, and the TLS context made from the
 * certificates that signer checked, made once here so that every
 * session's relay shares it instead of making its own.  A connection on
 * a TLS address gets a channel to the signer before the fork.  SIGHUP
 * starts a new signer with the files as they are now and, once it has
 * checked them, puts it and a new context in the old ones' place for new
 * sessions (the old signer ends when the channels it was given are done);
 * files that do not pass leave the old pair in service, with a log line.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

#define MAX_SOCKS	(2 * MAX_LISTEN + 64)
#define SD_LISTEN_FDS_START 3

struct child {
	pid_t pid;
	char host[64];
	int64_t start;
};

/* A connection from a proxy, its PROXY header not in yet. */
struct pending {
	int fd;
	int mode;			/* its address's TLS mode */
	int64_t deadline;		/* --proxy-timeout */
	struct sockaddr_storage ss;	/* the proxy */
	struct proxy_reader *r;
};

/* Signers replaced by SIGHUP, until they end (for the log line). */
#define RETIRED_MAX	8

struct listener {
	const struct config *cfg;
	int fds[MAX_SOCKS];
	int mode[MAX_SOCKS];		/* each socket's TLS mode */
	size_t nfds;
	struct ks_signer *sg;		/* TLS: the signer, else NULL */
	struct tls_ctx *ctx;		/* made from sg's chain */
	pid_t retired[RETIRED_MAX];
	int sfd;
	struct child *kids;
	size_t nkids, capkids;
	struct pending *pend;
	size_t npend, maxpend;
	rlim_t nofile;			/* the soft limit we started with */
	char addrs[256];	/* "0.0.0.0:23 [::]:23", for the title */
};

int
listen_fds_from_env(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	long n, i;
	int acc;
	socklen_t len;

	if (pid == NULL || fds == NULL)
		return 0;
	if (strtol(pid, &end, 10) != (long)getpid() || *end != '\0')
		return 0;
	n = strtol(fds, &end, 10);
	if (*end != '\0' || n <= 0 || n > MAX_SOCKS)
		return 0;
	/* Only listening sockets (Accept=no); a connected one (Accept=yes)
	 * is inetd mode on descriptor 0. */
	for (i = 0; i < n; i++) {
		len = sizeof(acc);
		if (getsockopt(SD_LISTEN_FDS_START + (int)i, SOL_SOCKET,
		    SO_ACCEPTCONN, &acc, &len) == -1 || !acc)
			return 0;
	}
	return (int)n;
}

static void
sock_name(const struct sockaddr *sa, socklen_t len, char *host, size_t hsz,
    char *port, size_t psz)
{
	if (getnameinfo(sa, len, host, (socklen_t)hsz, port, (socklen_t)psz,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		strlcpy(host, "?", hsz);
		strlcpy(port, "?", psz);
	}
	if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.'))
		memmove(host, host + 7, strlen(host + 7) + 1);
}

static int
open_one(struct listener *l, int family, const char *addr, const char *port,
    int mode)
{
	struct addrinfo hints, *res, *ai;
	char h[64], p[16];
	int e, fd, on = 1, n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((e = getaddrinfo(addr, port, &hints, &res)) != 0) {
		log_warnx("--listen %s:%s: %s", addr ? addr : "*", port,
		    gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL && l->nfds < MAX_SOCKS; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			if (addr == NULL && errno == EAFNOSUPPORT)
				continue;	/* no IPv6 here */
			log_warn("socket");
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof(on));
		sock_name(ai->ai_addr, ai->ai_addrlen, h, sizeof(h), p,
		    sizeof(p));
		/* The kernel's longest queue (net.core.somaxconn): a burst
		 * of connections waits there, not in SYN retries. */
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, SOMAXCONN) == -1) {
			log_warn("cannot listen on %s port %s", h, p);
			close(fd);
			continue;
		}
		log_info("listening on %s port %s%s%s", h, p,
		    mode != TLS_MODE_OFF ? ", TLS " : "",
		    mode != TLS_MODE_OFF ? tls_mode_name(mode) : "");
		l->mode[l->nfds] = mode;
		l->fds[l->nfds++] = fd;
		n++;
	}
	freeaddrinfo(res);
	return n > 0 ? 0 : -1;
}

static int
open_sockets(struct listener *l)
{
	size_t i;
	int n = listen_fds_from_env(), k;

	for (k = 0; k < n && l->nfds < MAX_SOCKS; k++) {
		int fd = SD_LISTEN_FDS_START + k;

		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		l->mode[l->nfds] = l->cfg->tls.mode;
		l->fds[l->nfds++] = fd;
	}
	if (n > 0) {
		log_info("%d sockets from systemd", n);
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	}
	for (i = 0; i < l->cfg->nlisten; i++) {
		const struct listen_spec *ls = &l->cfg->listen[i];

		if (ls->addr[0] != '\0') {
			if (open_one(l, AF_UNSPEC, ls->addr, ls->port,
			    ls->tls) == -1)
				return -1;
			continue;
		}
		/* Every address: IPv6 (v6only) and IPv4, one socket each;
		 * one of the two is enough. */
		if ((open_one(l, AF_INET6, NULL, ls->port, ls->tls) == -1) +
		    (open_one(l, AF_INET, NULL, ls->port, ls->tls) == -1) == 2)
			return -1;
	}
	return l->nfds > 0 ? 0 : -1;
}

/* The listening addresses as ps shows them, IPv4 first. */
static void
title_addrs(struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char h[64], p[16];
	size_t i, off = 0;
	int v6, n;

	l->addrs[0] = '\0';
	for (v6 = 0; v6 < 2; v6++) {
		for (i = 0; i < l->nfds; i++) {
			memset(&ss, 0, sizeof(ss));
			len = sizeof(ss);
			if (getsockname(l->fds[i], (struct sockaddr *)&ss,
			    &len) == -1 ||
			    (ss.ss_family == AF_INET6) != v6)
				continue;
			sock_name((struct sockaddr *)&ss, len, h, sizeof(h), p,
			    sizeof(p));
			n = snprintf(l->addrs + off, sizeof(l->addrs) - off,
			    "%s%s%s%s:%s", off ? " " : "", v6 ? "[" : "", h,
			    v6 ? "]" : "", p);
			if (n < 0 || (size_t)n >= sizeof(l->addrs) - off)
				return;	/* the rest does not fit */
			off += (size_t)n;
		}
	}
}

static void
add_child(struct listener *l, pid_t pid, const char *host)
{
	if (l->nkids == l->capkids) {
		size_t n = l->capkids ? l->capkids * 2 : 64;
		struct child *k = reallocarray(l->kids, n, sizeof(*k));

		if (k == NULL)
			return;	/* it is only for the log line */
		l->kids = k;
		l->capkids = n;
	}
	l->kids[l->nkids].pid = pid;
	strlcpy(l->kids[l->nkids].host, host, sizeof(l->kids[0].host));
	l->kids[l->nkids].start = now_ms();
	l->nkids++;
	title_listener(l->addrs, l->nkids);
}

/* ---- TLS: the signer and the context --------------------------------- */

/* The context for new sessions, made from the chain the signer checked.
 * -1 with why. */
static int
make_ctx(struct listener *l, const struct ks_signer *sg,
    struct tls_ctx **ctx, char *why, size_t whysz)
{
	int chan;

	*ctx = l->cfg->tls.ops->ctx_new_mem(sg->chain, sg->chainlen, why,
	    whysz);
	if (*ctx == NULL)
		return -1;
	/* Its caches filled once here, for every session to share. */
	if (ks_signer_channel(sg->ctl, &chan) == 0) {
		if (l->cfg->tls.ops->ctx_warm(*ctx, chan) == -1)
			log_info("TLS: the warm-up handshake did not complete");
		close(chan);
	}
	tls_heap_settle();
	return 0;
}

/* SIGHUP (or the signer died): a new signer with the files as they are
 * now and a context from what it checked, in place of the old ones for
 * new sessions; the old signer ends once the channels it was given are
 * done.  Files that do not pass change nothing. */
static void
reload(struct listener *l, const char *why_now)
{
	char helper[PATH_MAX], why[256];
	struct ks_signer ng;
	struct tls_ctx *nctx;
	size_t i;

	if (login_libexec_path("tls-helper", helper, sizeof(helper)) == -1) {
		log_warn("%s: cannot run %s", why_now, helper);
		return;
	}
	if (ks_signer_start(helper, l->cfg->tls.cert, l->cfg->tls.key,
	    geteuid() == 0 ? l->cfg->ps_uid : (uid_t)-1, l->cfg->ps_gid, &ng,
	    why, sizeof(why)) == -1) {
		log_warnx("%s: certificate and key not reloaded, the old ones "
		    "stay in service: %s", why_now, why);
		return;
	}
	if (make_ctx(l, &ng, &nctx, why, sizeof(why)) == -1) {
		log_warnx("%s: certificate and key not reloaded, the old ones "
		    "stay in service: %s", why_now, why);
		ks_signer_stop(&ng);
		return;
	}
	if (l->sg->pid != -1) {
		for (i = 0; i < RETIRED_MAX && l->retired[i] != 0; i++)
			;
		if (i < RETIRED_MAX)
			l->retired[i] = l->sg->pid;
	}
	ks_signer_stop(l->sg);
	*l->sg = ng;
	if (l->ctx != NULL)
		l->cfg->tls.ops->ctx_free(l->ctx);
	l->ctx = nctx;
	log_info("%s: certificate %s and key %s loaded for new sessions "
	    "(signer %ld)", why_now, l->cfg->tls.cert, l->cfg->tls.key,
	    (long)l->sg->pid);
}

/* A signer ended: one replaced by SIGHUP (its channels done), or the one
 * in service, which is started again.  0 when pid is no signer. */
static int
signer_reaped(struct listener *l, pid_t pid, int status)
{
	size_t i;

	if (l->sg == NULL)
		return 0;
	for (i = 0; i < RETIRED_MAX; i++)
		if (l->retired[i] == pid) {
			l->retired[i] = 0;
			log_info("replaced signer %ld ended", (long)pid);
			return 1;
		}
	if (pid != l->sg->pid)
		return 0;
	log_warnx("signer %ld ended (%s %d): starting it again", (long)pid,
	    WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ?
	    WTERMSIG(status) : WEXITSTATUS(status));
	l->sg->pid = -1;
	reload(l, "signer restart");
	return 1;
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

		if (signer_reaped(l, pid, status))
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
			title_listener(l->addrs, l->nkids);
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

static socklen_t
ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

/* A session for the client at ss (via: the proxy's name, or NULL), on
 * an address of TLS mode `mode`. */
static void
admit(struct listener *l, int fd, const struct sockaddr_storage *ss,
    const char *via, const sigset_t *oldmask, int mode)
{
	struct rlimit rl;
	struct tls_start ts;
	char host[64], port[16];
	pid_t pid;
	size_t i;

	sock_name((const struct sockaddr *)ss, ss_len(ss), host, sizeof(host),
	    port, sizeof(port));
	if (over_limit(l, fd, host, port)) {
		close(fd);
		return;
	}
	memset(&ts, 0, sizeof(ts));
	ts.chan = -1;
	if (mode != TLS_MODE_OFF) {
		ts.ops = l->cfg->tls.ops;
		ts.mode = mode;
		ts.ctx = l->ctx;
		if (l->sg->ctl == -1 || l->ctx == NULL ||
		    ks_signer_channel(l->sg->ctl, &ts.chan) == -1) {
			log_warnx("refused %s port %s: no signer for TLS",
			    host, port);
			close(fd);
			return;
		}
	}
	log_check_syslog();
	if (mode != TLS_MODE_OFF)
		tls_heap_settle();
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		close(fd);
		if (ts.chan != -1)
			close(ts.chan);
		return;
	case 0:
		for (i = 0; i < l->nfds; i++)
			close(l->fds[i]);
		for (i = 0; i < l->npend; i++)
			close(l->pend[i].fd);
		close(l->sfd);
		/* The signer's control is the listener's alone: a session
		 * holding it would keep a replaced signer alive. */
		if (l->sg != NULL && l->sg->ctl != -1)
			close(l->sg->ctl);
		/* The session's programs get the limit we were given. */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur !=
		    l->nofile) {
			rl.rlim_cur = l->nofile;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		_exit(session_run(l->cfg, fd, ss, mode != TLS_MODE_OFF ?
		    &ts : NULL));
	default:
		break;
	}
	close(fd);
	if (ts.chan != -1)
		close(ts.chan);
	log_info("connection from %s port %s%s%s: session %ld", host, port,
	    via ? " via PROXY from " : "", via ? via : "", (long)pid);
	add_child(l, pid, host);
}

static void
pending_drop(struct listener *l, size_t i, int close_fd)
{
	if (close_fd)
		close(l->pend[i].fd);
	free(l->pend[i].r);
	l->pend[i] = l->pend[--l->npend];
}

/* A header step for pending connection i (from the end of the list down,
 * since it may be dropped).  now: its deadline is checked. */
static void
pending_step(struct listener *l, size_t i, int readable, int64_t now,
    const sigset_t *oldmask)
{
	struct pending *p = &l->pend[i];
	struct proxy_header h;
	const char *why = NULL;
	char proxy[64], port[16];
	enum proxy_status st = PROXY_MORE;

	if (readable)
		st = proxy_read(p->r, p->fd, &h, &why);
	if (st == PROXY_MORE && now < p->deadline)
		return;
	sock_name((struct sockaddr *)&p->ss, ss_len(&p->ss), proxy,
	    sizeof(proxy), port, sizeof(port));
	if (st == PROXY_DONE) {
		struct sockaddr_storage client = p->ss;
		int fd = p->fd;

		if (!h.local)
			memcpy(&client, &h.src, h.srclen);
		int mode = p->mode;

		pending_drop(l, i, 0);
		admit(l, fd, &client, proxy, oldmask, mode);
		return;
	}
	if (st == PROXY_BAD)
		log_info("bad PROXY header from %s port %s: %s; closed", proxy,
		    port, why);
	else
		log_info("no PROXY header from %s port %s within %d ms "
		    "(--proxy-timeout); closed", proxy, port,
		    l->cfg->proxy_timeout_ms);
	pending_drop(l, i, 1);
}

static void
accept_one(struct listener *l, int lfd, int mode, const sigset_t *oldmask)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct pending *p;
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
		admit(l, fd, &ss, NULL, oldmask, mode);
		return;
	}
	if (l->npend == l->maxpend) {
		char h[64], pt[16];

		sock_name((struct sockaddr *)&ss, len, h, sizeof(h), pt,
		    sizeof(pt));
		log_info("refused %s port %s: %zu PROXY headers awaited "
		    "already", h, pt, l->npend);
		close(fd);
		return;
	}
	p = &l->pend[l->npend];
	if ((p->r = malloc(sizeof(*p->r))) == NULL) {
		log_warn("PROXY header buffer");
		close(fd);
		return;
	}
	p->r->have = 0;
	p->fd = fd;
	p->mode = mode;
	p->ss = ss;
	p->deadline = now_ms() + l->cfg->proxy_timeout_ms;
	l->npend++;
}

/*
 * The descriptor limit: the soft one raised to the hard one (systemd gives
 * services 1024 and a hard limit far above it), and said when even that is
 * below what the listener can come to hold: its sockets and, with
 * --proxy-from, a descriptor per connection awaiting its header (as many
 * as --max-sessions, at most PROXY_PENDING_MAX).  Sessions get the soft
 * limit back (admit): programs that walk every descriptor up to it, or
 * select(), expect the usual 1024.
 */
static void
raise_nofile(struct listener *l)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)(l->nfds + l->maxpend + 16);

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
		    l->nfds, l->maxpend);
}

/* The poll timeout: the nearest PROXY header deadline, or none. */
static int
pending_timeout(const struct listener *l, int64_t now)
{
	int64_t d = -1;
	size_t i;

	for (i = 0; i < l->npend; i++)
		if (d == -1 || l->pend[i].deadline < d)
			d = l->pend[i].deadline;
	if (d == -1)
		return -1;
	return d <= now ? 0 : (int)(d - now);
}

int
listen_run(const struct config *cfg, struct ks_signer *sg)
{
	struct listener ll, *l = &ll;
	/* Signals and sockets; with --proxy-from, the connections awaiting
	 * a header too, in a larger array from the heap. */
	struct pollfd fixed[1 + MAX_SOCKS], *pfd = fixed;
	sigset_t mask, oldmask;
	int sfd, stop = 0, hup = 0;
	size_t i, npend;
	int64_t now;

	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->sg = sg;
	if (cfg->nproxy > 0)
		l->maxpend = cfg->max_sessions > 0 &&
		    cfg->max_sessions < PROXY_PENDING_MAX ? cfg->max_sessions :
		    PROXY_PENDING_MAX;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, &oldmask) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	l->sfd = sfd;
	if (open_sockets(l) == -1) {
		log_warnx("nothing to listen on");
		return 1;
	}
	if (sg != NULL) {
		char why[256];

		if (make_ctx(l, sg, &l->ctx, why, sizeof(why)) == -1) {
			log_warnx("TLS: %s", why);
			ks_signer_stop(sg);
			return 2;
		}
		log_info("TLS: certificate %s, key %s (signer %ld)",
		    cfg->tls.cert, cfg->tls.key, (long)sg->pid);
	}
	raise_nofile(l);
	if (l->maxpend > 0 &&
	    ((l->pend = calloc(l->maxpend, sizeof(*l->pend))) == NULL ||
	    (pfd = calloc(1 + l->nfds + l->maxpend, sizeof(*pfd))) == NULL))
		fatal("calloc");
	title_addrs(l);
	title_listener(l->addrs, 0);
	log_info("telnetd %s ready", TELNETD_VERSION);

	while (!stop) {
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < l->nfds; i++) {
			pfd[i + 1].fd = l->fds[i];
			pfd[i + 1].events = POLLIN;
		}
		npend = l->npend;
		for (i = 0; i < npend; i++) {
			pfd[1 + l->nfds + i].fd = l->pend[i].fd;
			pfd[1 + l->nfds + i].events = POLLIN;
		}
		if (poll(pfd, 1 + l->nfds + npend, pending_timeout(l,
		    now_ms())) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGTERM ||
				    si.ssi_signo == SIGINT)
					stop = (int)si.ssi_signo;
				else if (si.ssi_signo == SIGHUP)
					hup = 1;
			}
			reap(l);
			if (hup && !stop) {
				if (sg != NULL)
					reload(l, "SIGHUP");
				else
					log_info("SIGHUP: nothing to reload "
					    "(no TLS)");
			}
			hup = 0;
		}
		/* Headers first, from the last: a finished one leaves the
		 * list (its place taken by the last), new ones join it. */
		now = now_ms();
		for (i = npend; i-- > 0 && !stop;)
			pending_step(l, i, pfd[1 + l->nfds + i].revents != 0,
			    now, &oldmask);
		for (i = 0; i < l->nfds && !stop; i++)
			if (pfd[i + 1].revents & POLLIN)
				accept_one(l, l->fds[i], l->mode[i], &oldmask);
	}
	for (i = 0; i < l->nfds; i++)
		close(l->fds[i]);
	while (l->npend > 0)
		pending_drop(l, l->npend - 1, 1);
	free(l->pend);
	if (pfd != fixed)
		free(pfd);
	log_info("%s: stopped listening; %zu sessions left running",
	    stop == SIGTERM ? "SIGTERM" : "SIGINT", l->nkids);
	if (sg != NULL) {
		ks_signer_stop(sg);	/* it ends with its last channel */
		cfg->tls.ops->ctx_free(l->ctx);
	}
	free(l->kids);
	close(sfd);
	return 0;
}
