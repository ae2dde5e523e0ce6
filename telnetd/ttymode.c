/*
 * ttymode.c - the pty's modes, told to the client, and what the line
 * discipline would have made of the client's input while it is told not to
 * look at it.
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
 * discipline no longer does, the relay does, and this file tells it what:
 * an end of line becomes "\n" under ICRNL, IP/ABORT/SUSP (and the VINTR/
 * VQUIT/VSUSP characters under ISIG) become signals, and an EOF at a
 * line's start a VEOF written alone with EXTPROC off for as long as it
 * waits to be read (pty_input.c does it, tty_eof_window_begin says why).
 * While the program reads keys (vi, stty -icanon) EXTPROC is off and the
 * line discipline does its usual work; a change back is seen by the
 * termios check after every pty read and every write of client input
 * (there is no packet without EXTPROC).
 *
 * This file reads and sets the pty's termios and sends negotiation through
 * the engine; it never reads or writes the pty's data: the relay does.
 */
#include <sys/types.h>

#include <signal.h>
#include <string.h>
#include <termios.h>

#include "telnetd.h"

static int
get_tio(struct session *s, struct termios *t)
{
	if (s->pty.fd == -1 || tcgetattr(s->pty.fd, t) == -1)
		return -1;
	return 0;
}

static void
set_tio(struct session *s, const struct termios *t)
{
	if (tcsetattr(s->pty.fd, TCSANOW, t) == -1)
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

/* RFC 1184: WONT ECHO before a MODE, WILL ECHO after it, so that a client
 * turning editing off and echo off at once leaves editing first. */
static void
send_mode_and_echo(struct session *s, unsigned char m, int will_echo)
{
	if (!will_echo)
		telnet_request_local(s->t, TELOPT_ECHO, 0);
	send_mode(s, m);
	if (will_echo)
		telnet_request_local(s->t, TELOPT_ECHO, 1);
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

/* The local flags as a program sets them: EXTPROC is this daemon's,
 * PENDIN and FLUSHO the line discipline's. */
static tcflag_t
program_lflag(const struct termios *t)
{
	return t->c_lflag & ~(tcflag_t)(EXTPROC | PENDIN | FLUSHO);
}

/* The pty's echo, turned off for a DONT ECHO (tty_echo_refused), is the
 * program's once it changed the local modes itself: it may have turned
 * the echo on and off again for a password prompt, and a DO ECHO must not
 * turn it on behind that (tty_echo_agreed). */
static void
echo_owned_check(struct session *s, const struct termios *t)
{
	if (s->echo_cleared && program_lflag(t) != s->echo_lflag) {
		s->echo_cleared = 0;
		log_trace(s, DBG_OPTIONS, "program changed its modes: "
		    "pty echo is its own");
	}
}

/* EXTPROC while the client edits lines; off while the program reads
 * keys. */
static void
extproc_check(struct session *s, struct termios *t, int want)
{
	int have = (t->c_lflag & EXTPROC) != 0;

	/* A VEOF waits with EXTPROC off (tty_eof_window_begin): input is
	 * still taken as the program's mode says, EXTPROC comes later. */
	if (s->eof_window) {
		s->lm_ext = want;
		return;
	}

	/* ICANON's line starts when the mode comes on (n_tty_set_termios):
	 * a key the program read in character mode ("press any key", a
	 * y/n) leaves no partial line behind for an EOF to end
	 * (pty_input.c's input_eof).  Bytes still queued will start it. */
	if (want && !s->lm_ext && buf_len(&s->in) == 0 && !s->eof_pending)
		s->in_last = '\n';
	if (have != want) {
		if (want) {
			/* Input queued as EXTPROC input already (the end of
			 * a VEOF's window, lm_ext still on) is not mapped
			 * twice: under INLCR and ICRNL a second mapping
			 * swaps CR and LF back. */
			if (!s->lm_ext)
				relay_input_extproc_on(s, t);
			t->c_lflag |= EXTPROC;
		} else
			t->c_lflag &= ~(tcflag_t)EXTPROC;
		set_tio(s, t);
	}
	s->lm_ext = want;
}

void
tty_mode_check(struct session *s)
{
	struct termios t;
	struct lm_out o;
	unsigned char m;
	int edit;

	if (s->state != S_RELAYING || get_tio(s, &t) == -1)
		return;
	lflow_check(s, &t);
	echo_owned_check(s, &t);
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
	if (lm_mode_update(&s->lm, &t, &m))
		send_mode_and_echo(s, m, lm_want_will_echo(&t));
	else
		telnet_request_local(s->t, TELOPT_ECHO, lm_want_will_echo(&t));
	memset(&o, 0, sizeof(o));
	lm_slc_diff(&s->lm, &t, &o);
	send_slc(s, &o);
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
	s->echo_cleared = 1;
	s->echo_lflag = program_lflag(&t);
	log_trace(s, DBG_OPTIONS, "client refused our echo: pty echo off");
}

/* RFC 857: WILL ECHO means the server echoes.  A client that refused our
 * echo and asks for it again (DO ECHO: busybox telnet's character mode
 * after its line mode) gets the pty's echo back, as BSD telnetd turns it
 * on at a DO ECHO in character mode; only when this file turned it off
 * and the program has not changed its local modes since (seen at any
 * termios look, echo_owned_check), so that a program's own echo off (a
 * password prompt) stays off. */
void
tty_echo_agreed(struct session *s)
{
	struct termios t;

	if (!s->echo_cleared || s->lm_type != LMT_NONE ||
	    get_tio(s, &t) == -1)
		return;
	echo_owned_check(s, &t);
	if (!s->echo_cleared)
		return;
	s->echo_cleared = 0;
	if (t.c_lflag & ECHO)
		return;
	t.c_lflag |= ECHO;
	set_tio(s, &t);
	log_trace(s, DBG_OPTIONS, "client agreed to our echo: pty echo on");
}

/* The pty is there, or a line mode was just agreed: take its modes. */
void
tty_mode_start(struct session *s)
{
	struct termios t;
	struct lm_out o;

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
		send_mode_and_echo(s, s->lm.mode, lm_want_will_echo(&t));
		if (s->rep != NULL && s->rep->slc_seen) {
			memset(&o, 0, sizeof(o));
			if (lm_slc_recv(&s->lm, s->rep->slc, s->rep->nslc,
			    &t, &o))
				set_tio(s, &t);
			send_slc(s, &o);
		}
	}
	tty_mode_check(s);
}

/* A LINEMODE subnegotiation from the client. */
void
tty_mode_linemode(struct session *s, const struct telnet_event *ev)
{
	struct termios t;
	struct lm_out o;
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
		if (get_tio(s, &t) == -1)
			return;
		memset(&o, 0, sizeof(o));
		/* The table now says what the termios will hold. */
		if (lm_slc_recv(&s->lm, ev->u.lm.slc, ev->u.lm.nslc, &t, &o))
			set_tio(s, &t);
		send_slc(s, &o);
		break;
	default:
		/* FORWARDMASK.  We never send DO FORWARDMASK, so WILL/WONT
		 * answer nothing of ours; and a client's DO/DONT is not
		 * answered either: only the DO LINEMODE side may send those
		 * (RFC 1184 2.3), and "at no time" may the server send
		 * WILL/WONT FORWARDMASK (5.7). */
		break;
	}
}

