/*
 * linemode.c - LINEMODE (RFC 1184) decisions, with no I/O: the MODE mask
 * and the Special Linemode Character table follow the pty's termios, and
 * the client's SLC requests are answered by the rules of RFC 1184 section
 * 5.5 and the table in 5.9.  The session feeds it termios snapshots and
 * the decoded SLC triplets, and sends what it returns.
 */
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "telnet.h"
#include "linemode.h"

/* Which termios c_cc slot backs each SLC function, and the advisory
 * flush bits we announce for it (RFC 1184 5.8).  Functions without a
 * slot (SYNCH, BRK, AYT, EOR and the visual editing keys) are the
 * client's business: we report them at SLC_DEFAULT and acknowledge
 * whatever the client sets them to (RFC 1184 5.5, last paragraph). */
struct slc_map {
	int vindex;		/* -1: no termios slot */
	unsigned char flush;
};

static const struct slc_map slc_map[SLC_MAXFUNC + 1] = {
	[0] = { -1, 0 },
	[SLC_SYNCH] = { -1, 0 },
	[SLC_BRK] = { -1, 0 },
	[SLC_IP] = { VINTR, SLC_FLUSHIN | SLC_FLUSHOUT },
	[SLC_AO] = { VDISCARD, SLC_FLUSHOUT },
	[SLC_AYT] = { -1, 0 },
	[SLC_EOR] = { -1, 0 },
	[SLC_ABORT] = { VQUIT, SLC_FLUSHIN | SLC_FLUSHOUT },
	[SLC_EOF] = { VEOF, 0 },
	[SLC_SUSP] = { VSUSP, SLC_FLUSHIN },
	[SLC_EC] = { VERASE, 0 },
	[SLC_EL] = { VKILL, 0 },
	[SLC_EW] = { VWERASE, 0 },
	[SLC_RP] = { VREPRINT, 0 },
	[SLC_LNEXT] = { VLNEXT, 0 },
	[SLC_XON] = { VSTART, 0 },
	[SLC_XOFF] = { VSTOP, 0 },
	[SLC_FORW1] = { VEOL, 0 },
	[SLC_FORW2] = { VEOL2, 0 },
	[SLC_MCL] = { -1, 0 }, [SLC_MCR] = { -1, 0 },
	[SLC_MCWL] = { -1, 0 }, [SLC_MCWR] = { -1, 0 },
	[SLC_MCBOL] = { -1, 0 }, [SLC_MCEOL] = { -1, 0 },
	[SLC_INSRT] = { -1, 0 }, [SLC_OVER] = { -1, 0 },
	[SLC_ECR] = { -1, 0 }, [SLC_EWR] = { -1, 0 },
	[SLC_EBOL] = { -1, 0 }, [SLC_EEOL] = { -1, 0 },
};

/* On the wire 0xff means "no character" (BSD's _POSIX_VDISABLE); on
 * Linux a disabled c_cc slot holds 0. */
#define WIRE_DISABLED	0xff

static int
backed(unsigned char f)
{
	return f >= 1 && f <= SLC_MAXFUNC && slc_map[f].vindex >= 0;
}

/* The SLC entry a termios implies for a termios-backed function. */
static struct lm_slc
entry_from_tio(unsigned char f, const struct termios *tio)
{
	struct lm_slc e;
	cc_t c = tio->c_cc[slc_map[f].vindex];

	if (c == _POSIX_VDISABLE) {
		e.level = SLC_NOSUPPORT;
		e.value = 0;
	} else {
		e.level = SLC_VALUE;
		e.value = (unsigned char)c;
	}
	return e;
}

static void
put(struct lm_out *out, unsigned char f, unsigned char flags,
    unsigned char value)
{
	if (out->n >= LM_OUT_MAX) {
		out->truncated = 1;
		return;
	}
	out->slc[out->n].func = f;
	out->slc[out->n].flags = flags;
	out->slc[out->n].value = value;
	out->n++;
}

static void
put_entry(struct lm_out *out, unsigned char f, const struct lm_slc *e,
    unsigned char ack)
{
	unsigned char flags = e->level | ack;

	if (e->level != SLC_NOSUPPORT && e->level != SLC_DEFAULT)
		flags |= slc_map[f].flush;
	put(out, f, flags, e->level == SLC_DEFAULT ? 0 : e->value);
}

unsigned char
lm_mode_from_termios(const struct termios *tio)
{
	unsigned char m = 0;

	if (tio->c_lflag & ICANON)
		m |= LM_MODE_EDIT;
	if (tio->c_lflag & ISIG)
		m |= LM_MODE_TRAPSIG;
	if ((tio->c_oflag & TABDLY) == TAB3)
		m |= LM_MODE_SOFT_TAB;
	if (!(tio->c_lflag & ECHOCTL))
		m |= LM_MODE_LIT_ECHO;
	return m;
}

void
lm_init(struct linemode *lm, const struct termios *tio)
{
	unsigned char f;

	memset(lm, 0, sizeof(*lm));
	for (f = 1; f <= SLC_MAXFUNC; f++) {
		if (backed(f))
			lm->def[f] = entry_from_tio(f, tio);
		else {
			lm->def[f].level = SLC_DEFAULT;
			lm->def[f].value = 0;
		}
		lm->cur[f] = lm->def[f];
	}
	lm->mode = lm_mode_from_termios(tio);
}

