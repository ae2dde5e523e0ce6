/*
 * client_input.c - what the client's input means beyond its bytes: the
 * TELNET commands (IP, AO, AYT, EOR, EC, EL...) and, while the pty is in
 * EXTPROC (RFC 1184 LINEMODE), what the line discipline would have done
 * with a byte: ttymode.c says what (pure), this does it on the pty.
 * relay_event() (relay.c) calls in here; the bytes themselves go on
 * through datapath.c.
 */
#include <sys/types.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <termios.h>
#include <unistd.h>

#include "telnetd.h"

/* An EOF in EXTPROC: a raw queue cannot carry it, so VEOF is written with
 * EXTPROC off, after what came before it, and later input waits until the
 * line discipline has taken it (ttymode.c). */
static void
input_eof(struct session *s, const struct termios *t)
{
	unsigned char c = t->c_cc[VEOF];

	if (c == _POSIX_VDISABLE)
		return;
	(void)relay_write_pty(s);
	if (buf_len(&s->in) > 0) {
		relay_input_copy(s, &c, 1);		/* best effort */
		return;
	}
	tty_eof_begin(s, t);
	if (write(s->pty.fd, &c, 1) != 1)
		log_warn("write to pty");
}

/* Do what ttymode.c says the line discipline would have done. */
static void
input_act(struct session *s, const struct termios *t, const struct tty_in *in)
{
	switch (in->what) {
	case TTY_IN_BYTE:
		relay_input_copy(s, &in->byte, 1);
		break;
	case TTY_IN_SIGNAL:
		if (ioctl(s->pty.fd, TIOCSIG, in->sig) == -1 && errno != EINVAL)
			log_warn("TIOCSIG");
		break;
	case TTY_IN_EOF:
		input_eof(s, t);
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
		input_act(s, t, &in);
		p += k + 1;
		n -= k + 1;
		if (!s->lm_ext) {
			/* EOF delivered: the rest waits, as it came. */
			relay_input_copy(s, p, n);
			return;
		}
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
		input_act(s, &t, &in);
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
	if (s->pty.fd != -1 && tty_input_modes(s, &t) == 0 &&
	    tty_input_command(&t, cmd, &in)) {
		input_act(s, &t, &in);
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
		/* RFC 885: an end of record ends a line. */
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
