/*
 * ttymode.c - the pty's modes, told to the client, and the client's input
 * applied the way the line discipline would have.
 *
 * Three ways to run a terminal (s->lm_type):
 *
 *   LMT_NONE    character at a time: the server echoes (WILL ECHO) and
 *               suppresses go-ahead (WILL SGA); the pty's line discipline
 *               does everything.  Only LFLOW follows the termios.
 *   LMT_REAL    RFC 1184 LINEMODE: MODE (EDIT, TRAPSIG, SOFT_TAB,
 *               LIT_ECHO), the SLC table and ECHO follow the termios.
 *   LMT_KLUDGE  BSD's kludge linemode, for clients that refuse LINEMODE but
 *               answer DO TIMING-MARK with WILL: WONT SGA (and WONT ECHO
 *               unless the program turned echo off) while the program
 *               reads lines, WILL SGA + WILL ECHO while it reads keys.
 *
 * While the program reads lines (ICANON) in a line mode, the client edits
 * and echoes, so the pty gets EXTPROC: Linux's line discipline then queues
 * input as it comes (no echo, no editing, no ISIG, no ICRNL) and reports
 * every termios change as a TIOCPKT_IOCTL packet.  What the line
 * discipline no longer does, this file does: an end of line becomes "\n"
 * under ICRNL, IP/ABORT/SUSP (and the VINTR/VQUIT/VSUSP characters under
 * ISIG) become TIOCSIG, and EOF, which a raw queue cannot carry, is
 * written with EXTPROC cleared, client input held back EOF_HOLD_MS until
 * the line discipline has taken it.  While the program reads keys (vi,
 * stty -icanon) EXTPROC is off and the line discipline does its usual
 * work; a change back is seen by the termios check after every pty read
 * and every write of client input (there is no packet without EXTPROC).
 */
#include <sys/types.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "telnetd.h"

static int
get_tio(struct session *s, struct termios *t)
{
	if (s->pty == -1 || tcgetattr(s->pty, t) == -1)
		return -1;
	return 0;
}

static void
set_tio(struct session *s, const struct termios *t)
{
	if (tcsetattr(s->pty, TCSANOW, t) == -1)
		log_warn("tcsetattr on the pty");
}

static void
send_slc(struct session *s, const struct lm_out *o)
{
	if (o->n == 0)
		return;
	telnet_send_linemode_slc(s->t, o->slc, o->n);
	log_trace(s, DBG_OPTIONS, "send LINEMODE SLC, %zu triplets", o->n);
}

static void
send_mode(struct session *s, unsigned char m)
{
	telnet_send_linemode_mode(s->t, m);
	log_trace(s, DBG_OPTIONS, "send LINEMODE MODE 0x%02x", m);
}

/* LFLOW (RFC 1372): ON/OFF from IXON, RESTART-ANY/-XON from IXANY. */
static void
lflow_check(struct session *s, const struct termios *t)
{
	int on = (t->c_iflag & IXON) != 0;
	int any = (t->c_iflag & IXANY) != 0;

	if (!telnet_remote_enabled(s->t, TELOPT_LFLOW))
		return;
	if (on != s->lflow_on) {
		s->lflow_on = on;
		telnet_send_lflow(s->t, on ? LFLOW_ON : LFLOW_OFF);
	}
	if (any != s->lflow_any) {
		s->lflow_any = any;
		telnet_send_lflow(s->t, any ? LFLOW_RESTART_ANY :
		    LFLOW_RESTART_XON);
	}
}

/* EXTPROC while the client edits lines; off while the program reads keys
 * or an EOF is being delivered. */
static void
extproc_check(struct session *s, struct termios *t, int want)
{
	int have = (t->c_lflag & EXTPROC) != 0;

	if (s->lm_hold != 0)
		want = 0;
	if (have != want) {
		if (want)
			t->c_lflag |= EXTPROC;
		else
			t->c_lflag &= ~(tcflag_t)EXTPROC;
		set_tio(s, t);
	}
	s->lm_ext = want;
}

