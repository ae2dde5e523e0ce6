/*
 * synch.c - what is not a byte of data on either side: the pty's
 * packet-mode status (TIOCPKT_FLUSHWRITE is the program's abort of its
 * output, FLUSHREAD a flush of its input, NOSTOP/DOSTOP the flow control
 * the client should do, RFC 1372), and urgent data from the client, the
 * start of its Synch (RFC 854).  datapath.c's reads and relay.c's loop
 * call these; the bytes they queue go through the engine.
 */
#include <sys/types.h>
#include <sys/ioctl.h>

#include <termios.h>

#include "telnetd.h"

/* Abort output: drop the queued data, keep commands, send the Synch (the
 * queue puts the DM ahead of held output, relay_read_pty() says why). */
void
relay_abort_output(struct session *s)
{
	netq_clear(&s->out);
	telnet_send_command(s->t, TELNET_DM);
	log_trace(s, DBG_REPORT, "abort output: queue cleared, IAC DM sent "
	    "urgent");
}

/* Urgent data from the client (POLLPRI, with SO_OOBINLINE): a Synch.
 * Data is discarded until the IAC DM; commands still act. */
void
relay_urgent(struct session *s)
{
	if (s->urg_wait)
		return;
	s->urg_wait = 1;
	log_trace(s, DBG_REPORT, "urgent data from client: Synch");
	telnet_synch_begin(s->t);
}

/* A packet-mode status byte other than DATA. */
void
pty_packet(struct session *s, unsigned char ctl)
{
	log_trace(s, DBG_REPORT, "pty packet 0x%02x", ctl);
	if (ctl & TIOCPKT_FLUSHREAD)
		relay_input_drop(s);
	if (ctl & TIOCPKT_FLUSHWRITE)
		relay_abort_output(s);
	if ((ctl & (TIOCPKT_NOSTOP | TIOCPKT_DOSTOP)) &&
	    telnet_remote_enabled(s->t, TELOPT_LFLOW) &&
	    s->lflow_on != ((ctl & TIOCPKT_DOSTOP) != 0)) {
		s->lflow_on = (ctl & TIOCPKT_DOSTOP) != 0;
		telnet_send_lflow(s->t, s->lflow_on ? LFLOW_ON : LFLOW_OFF);
	}
	/* A termios change (with EXTPROC), or anything else: look. */
	tty_mode_check(s);
}
