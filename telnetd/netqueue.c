/*
 * netqueue.c - what is queued for the client besides the program's output
 * (which datapath.c reads straight into the queue): the engine's SEND
 * events and the daemon's own replies (the AYT answer, a refusal, the
 * --report text), and the one log line of a full queue.  Queueing only:
 * the writes are datapath.c's, so any file may reply without calling
 * back into the relay's I/O.
 */
#include <sys/types.h>

#include "telnetd.h"

/* The queue to the client is full for the program's output: its pages
 * wait (logged once). */
void
relay_output_full_check(struct session *s)
{
	if ((s->limits_logged & LIM_OUTPUT) ||
	    netq_room(&s->out) > NETOUT_PTY_ROOM)
		return;
	s->limits_logged |= LIM_OUTPUT;
	log_info("output queue full (%zu bytes, --output-buffer): program "
	    "output waits for the client", s->out.b.size);
}

/* The engine's SEND events: the program's data (which abort-output may
 * drop) or protocol bytes (always kept whole). */
void
relay_queue_net(struct session *s, enum netq_kind kind,
    const unsigned char *p, size_t n, int urgent)
{
	if (netq_append(&s->out, kind, p, n, urgent) == -1) {
		/* Only a client that sends without reading gets here:
		 * reads are sized so that data always fits. */
		if (s->drops++ == 0)
			log_warnx("client not reading: output queue full, "
			    "dropping replies");
		return;
	}
	if (kind == NETQ_DATA)
		relay_output_full_check(s);
	log_trace_dump(s, DBG_NETDATA, urgent ? "net> (urgent)" : "net>", p,
	    n);
}

/*
 * Text of the daemon's own for the client (the AYT answer, a refusal, the
 * --report text): encoded as data, queued as a reply that abort-output
 * keeps.  In pieces the queue has room for, as SEND events would be; what
 * does not fit is dropped, as with any reply to a client that does not
 * read.
 */
void
relay_reply(struct session *s, const unsigned char *p, size_t n)
{
	unsigned char *dst;
	size_t k, len;

	while (n > 0) {
		k = netq_space(&s->out);
		k = k > 1 ? (k - 1) / 2 : 0;
		if (k > n)
			k = n;
		dst = k > 0 ? netq_reserve(&s->out, NETQ_CMD, 2 * k + 1) :
		    NULL;
		if (dst == NULL) {
			if (s->drops++ == 0)
				log_warnx("client not reading: output queue "
				    "full, dropping replies");
			return;
		}
		len = telnet_send_into(s->t, dst, p, k);
		log_trace_dump(s, DBG_NETDATA, "net>", dst, len);
		netq_commit(&s->out, NETQ_CMD, len, 0);
		p += k;
		n -= k;
	}
}
