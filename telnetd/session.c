/*
 * session.c - one connection, in both modes: inetd mode calls
 * session_run(cfg, socket) directly, --listen calls it in a child per
 * connection.
 *
 * session_run() sets the socket up and splits into the privileged monitor
 * (this process, monitor.c) and the unprivileged relay (a child, relay.c).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

/* Whether an address is the peer's: the same family and address (an
 * IPv4 peer seen on an IPv6 socket as ::ffff:a.b.c.d matches a.b.c.d). */
static int
same_addr(const struct sockaddr *peer, const struct sockaddr *a)
{
	const struct sockaddr_in6 *p6 = (const struct sockaddr_in6 *)peer;
	const struct sockaddr_in *p4 = (const struct sockaddr_in *)peer;
	struct sockaddr_in mapped;

	if (peer->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr)) {
		memset(&mapped, 0, sizeof(mapped));
		mapped.sin_family = AF_INET;
		memcpy(&mapped.sin_addr, &p6->sin6_addr.s6_addr[12], 4);
		p4 = &mapped;
		peer = (const struct sockaddr *)&mapped;
	}
	if (peer->sa_family != a->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&p4->sin_addr,
		    &((const struct sockaddr_in *)a)->sin_addr, 4) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&p6->sin6_addr,
		    &((const struct sockaddr_in6 *)a)->sin6_addr, 16) == 0;
	return 0;
}

/*
 * The peer's reverse name, used only when it resolves back to the peer's
 * address (sshd's UseDNS rule): whoever controls the PTR record of their
 * own address can make it say anything, but not the forward records of
 * somebody else's name.  0 with the name in name; -1 when the address
 * has no reverse name, -2 when the name does not lead back to it (both
 * with why).
 */
static int
confirmed_name(const struct sockaddr *peer, socklen_t len, char *name,
    size_t namesz, const char **why)
{
	struct addrinfo hints, *res, *ai;
	int ok = 0;

	nss_builtin_only("hosts");
	if (getnameinfo(peer, len, name, (socklen_t)namesz, NULL, 0,
	    NI_NAMEREQD) != 0) {
		*why = "no reverse name";
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0) {
		*why = "its reverse name does not resolve";
		return -2;
	}
	for (ai = res; ai != NULL && !ok; ai = ai->ai_next)
		ok = same_addr(peer, ai->ai_addr);
	freeaddrinfo(res);
	if (!ok) {
		*why = "its reverse name does not resolve back to it";
		return -2;
	}
	return 0;
}

/* The client's address, numeric; with -U its forward-confirmed reverse
 * name (refusing the client without one). */
static int
peer_name(const struct config *cfg, int fd,
    const struct sockaddr_storage *client, char *host, size_t hostsz)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int e;

	/* (Zeroed for the static analyser, which does not know that
	 * getpeername fills it.) */
	memset(&ss, 0, sizeof(ss));
	if (peer_address(cfg, fd, client, &ss, &len) == -1)
		return -1;
	if ((e = getnameinfo((struct sockaddr *)&ss, len, host,
	    (socklen_t)hostsz, NULL, 0, NI_NUMERICHOST)) != 0) {
		log_warnx("getnameinfo: %s", gai_strerror(e));
		return -1;
	}
	if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.'))
		memmove(host, host + 7, strlen(host + 7) + 1);
	if (cfg->reverse_lookup) {
		char name[NI_MAXHOST], safe[LOG_STR_MAX + 1];
		const char *why;
		int r;

		if ((r = confirmed_name((struct sockaddr *)&ss, len, name,
		    sizeof(name), &why)) != 0) {
			static const char msg[] = "telnetd: your address has "
			    "no host name; connection refused.\r\n";

			/* A name that does not lead back may be a forged
			 * PTR record: worth a warning. */
			if (r == -1)
				log_info("refused %s: %s", host, why);
			else
				log_warnx("refused %s: %s (%s)", host, why,
				    log_safe(safe, sizeof(safe), name,
				    strlen(name)));
			(void)send(fd, msg, sizeof(msg) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			return -1;
		}
		strlcpy(host, name, hostsz);
	}
	return 0;
}

static void
socket_options(const struct config *cfg, int fd)
{
	int on = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 &&
	    errno != EOPNOTSUPP && errno != ENOPROTOOPT)
		log_warn("TCP_NODELAY");
	/* Urgent data stays in the stream; POLLPRI tells it is there. */
	if (setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on)) == -1)
		log_warn("SO_OOBINLINE");
	if (cfg->keepalive &&
	    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == -1)
		log_warn("SO_KEEPALIVE");
}

/*
 * The connection's processes in a session of their own, as sshd's child
 * per connection: a signal to the listener's or the launcher's process
 * group (a foreground --listen's Ctrl-C) does not end logins, and where
 * the scheduler groups processes by session (autogroup, on by default in
 * Debian's kernels) one login's monitor and relay are one unit beside its
 * program, not one share for every relay of the daemon together.
 * Measured (make bench, 2-core VM): 64 bulk sessions at once got 0.91
 * slowest/fastest and 271 MiB/s together, against 0.41 and 163 MiB/s
 * with every relay in the launcher's session.  A process inetd already
 * made a group leader cannot (EPERM) and needs not: it is one already.
 */
static void
own_session(void)
{
	if (setsid() == -1 && errno != EPERM)
		log_warn("setsid");
}

int
session_run(const struct config *cfg, int fd,
    const struct sockaddr_storage *client, const struct tls_start *ts)
{
	static char host[HOST_MAX];
	int sp[2];
	pid_t relay;

	log_setproc("session");
	own_session();
	if (peer_name(cfg, fd, client, host, sizeof(host)) == -1) {
		close(fd);
		if (ts != NULL && ts->chan != -1)
			close(ts->chan);
		return 1;
	}
	socket_options(cfg, fd);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	if (ts != NULL)
		tls_heap_settle();
	switch ((relay = fork())) {
	case -1:
		fatal("fork");
	case 0:
		close(sp[0]);
		log_setproc("relay");
		_exit(relay_main(cfg, fd, sp[1], host, ts));
	default:
		break;
	}
	close(sp[1]);
	close(fd);
	/* The signer channel is the relay's alone. */
	if (ts != NULL && ts->chan != -1)
		close(ts->chan);
	log_setproc("monitor");
	return monitor_run(cfg, sp[0], relay, host);
}
