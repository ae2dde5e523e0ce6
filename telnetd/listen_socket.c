/*
 * listen_socket.c - the listener's sockets: those systemd passes (socket
 * activation, Accept=no) and those --listen names, bound and listening
 * here, and their addresses as log lines and ps show them.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"

#define SD_LISTEN_FDS_START 3

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

/* Numeric host and port; an IPv4-mapped IPv6 address as IPv4. */
void
listen_name(const struct sockaddr *sa, socklen_t len, char *host, size_t hsz,
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

/*
 * The sockets of one address: 0 when at least one listens, -1 when none
 * does.  For every address (addr NULL) of one family, 1 when the host
 * has no such family (no IPv6 in the kernel, no address to bind): that
 * family is missing, not refused, and the other one serves alone.
 */
static int
open_one(struct listen_socks *sk, int family, const char *addr,
    const char *port, int mode)
{
	struct addrinfo hints, *res, *ai;
	char h[64], p[16];
	int e, fd, on = 1, n = 0, missing = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((e = getaddrinfo(addr, port, &hints, &res)) != 0) {
		log_warnx("--listen %s:%s: %s", addr ? addr : "*", port,
		    gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL && sk->nfds < MAX_SOCKS; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			if (addr == NULL && errno == EAFNOSUPPORT) {
				missing = 1;	/* no IPv6 here */
				continue;
			}
			log_warn("socket");
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof(on));
		listen_name(ai->ai_addr, ai->ai_addrlen, h, sizeof(h), p,
		    sizeof(p));
		/* The kernel's longest queue (net.core.somaxconn): a burst
		 * of connections waits there, not in SYN retries. */
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, SOMAXCONN) == -1) {
			if (addr == NULL && errno == EADDRNOTAVAIL) {
				missing = 1;
				close(fd);
				continue;
			}
			log_warn("cannot listen on %s port %s", h, p);
			close(fd);
			continue;
		}
		log_info("listening on %s port %s%s%s", h, p,
		    mode != TLS_MODE_OFF ? ", TLS " : "",
		    mode != TLS_MODE_OFF ? tls_mode_name(mode) : "");
		sk->mode[sk->nfds] = mode;
		sk->fds[sk->nfds++] = fd;
		n++;
	}
	freeaddrinfo(res);
	if (n > 0)
		return 0;
	return missing ? 1 : -1;
}

/* systemd's sockets first, then each --listen address's. */
int
listen_open(struct listen_socks *sk, const struct config *cfg)
{
	size_t i;
	int n = listen_fds_from_env(), k, v4, v6;

	for (k = 0; k < n && sk->nfds < MAX_SOCKS; k++) {
		int fd = SD_LISTEN_FDS_START + k;

		int fl = fcntl(fd, F_GETFL);

		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 || fl == -1 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
			log_warn("systemd's socket %d", fd);
			return -1;
		}
		sk->mode[sk->nfds] = cfg->tls.mode;
		sk->fds[sk->nfds++] = fd;
	}
	if (n > 0) {
		log_info("%d sockets from systemd", n);
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	}
	for (i = 0; i < cfg->nlisten; i++) {
		const struct listen_spec *ls = &cfg->listen[i];

		if (ls->addr[0] != '\0') {
			if (open_one(sk, AF_UNSPEC, ls->addr, ls->port,
			    ls->tls) != 0)
				return -1;
			continue;
		}
		/* Every address: IPv6 (v6only) and IPv4, one socket each.
		 * A family the host lacks is left out; one that is there
		 * but cannot be bound (the port taken) fails the start,
		 * else the other family's clients would reach whoever
		 * holds the port. */
		v6 = open_one(sk, AF_INET6, NULL, ls->port, ls->tls);
		v4 = open_one(sk, AF_INET, NULL, ls->port, ls->tls);
		if (v6 == -1 || v4 == -1 || (v6 == 1 && v4 == 1))
			return -1;
	}
	return sk->nfds > 0 ? 0 : -1;
}

/* The listening addresses as ps shows them, IPv4 first. */
void
listen_addrs(struct listen_socks *sk)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char h[64], p[16];
	size_t i, off = 0;
	int v6, n;

	sk->addrs[0] = '\0';
	for (v6 = 0; v6 < 2; v6++) {
		for (i = 0; i < sk->nfds; i++) {
			memset(&ss, 0, sizeof(ss));
			len = sizeof(ss);
			if (getsockname(sk->fds[i], (struct sockaddr *)&ss,
			    &len) == -1 ||
			    (ss.ss_family == AF_INET6) != v6)
				continue;
			listen_name((struct sockaddr *)&ss, len, h, sizeof(h),
			    p, sizeof(p));
			n = snprintf(sk->addrs + off, sizeof(sk->addrs) - off,
			    "%s%s%s%s:%s", off ? " " : "", v6 ? "[" : "", h,
			    v6 ? "]" : "", p);
			if (n < 0 || (size_t)n >= sizeof(sk->addrs) - off)
				return;	/* the rest does not fit */
			off += (size_t)n;
		}
	}
}

socklen_t
listen_ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}
