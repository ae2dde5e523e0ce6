/*
 * peer.c - the client's address.  Usually the socket's peer; but when that
 * peer is a proxy the operator trusts (--proxy-from), the connection starts
 * with a PROXY protocol header (proxy.c) that names the real client, and
 * that address is the one utmp, wtmp, the logs, %h, login -h, PAM_RHOST
 * and --max-per-host see.
 *
 * The header is taken off the socket without a byte of what follows it:
 * each read peeks at what has arrived, and only the bytes the parser says
 * belong to the header are consumed (all of them while it is incomplete,
 * exactly its length once it is whole).  The TELNET bytes the proxy sent
 * after it stay in the socket for the session.
 *
 * The listener (--listen) reads headers in its own poll loop, so a slow
 * proxy holds no process; inetd mode reads it here, in the monitor, with
 * the --proxy-timeout deadline.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>

#include "telnetd.h"

enum proxy_status
proxy_read(struct proxy_reader *r, int fd, struct proxy_header *h,
    const char **why)
{
	enum proxy_status st;
	size_t take;
	ssize_t n;

	do {
		n = recv(fd, r->buf + r->have, sizeof(r->buf) - r->have,
		    MSG_PEEK | MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return PROXY_MORE;
	if (n <= 0) {
		*why = n == 0 ? "connection closed before the PROXY header "
		    "ended" : strerror(errno);
		return PROXY_BAD;
	}
	st = proxy_parse(r->buf, r->have + (size_t)n, h, why);
	if (st == PROXY_BAD)
		return st;
	/* MORE: every byte seen is the header's; DONE: up to its end.
	 * Read again into the same place: the same bytes. */
	take = st == PROXY_DONE ? h->len - r->have : (size_t)n;
	do {
		n = recv(fd, r->buf + r->have, take, MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)take) {
		*why = n == -1 ? strerror(errno) : "short read";
		return PROXY_BAD;
	}
	r->have += take;
	return st;
}

/* Inetd mode: the header from a trusted proxy, within --proxy-timeout. */
static int
read_header(const struct config *cfg, int fd, const char *proxy,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct proxy_reader r;
	struct proxy_header h;
	struct pollfd pfd;
	const char *why = NULL;
	int64_t deadline = now_ms() + cfg->proxy_timeout_ms;
	enum proxy_status st;
	int timeout;

	r.have = 0;
	for (;;) {
		if ((st = proxy_read(&r, fd, &h, &why)) != PROXY_MORE)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		timeout = deadline_timeout(&deadline, 1, now_ms());
		if (timeout == 0 || (poll(&pfd, 1, timeout) == -1 &&
		    errno != EINTR)) {
			log_info("no PROXY header from %s within %d ms "
			    "(--proxy-timeout); closed", proxy,
			    cfg->proxy_timeout_ms);
			return -1;
		}
	}
	if (st == PROXY_BAD) {
		log_info("bad PROXY header from %s: %s; closed", proxy, why);
		return -1;
	}
	if (!h.local) {
		memcpy(ss, &h.src, h.srclen);
		*len = h.srclen;
	}
	return 0;
}

int
peer_address(const struct config *cfg, int fd,
    const struct sockaddr_storage *known, struct sockaddr_storage *ss,
    socklen_t *len)
{
	char proxy[NI_MAXHOST];

	if (known != NULL) {
		memcpy(ss, known, sizeof(*ss));
		*len = ss->ss_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		return 0;
	}
	*len = sizeof(*ss);
	if (getpeername(fd, (struct sockaddr *)ss, len) == -1) {
		log_warn("getpeername");
		return -1;
	}
	if (cfg->nproxy == 0 || !proxy_trusted(cfg->proxy_from, cfg->nproxy,
	    (struct sockaddr *)ss, *len))
		return 0;
	if (getnameinfo((struct sockaddr *)ss, *len, proxy, sizeof(proxy),
	    NULL, 0, NI_NUMERICHOST) != 0)
		strlcpy(proxy, "?", sizeof(proxy));
	return read_header(cfg, fd, proxy, ss, len);
}
