/*
 * tls_session_io.c - a TLS session's record layer behind the net-I/O
 * seam: datapath.c's reads, flushes and close go here when s->tls is
 * set, and from here to the records through the session's struct
 * tls_ops.  Apart from tls_session.c (the way into TLS, a state machine
 * that runs once) because this is the data path, which runs for the
 * whole session; before TLS is up it is plain read(2) and netq_flush().
 *
 * Inside TLS there is no urgent data (the relay neither sends nor watches
 * for it): the DM of an abort-output goes in line, as a Synch's end.
 */
#include <sys/types.h>

#include <errno.h>
#include <unistd.h>

#include "telnetd.h"
#include "tls_session.h"

ssize_t
tls_session_read(struct session *s, void *p, size_t n)
{
	struct tls_session *ts = s->tls;
	ssize_t r;

	/* While the first bytes or the handshake are being looked at, they
	 * are not TELNET's to read. */
	if (ts_owns_net(ts)) {
		errno = EAGAIN;
		return -1;
	}
	if (!ts_is_up(ts))
		return read(s->net.fd, p, n);
	r = ts->ops->read(ts->t, p, n);
	if (r >= 0)
		return r;
	if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
		/* A read that must write first (a key update's answer). */
		ts->want_write = r == TLS_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	}
	log_info("TLS: %s", ts->ops->error(ts->t));
	errno = ECONNRESET;	/* said: no second line */
	return -1;
}

ssize_t
tls_session_flush(struct session *s)
{
	struct tls_session *ts = s->tls;
	const unsigned char *p;
	size_t n, total = 0;
	ssize_t w;
	int r;

	/* Before TLS is up, what is queued is in clear: DO START_TLS, our
	 * FOLLOWS (the last bytes before the handshake's), a refusal. */
	if (!ts_is_up(ts))
		return netq_flush(&s->out, s->net.fd);
	ts->want_write = 0;
	for (;;) {
		/* Records made while the wire buffer has room (TLS_WANT_WRITE:
		 * it is full), then sent together. */
		p = netq_head(&s->out, &n);
		if (n > 0) {
			if ((w = ts->ops->write(ts->t, p, n)) == TLS_ERROR)
				break;
			if (w > 0) {
				netq_sent(&s->out, (size_t)w);
				total += (size_t)w;
			}
		}
		if ((r = ts->ops->flush(ts->t)) == TLS_ERROR)
			break;
		if (r == 0 || netq_ready(&s->out) == 0)
			return (ssize_t)total;	/* socket full, or all out */
	}
	log_info("TLS: %s", ts->ops->error(ts->t));
	errno = ECONNRESET;
	return -1;
}

/* close_notify before the end of what the relay sends (best effort: what
 * the socket does not take now is not waited for). */
void
tls_session_shutdown(struct session *s)
{
	if (ts_is_up(s->tls))
		(void)s->tls->ops->shutdown(s->tls->t);
}

size_t
tls_session_unsent(const struct session *s)
{
	if (!ts_is_up(s->tls))
		return 0;
	return s->tls->ops->unsent(s->tls->t) + (size_t)s->tls->want_write;
}

int
tls_session_pending(const struct session *s)
{
	return ts_is_up(s->tls) && s->tls->ops->pending(s->tls->t) > 0;
}

int
tls_session_secure(const struct session *s)
{
	return ts_is_up(s->tls);
}

void
tls_session_trim(struct session *s)
{
	if (ts_is_up(s->tls))
		s->tls->ops->trim(s->tls->t);
}
