/*
 * client_input.c - what the client's input means beyond its bytes: the
 * TELNET commands (IP, AO, AYT, EOR, EC, EL...) and, while the pty is in
 * EXTPROC (RFC 1184 LINEMODE), what the line discipline would have done
 * with a byte: ttymode.c says what (pure), this turns it into bytes for
 * the pty's queue or, for an EOF or a signal, an action that stops the
 * feed; relay_read_net() (datapath.c) has it done (pty_input.c) before
 * feeding the rest.  relay_event() (relay.c) calls in here.  Nothing here
 * writes to the pty or signals it (its modes are read, through
 * ttymode.c), and nothing calls back into the relay's reads and writes.
 */
#include <sys/types.h>

#include <termios.h>

#include "telnetd.h"

/* Do what ttymode.c says the line discipline would have done.  An EOF or
 * a signal is pty I/O, which is not done inside the feed: it is noted and
 * the feed stops there (telnet_yield), giving back the bytes after it;
 * relay_read_net() has it done (pty_input.c's relay_input_act) and feeds
 * the rest. */
static void
input_act(struct session *s, const struct tty_in *in, size_t unconsumed)
{
	switch (in->what) {
	case TTY_IN_BYTE:
		relay_input_copy(s, &in->byte, 1);
		break;
	case TTY_IN_SIGNAL:
		s->in_act = IN_ACT_SIGNAL;
		s->in_act_arg = in->sig;
		telnet_yield(s->t, unconsumed);
		break;
	case TTY_IN_EOF:
		s->in_act = IN_ACT_EOF;
		telnet_yield(s->t, unconsumed);
		break;
	case TTY_IN_DROP:
		break;
	}
}

/* Client data while the pty is in EXTPROC: copied (never borrowed), the
 * bytes the line discipline would act on acted on. */
static void
input_extproc(struct session *s, const struct termios *t,
    const unsigned char *p, size_t n)
{
	struct tty_in in;
	size_t k;

	for (;;) {
		k = tty_input_scan(t, p, n, &in);
		relay_input_copy(s, p, k);
		if (k == n)
			return;
		p += k + 1;
		n -= k + 1;
		input_act(s, &in, n);
		if (s->in_act != IN_ACT_NONE)
			return;		/* the rest is fed again after it */
	}
}

/*
 * Client data or an end of line while the pty is in EXTPROC: what the line
 * discipline would have done, done here; 0 when its modes cannot be read
 * (the ordinary path then).  A function of its own, out of
 * relay_event(): its locals would cost the stack check on every span of
 * bulk input, where EXTPROC is off.
 */
int
client_input_extproc(struct session *s, const struct telnet_event *ev)
{
	struct termios t;
	struct tty_in in;

	if (tty_input_modes(s, &t) == -1)
		return 0;
	if (ev->type == TELNET_EV_DATA)
		input_extproc(s, &t, ev->u.data.buf, ev->u.data.len);
	else {
		tty_input_eol(&t, &in);
		input_act(s, &in, 0);
	}
	return 1;
}

/* A TELNET command from the client. */
void
client_command(struct session *s, unsigned char cmd)
{
	static const unsigned char ayt[] = "\r\n[Yes]\r\n";
	struct termios t;
	struct tty_in in;
	int c;

	log_trace(s, DBG_OPTIONS, "recv IAC %s", telnet_cmd_name(cmd));
	/* draft-altman-telnet-starttls-02 section 3.1, item 3: from our DO
	 * START_TLS until the client's WONT or TLS is up, the server "SHOULD
	 * NOT send additional Telnet data or commands ... except in response
	 * to client Telnet options".  An AYT's [Yes] and an AO's DM are
	 * neither, and the AO's clearing of the queue could take our DO or
	 * FOLLOWS back: both go unanswered. */
	if (s->state == S_SECURING &&
	    (cmd == TELNET_AYT || cmd == TELNET_AO))
		return;
	/* RFC 885 section 5: EOR is negotiated for each direction, and
	 * without the client's END-OF-RECORD in effect its IAC EOR
	 * "should be treated as a NOP". */
	if (cmd == TELNET_EOR && !telnet_remote_enabled(s->t, TELOPT_EOR))
		return;
	if (s->pty.fd != -1 && tty_input_modes(s, &t) == 0 &&
	    tty_input_command(&t, cmd, &in)) {
		input_act(s, &in, 0);
		return;
	}
	switch (cmd) {
	case TELNET_AYT:
		/* Answered at once, ahead of queued input, as a kept reply. */
		if (netq_space(&s->out) < NETOUT_REPLY_ROOM) {
			if (s->drops++ == 0)
				log_warnx("AYT flood: replies dropped");
			return;
		}
		relay_reply(s, ayt, sizeof(ayt) - 1);
		return;
	case TELNET_AO:
		relay_abort_output(s);
		return;
	case TELNET_EOR:
		/* RFC 885: an end of record (agreed above) ends a line. */
		if (s->pty.fd != -1 || s->state < S_RELAYING)
			relay_input_copy(s, "\r", 1);
		return;
	default:	/* IP, BRK, ABORT, SUSP, EOF, EC, EL: the pty's char */
		if ((c = tty_command_char(s, cmd)) >= 0) {
			unsigned char ch = (unsigned char)c;

			relay_input_copy(s, &ch, 1);
		}
		return;
	}
}