/* Write a termios-backed entry into the termios. */
static void
apply(unsigned char f, const struct lm_slc *e, struct termios *tio)
{
	cc_t c;

	if (e->level == SLC_NOSUPPORT || e->value == WIRE_DISABLED)
		c = _POSIX_VDISABLE;
	else
		c = e->value;
	tio->c_cc[slc_map[f].vindex] = c;
}

static void
send_all(const struct linemode *lm, struct lm_out *out)
{
	unsigned char f;

	for (f = 1; f <= SLC_MAXFUNC; f++)
		put_entry(out, f, &lm->cur[f], 0);
}

/*
 * One SLC subnegotiation from the client.  RFC 1184 5.5: ignore what
 * matches; ignore anything carrying SLC_ACK (the server side never
 * switches on an ACK); agree by switching and echoing the triplet with
 * SLC_ACK; disagree by answering our value at a lower level.  Returns 1
 * when *tio was changed and must be written to the pty.
 */
int
lm_slc_recv(struct linemode *lm, const struct telnet_slc *in, size_t n,
    struct termios *tio, struct lm_out *out)
{
	size_t i;
	int changed = 0, all = 0;
	unsigned char f, level;
	struct lm_slc e;

	out->n = 0;
	out->truncated = 0;
	lm->got_slc = 1;
	for (i = 0; i < n; i++) {
		f = in[i].func;
		level = in[i].flags & SLC_LEVELBITS;
		if (f == 0) {
			/* 0 DEFAULT 0: back to our defaults, send them all;
			 * 0 VALUE 0: send what we have now. */
			if (level == SLC_DEFAULT) {
				for (f = 1; f <= SLC_MAXFUNC; f++) {
					lm->cur[f] = lm->def[f];
					if (backed(f))
						apply(f, &lm->cur[f], tio);
				}
				changed = 1;
			}
			all = 1;
			continue;
		}
		if (in[i].flags & SLC_ACK)
			continue;
		if (f > SLC_MAXFUNC) {
			/* A function we do not know: not supported. */
			if (level != SLC_NOSUPPORT)
				put(out, f, SLC_NOSUPPORT, 0);
			continue;
		}
		if (level == lm->cur[f].level &&
		    (level == SLC_NOSUPPORT || level == SLC_DEFAULT ||
		    in[i].value == lm->cur[f].value))
			continue;
		if (level == SLC_DEFAULT) {
			/* The client wants our value. */
			e = backed(f) ? lm->def[f] : (struct lm_slc){
				SLC_NOSUPPORT, 0 };
			lm->cur[f] = e;
			if (backed(f)) {
				apply(f, &e, tio);
				changed = 1;
			}
			put_entry(out, f, &e, 0);
			continue;
		}
		/* VALUE, CANTCHANGE or NOSUPPORT: we agree. */
		e.level = level;
		e.value = level == SLC_NOSUPPORT ? 0 : in[i].value;
		if (e.level != SLC_NOSUPPORT && e.value == WIRE_DISABLED)
			e.level = SLC_NOSUPPORT, e.value = 0;
		lm->cur[f] = e;
		if (backed(f)) {
			apply(f, &e, tio);
			changed = 1;
		}
		put(out, f, in[i].flags | SLC_ACK, in[i].value);
	}
	if (all)
		send_all(lm, out);
	return changed;
}

/* The program changed its termios: the SLC triplets to announce. */
void
lm_slc_diff(struct linemode *lm, const struct termios *tio, struct lm_out *out)
{
	unsigned char f;
	struct lm_slc e;

	out->n = 0;
	out->truncated = 0;
	for (f = 1; f <= SLC_MAXFUNC; f++) {
		if (!backed(f))
			continue;
		e = entry_from_tio(f, tio);
		if (e.level == lm->cur[f].level && e.value == lm->cur[f].value)
			continue;
		lm->cur[f] = e;
		put_entry(out, f, &e, 0);
	}
}

/*
 * A MODE from the client (RFC 1184 2.2).  With MODE_ACK it confirms the
 * mode we sent or, when it differs, the server switches to it.  Without
 * MODE_ACK it asks for a mode: the terminal decides here, so we answer
 * with our mode unless it is the same.  Returns 1 and sets *reply when a
 * MODE must be sent back.
 */
int
lm_mode_recv(struct linemode *lm, unsigned char mask, unsigned char *reply)
{
	unsigned char m = mask & LM_MODE_MASK & ~LM_MODE_ACK;

	if (mask & LM_MODE_ACK) {
		lm->mode = m;
		lm->mode_acked = 1;
		return 0;
	}
	if (m == lm->mode)
		return 0;
	*reply = lm->mode;
	return 1;
}

/* The termios changed: the new mode to send, if it differs. */
int
lm_mode_update(struct linemode *lm, const struct termios *tio,
    unsigned char *send)
{
	unsigned char m = lm_mode_from_termios(tio);

	if (m == lm->mode)
		return 0;
	lm->mode = m;
	lm->mode_acked = 0;
	*send = m;
	return 1;
}

/* In LINEMODE the client echoes while it edits lines; when the program
 * turns echo off (a password) or leaves canonical mode (a full-screen
 * program echoing for itself) the server takes echo over (RFC 1184 2.2,
 * "ECHO"). */
int
lm_want_will_echo(const struct termios *tio)
{
	return !(tio->c_lflag & ICANON) || !(tio->c_lflag & ECHO);
}
