/*
 * listen_proxy.c - connections from a --proxy-from source, held in the
 * listener's own poll loop until their PROXY header is in (peer.c reads
 * it, a step per poll): the limits then count the client it names, and a
 * proxy that sends nothing holds a descriptor until --proxy-timeout,
 * never a process.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

/* At most --max-sessions connections wait (PROXY_PENDING_MAX if less or
 * no limit); none without --proxy-from.  The list itself is the
 * listener's to allocate, once it knows its descriptor limit. */
void
pending_init(struct pending_list *pl, const struct config *cfg)
{
	memset(pl, 0, sizeof(*pl));
	pl->timeout_ms = cfg->proxy_timeout_ms;
	if (cfg->nproxy > 0)
		pl->max = cfg->max_sessions > 0 &&
		    cfg->max_sessions < PROXY_PENDING_MAX ? cfg->max_sessions :
		    PROXY_PENDING_MAX;
}

/* The list, with each connection's header buffer in it, has pages of its
 * own: a session's child unmaps them (pending_forget), and what a proxy
 * sent of its clients' addresses is never left in the heap. */
int
pending_alloc(struct pending_list *pl)
{
	pl->conn = pages_alloc(pl->max * sizeof(*pl->conn));
	return pl->conn != NULL ? 0 : -1;
}

/* In a session's child: the list gone, its descriptors closed already. */
void
pending_forget(struct pending_list *pl)
{
	pages_free(pl->conn, pl->max * sizeof(*pl->conn));
	pl->conn = NULL;
	pl->n = 0;
}

static void
pending_drop(struct pending_list *pl, size_t i, int close_fd)
{
	if (close_fd)
		close(pl->conn[i].fd);
	pl->conn[i] = pl->conn[--pl->n];
}

/* A connection from a trusted proxy (ss, len: its address), accepted on
 * an address of TLS mode `mode`: it waits for its header, or is closed
 * when the list is full. */
void
pending_add(struct pending_list *pl, int fd, int mode,
    const struct sockaddr_storage *ss, socklen_t len)
{
	struct pending *p;

	if (pl->n == pl->max) {
		char h[64], pt[16];

		listen_name((const struct sockaddr *)ss, len, h, sizeof(h), pt,
		    sizeof(pt));
		log_info("refused %s port %s: %zu PROXY headers awaited "
		    "already", h, pt, pl->n);
		close(fd);
		return;
	}
	p = &pl->conn[pl->n];
	p->r.have = 0;
	p->fd = fd;
	p->mode = mode;
	p->ss = *ss;
	p->deadline = now_ms() + pl->timeout_ms;
	pl->n++;
}

/* A header step for waiting connection i (the caller goes from the end of
 * the list down, since it may leave the list).  now: its deadline is
 * checked.  1 when its header is in: *done is the connection to admit, no
 * longer in the list.  A bad header or none in time: logged and closed. */
int
pending_step(struct pending_list *pl, size_t i, int readable, int64_t now,
    struct pending_done *done)
{
	struct pending *p = &pl->conn[i];
	struct proxy_header h;
	const char *why = NULL;
	char port[16];
	enum proxy_status st = PROXY_MORE;

	if (readable)
		st = proxy_read(&p->r, p->fd, &h, &why);
	if (st == PROXY_MORE && now < p->deadline)
		return 0;
	listen_name((struct sockaddr *)&p->ss, listen_ss_len(&p->ss),
	    done->proxy, sizeof(done->proxy), port, sizeof(port));
	if (st == PROXY_DONE) {
		done->client = p->ss;
		if (!h.local)
			memcpy(&done->client, &h.src, h.srclen);
		done->fd = p->fd;
		done->mode = p->mode;
		pending_drop(pl, i, 0);
		return 1;
	}
	if (st == PROXY_BAD)
		log_info("bad PROXY header from %s port %s: %s; closed",
		    done->proxy, port, why);
	else
		log_info("no PROXY header from %s port %s within %d ms "
		    "(--proxy-timeout); closed", done->proxy, port,
		    pl->timeout_ms);
	pending_drop(pl, i, 1);
	return 0;
}

/* The poll timeout: the nearest PROXY header deadline, or none.  The
 * deadlines lie one per connection, not in a table of their own, so the
 * nearest is found here and clock.c makes it a timeout. */
int
pending_timeout(const struct pending_list *pl, int64_t now)
{
	int64_t d = 0;
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (d == 0 || pl->conn[i].deadline < d)
			d = pl->conn[i].deadline;
	return deadline_timeout(&d, 1, now);
}

/* Every waiting connection closed, and the list freed. */
void
pending_free(struct pending_list *pl)
{
	while (pl->n > 0)
		pending_drop(pl, pl->n - 1, 1);
	pages_free(pl->conn, pl->max * sizeof(*pl->conn));
}
