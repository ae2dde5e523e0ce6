/*
 * linemode.h - LINEMODE (RFC 1184) MODE and SLC decisions, no I/O.
 * Implemented in linemode.c; the session feeds termios snapshots and the
 * client's SLC triplets and sends what comes back.
 */
#ifndef TELNETD_LINEMODE_H
#define TELNETD_LINEMODE_H

#include <stddef.h>
#include <termios.h>

#include "telnet.h"

struct lm_slc {
	unsigned char level;	/* SLC_NOSUPPORT .. SLC_DEFAULT */
	unsigned char value;
};

/* Enough for a reply to every triplet of one SB plus a full table. */
#define LM_OUT_MAX	(TELNET_SLC_MAX + SLC_MAXFUNC)

struct lm_out {
	size_t n;
	int truncated;
	struct telnet_slc slc[LM_OUT_MAX];
};

struct linemode {
	unsigned char mode;		/* the mode in force (no ACK bit) */
	int mode_acked;			/* the client confirmed it */
	int got_slc;			/* the client sent its SLC table */
	struct lm_slc cur[SLC_MAXFUNC + 1];
	struct lm_slc def[SLC_MAXFUNC + 1];	/* from the first termios */
};

void lm_init(struct linemode *lm, const struct termios *tio);
unsigned char lm_mode_from_termios(const struct termios *tio);
int lm_slc_recv(struct linemode *lm, const struct telnet_slc *in, size_t n,
    struct termios *tio, struct lm_out *out);
void lm_slc_diff(struct linemode *lm, const struct termios *tio,
    struct lm_out *out);
int lm_mode_recv(struct linemode *lm, unsigned char mask, unsigned char *reply);
int lm_mode_update(struct linemode *lm, const struct termios *tio,
    unsigned char *send);
int lm_want_will_echo(const struct termios *tio);

#endif /* TELNETD_LINEMODE_H */
