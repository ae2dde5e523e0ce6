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

/* The client's address, numeric; with -U its reverse name (refusing the
 * client without one). */
static int
peer_name(const struct config *cfg, int fd, char *host, size_t hostsz)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int e;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1) {
		log_warn("getpeername");
		return -1;
	}
	if ((e = getnameinfo((struct sockaddr *)&ss, len, host,
	    (socklen_t)hostsz, NULL, 0, NI_NUMERICHOST)) != 0) {
		log_warnx("getnameinfo: %s", gai_strerror(e));
		return -1;
	}
	if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.'))
		memmove(host, host + 7, strlen(host + 7) + 1);
	if (cfg->reverse_lookup) {
		char name[NI_MAXHOST];

		nss_builtin_only("hosts");
		if (getnameinfo((struct sockaddr *)&ss, len, name,
		    sizeof(name), NULL, 0, NI_NAMEREQD) != 0) {
			static const char msg[] = "telnetd: your address has "
			    "no host name; connection refused.\r\n";

			log_info("refused %s: no reverse name", host);
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

int
session_run(const struct config *cfg, int fd)
{
	static char host[HOST_MAX];
	int sp[2];
	pid_t relay;

	log_setproc("session");
	if (peer_name(cfg, fd, host, sizeof(host)) == -1) {
		close(fd);
		return 1;
	}
	socket_options(cfg, fd);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	switch ((relay = fork())) {
	case -1:
		fatal("fork");
	case 0:
		close(sp[0]);
		log_setproc("relay");
		_exit(relay_main(cfg, fd, sp[1], host));
	default:
		break;
	}
	close(sp[1]);
	close(fd);
	log_setproc("monitor");
	return monitor_run(cfg, sp[0], relay, host);
}