void
tty_mode_check(struct session *s)
{
	struct termios t;
	struct lm_out *o;
	unsigned char m;
	int edit, will_echo;

	if (s->state != S_RELAYING || get_tio(s, &t) == -1)
		return;
	lflow_check(s, &t);
	if (s->lm_type == LMT_NONE) {
		if (s->lm_ext || (t.c_lflag & EXTPROC))
			extproc_check(s, &t, 0);
		return;
	}
	edit = (t.c_lflag & ICANON) != 0;
	if (s->lm_type == LMT_KLUDGE) {
		/* BSD's order: SGA first, then echo. */
		telnet_request_local(s->t, TELOPT_SGA, !edit);
		telnet_request_local(s->t, TELOPT_ECHO,
		    !edit || !(t.c_lflag & ECHO));
		extproc_check(s, &t, edit);
		return;
	}
	will_echo = lm_want_will_echo(&t);
	/* WONT ECHO before the MODE, WILL ECHO after it: a client turning
	 * editing off and echo off at once leaves editing first. */
	if (!will_echo)
		telnet_request_local(s->t, TELOPT_ECHO, 0);
	if (lm_mode_update(&s->lm, &t, &m))
		send_mode(s, m);
	if (will_echo)
		telnet_request_local(s->t, TELOPT_ECHO, 1);
	if ((o = ps_zalloc(sizeof(*o))) != NULL) {
		lm_slc_diff(&s->lm, &t, o);
		send_slc(s, o);
		ps_zfree(o, sizeof(*o));
	}
	extproc_check(s, &t, edit);
}

/* RFC 857: a client that refused our echo (DONT ECHO) echoes itself, so
 * the pty must not (BSD telnetd does the same).  Character mode only: the
 * line modes say WONT ECHO themselves and use EXTPROC. */
void
tty_echo_refused(struct session *s)
{
	struct termios t;

	if (s->lm_type != LMT_NONE ||
	    telnet_local_state(s->t, TELOPT_ECHO) != TELNET_Q_NO ||
	    get_tio(s, &t) == -1 || !(t.c_lflag & ECHO))
		return;
	t.c_lflag &= ~(tcflag_t)ECHO;
	set_tio(s, &t);
	log_trace(s, DBG_OPTIONS, "client refused our echo: pty echo off");
}

/* The pty is there, or a line mode was just agreed: take its modes. */
void
tty_mode_start(struct session *s)
{
	struct termios t;
	struct lm_out *o;
	int will_echo;

	if (s->state != S_RELAYING || get_tio(s, &t) == -1)
		return;
	if (!s->lm_ready) {
		lm_init(&s->lm, &t);
		s->lm_ready = 1;
		s->lflow_on = 1;	/* RFC 1372: the client starts ON */
		s->lflow_any = -1;	/* unknown: the first check tells */
		tty_echo_refused(s);
	}
	if (s->lm_type == LMT_REAL && !s->lm_real_started) {
		/* RFC 1184 5.10: the server sets the initial mode, then
		 * answers the client's SLC table (kept if it came early). */
		s->lm_real_started = 1;
		s->lm.mode = lm_mode_from_termios(&t);
		will_echo = lm_want_will_echo(&t);
		if (!will_echo)
			telnet_request_local(s->t, TELOPT_ECHO, 0);
		send_mode(s, s->lm.mode);
		if (will_echo)
			telnet_request_local(s->t, TELOPT_ECHO, 1);
		if (s->rep != NULL && s->rep->slc_seen &&
		    (o = ps_zalloc(sizeof(*o))) != NULL) {
			if (lm_slc_recv(&s->lm, s->rep->slc, s->rep->nslc,
			    &t, o))
				set_tio(s, &t);
			send_slc(s, o);
			ps_zfree(o, sizeof(*o));
		}
	}
	tty_mode_check(s);
}

/* A LINEMODE subnegotiation from the client. */
void
tty_mode_linemode(struct session *s, const struct telnet_event *ev)
{
	struct termios t;
	struct lm_out *o;
	unsigned char reply;

	if (s->lm_type != LMT_REAL || !s->lm_real_started)
		return;		/* before the pty: answered when it comes */
	switch (ev->u.lm.cmd) {
	case LM_MODE:
		if (lm_mode_recv(&s->lm, ev->u.lm.mode, &reply))
			send_mode(s, reply);
		log_trace(s, DBG_OPTIONS, "recv LINEMODE MODE 0x%02x",
		    ev->u.lm.mode);
		break;
	case LM_SLC:
		if (get_tio(s, &t) == -1 || (o = ps_zalloc(sizeof(*o))) ==
		    NULL)
			return;
		/* The table now says what the termios will hold. */
		if (lm_slc_recv(&s->lm, ev->u.lm.slc, ev->u.lm.nslc, &t, o))
			set_tio(s, &t);
		send_slc(s, o);
		ps_zfree(o, sizeof(*o));
		break;
	case TELNET_DO:
		/* Only the server asks for a forward mask. */
		telnet_send_linemode_forwardmask(s->t, TELNET_WONT, NULL, 0);
		break;
	default:	/* WILL/WONT FORWARDMASK: we never asked */
		break;
	}
}