/* ---- client input while EXTPROC is set ---------------------------- */

int
tty_input_modes(struct session *s, struct termios *t)
{
	return s->lm_ext ? get_tio(s, t) : -1;
}

/*
 * A VEOF at a line's start goes to the line discipline with EXTPROC off:
 * ICANON keeps it as its end-of-file mark, which a program reading lines
 * reads as an end of file, and one that reads keys by then (a shell's
 * line editor once the command it ran ended without reading it) as a
 * NUL, as on any pty.  With EXTPROC on it would stay the byte ^D, and
 * readline logs out at ^D on an empty line.  Nothing else is written
 * until the program has read it (ldisc_drained); then EXTPROC comes back
 * (tty_eof_window_end).  Turning EXTPROC off or on clears the line
 * discipline's line ends (n_tty_set_termios), so both happen only with
 * its queue empty.
 */
void
tty_eof_window_begin(struct session *s, const struct termios *t)
{
	struct termios off = *t;

	if (off.c_lflag & EXTPROC) {
		off.c_lflag &= ~(tcflag_t)EXTPROC;
		set_tio(s, &off);
	}
	s->eof_window = 1;
}

/* Whether the program reads lines (ICANON); 1 when that cannot be told. */
int
tty_reads_lines(struct session *s)
{
	struct termios t;

	return get_tio(s, &t) == -1 || (t.c_lflag & ICANON) != 0;
}

void
tty_eof_window_end(struct session *s)
{
	s->eof_window = 0;
	tty_mode_check(s);	/* EXTPROC back while the program reads lines */
}