/* ---- client input while EXTPROC is set ---------------------------- */

static void
tty_signal(struct session *s, int sig)
{
	if (ioctl(s->pty, TIOCSIG, sig) == -1 && errno != EINVAL)
		log_warn("TIOCSIG");
}

int
tty_input_held(struct session *s, int64_t now)
{
	if (s->lm_hold == 0)
		return 0;
	if (now < s->lm_hold)
		return 1;
	s->lm_hold = 0;
	tty_mode_check(s);	/* EXTPROC back on */
	return 0;
}

/* EOF: a raw queue cannot carry it, so write VEOF with EXTPROC off, and
 * hold later input until the line discipline has taken it. */
static void
tty_eof(struct session *s, const struct termios *t)
{
	struct termios off = *t;
	unsigned char c = t->c_cc[VEOF];

	if (c == _POSIX_VDISABLE)
		return;
	relay_write_pty(s);
	if (buf_len(&s->in) > 0) {
		relay_to_pty(s, &c, 1);		/* best effort */
		return;
	}
	off.c_lflag &= ~(tcflag_t)EXTPROC;
	set_tio(s, &off);
	if (write(s->pty, &c, 1) != 1)
		log_warn("write to pty");
	s->lm_hold = now_ms() + EOF_HOLD_MS;
	s->lm_ext = 0;
}

/* What ICRNL/IGNCR/INLCR make of a CR or LF. */
static int
map_eol(const struct termios *t, unsigned char c)
{
	if (c == '\r') {
		if (t->c_iflag & IGNCR)
			return -1;
		return (t->c_iflag & ICRNL) ? '\n' : '\r';
	}
	if (c == '\n' && (t->c_iflag & INLCR))
		return '\r';
	return c;
}

int
tty_input_eol(struct session *s)
{
	struct termios t;
	int c;

	if (!s->lm_ext || get_tio(s, &t) == -1)
		return 0;
	if ((c = map_eol(&t, '\r')) >= 0) {
		unsigned char ch = (unsigned char)c;

		relay_to_pty(s, &ch, 1);
	}
	return 1;
}

static int
is_cc(const struct termios *t, int idx, unsigned char c)
{
	return t->c_cc[idx] != _POSIX_VDISABLE && t->c_cc[idx] == c;
}

int
tty_input_data(struct session *s, const unsigned char *p, size_t n)
{
	struct termios t;
	size_t i, start = 0;
	int c, sig, eof;

	if (!s->lm_ext || get_tio(s, &t) == -1)
		return 0;
	for (i = 0; i < n; i++) {
		sig = 0;
		if (t.c_lflag & ISIG) {
			if (is_cc(&t, VINTR, p[i]))
				sig = SIGINT;
			else if (is_cc(&t, VQUIT, p[i]))
				sig = SIGQUIT;
			else if (is_cc(&t, VSUSP, p[i]))
				sig = SIGTSTP;
		}
		eof = (t.c_lflag & ICANON) && is_cc(&t, VEOF, p[i]);
		if (sig == 0 && !eof && p[i] != '\r' && p[i] != '\n')
			continue;
		relay_to_pty(s, p + start, i - start);
		start = i + 1;
		if (sig != 0)
			tty_signal(s, sig);
		else if (p[i] == '\r' || p[i] == '\n') {
			if ((c = map_eol(&t, p[i])) >= 0) {
				unsigned char ch = (unsigned char)c;

				relay_to_pty(s, &ch, 1);
			}
		} else
			tty_eof(s, &t);
		if (!s->lm_ext) {
			/* EOF delivered: the rest waits, as it came. */
			relay_to_pty(s, p + start, n - start);
			return 1;
		}
	}
	relay_to_pty(s, p + start, n - start);
	return 1;
}

int
tty_input_command(struct session *s, unsigned char cmd)
{
	struct termios t;
	int isig;

	if (!s->lm_ext || get_tio(s, &t) == -1)
		return 0;
	isig = (t.c_lflag & ISIG) != 0;
	switch (cmd) {
	case TELNET_IP:
	case TELNET_BRK:
		if (!isig)
			return 0;
		tty_signal(s, SIGINT);
		return 1;
	case TELNET_ABORT:
		if (!isig)
			return 0;
		tty_signal(s, SIGQUIT);
		return 1;
	case TELNET_SUSP:
		if (!isig)
			return 0;
		tty_signal(s, SIGTSTP);
		return 1;
	case TELNET_EOF:
		tty_eof(s, &t);
		return 1;
	case TELNET_EOR:
		return tty_input_eol(s);
	default:
		return 0;
	}
}