/* Whether c, as the relay wrote it, ends a line for ICANON: a newline
 * (a CR under ICRNL: character mode writes the client's CR as it is),
 * VEOL, VEOL2 (IEXTEN). */
int
tty_ends_line(const struct termios *t, unsigned char c)
{
	if (c == '\n')
		return 1;
	if (c == '\r' && (t->c_iflag & ICRNL) && !(t->c_iflag & IGNCR))
		return 1;
	if (t->c_cc[VEOL] != _POSIX_VDISABLE && t->c_cc[VEOL] == c)
		return 1;
	return (t->c_lflag & IEXTEN) && t->c_cc[VEOL2] != _POSIX_VDISABLE &&
	    t->c_cc[VEOL2] == c;
}

/* What ICRNL/IGNCR/INLCR make of a CR or LF. */
void
tty_map_eol(const struct termios *t, unsigned char c, struct tty_in *in)
{
	in->what = TTY_IN_BYTE;
	in->byte = c;
	if (c == '\r') {
		if (t->c_iflag & IGNCR)
			in->what = TTY_IN_DROP;
		else if (t->c_iflag & ICRNL)
			in->byte = '\n';
	} else if (c == '\n' && (t->c_iflag & INLCR))
		in->byte = '\r';
}

void
tty_input_eol(const struct termios *t, struct tty_in *in)
{
	tty_map_eol(t, '\r', in);
}

static int
is_cc(const struct termios *t, int idx, unsigned char c)
{
	return t->c_cc[idx] != _POSIX_VDISABLE && t->c_cc[idx] == c;
}

size_t
tty_input_scan(const struct termios *t, const unsigned char *p, size_t n,
    struct tty_in *in)
{
	size_t i;

	for (i = 0; i < n; i++) {
		in->what = TTY_IN_SIGNAL;
		if ((t->c_lflag & ISIG) && is_cc(t, VINTR, p[i]))
			in->sig = SIGINT;
		else if ((t->c_lflag & ISIG) && is_cc(t, VQUIT, p[i]))
			in->sig = SIGQUIT;
		else if ((t->c_lflag & ISIG) && is_cc(t, VSUSP, p[i]))
			in->sig = SIGTSTP;
		else if (p[i] == '\r' || p[i] == '\n')
			tty_map_eol(t, p[i], in);
		else if ((t->c_lflag & ICANON) && is_cc(t, VEOF, p[i]))
			in->what = TTY_IN_EOF;
		else
			continue;
		return i;
	}
	return n;
}

int
tty_input_command(const struct termios *t, unsigned char cmd,
    struct tty_in *in)
{
	int isig = (t->c_lflag & ISIG) != 0;

	in->what = TTY_IN_SIGNAL;
	switch (cmd) {
	case TELNET_IP:
	case TELNET_BRK:
		in->sig = SIGINT;
		return isig;
	case TELNET_ABORT:
		in->sig = SIGQUIT;
		return isig;
	case TELNET_SUSP:
		in->sig = SIGTSTP;
		return isig;
	case TELNET_EOF:
		in->what = TTY_IN_EOF;
		return 1;
	case TELNET_EOR:
		tty_input_eol(t, in);
		return 1;
	default:
		return 0;
	}
}

/* ---- commands outside EXTPROC ------------------------------------- */

/* The pty's own character for a TELNET command (VINTR for IP, ...), read
 * from its termios each time; -1 when there is none or it is disabled. */
int
tty_command_char(struct session *s, unsigned char cmd)
{
	static const struct {
		int idx;		/* in c_cc */
		unsigned char cmd;
		unsigned char dflt;	/* when the termios cannot be read */
	} map[] = {
		{ VINTR, TELNET_IP, 0x03 }, { VINTR, TELNET_BRK, 0x03 },
		{ VQUIT, TELNET_ABORT, 0x1c }, { VSUSP, TELNET_SUSP, 0x1a },
		{ VEOF, TELNET_EOF, 0x04 }, { VERASE, TELNET_EC, 0x7f },
		{ VKILL, TELNET_EL, 0x15 },
	};
	struct termios t;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].cmd == cmd)
			break;
	if (i == sizeof(map) / sizeof(map[0]) || s->pty.fd == -1)
		return -1;
	if (tcgetattr(s->pty.fd, &t) == -1)
		return map[i].dflt;
	if (t.c_cc[map[i].idx] == _POSIX_VDISABLE)
		return -1;
	return t.c_cc[map[i].idx];
}
