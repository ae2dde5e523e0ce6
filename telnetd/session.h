/*
 * session.h - the relay's per-connection state: struct session and the
 * states, sides, deadlines and negotiation records it is made of.  The
 * functions that take it are declared in telnetd.h, under their files.
 */
#ifndef TELNETD_SESSION_H
#define TELNETD_SESSION_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "buffer.h"
#include "config.h"
#include "linemode.h"
#include "login.h"
#include "probe.h"
#include "telnet.h"

struct tls_info;

/* The relay's per-connection state: one struct, passed explicitly. */
enum session_state {
	S_SECURING = 0,		/* TLS first (tls_session.c): the first
				 * bytes, START_TLS, the handshake */
	S_NEGOTIATING,		/* opening requests out, answers awaited */
	S_PROBING,		/* --report: the probes (probe.c) */
	S_STARTING,		/* START sent to the monitor */
	S_RELAYING,		/* pty <-> network */
	S_DRAINING,		/* program or client done: flush and close */
	S_CLOSED,
};

/* One side of the relay: the client's connection or the pty. */
enum side_state {
	SIDE_OPEN = 0,
	SIDE_HALF_CLOSED,	/* net: the client sent its EOF but reads;
				 * pty: the program ended, its output is
				 * read to the end */
	SIDE_DONE,		/* nothing more to read or write */
};
struct side {
	int fd;			/* -1: not there (the pty before STARTED) */
	enum side_state st;
	int full;		/* pty: a write found it full, wait for
				 * POLLOUT (the socket is always tried) */
};

/* S_DRAINING's steps: the queue to the client flushed, then SHUT_WR and
 * the client's last bytes read until it closes or LINGER_MS. */
enum drain_step {
	DRAIN_FLUSH = 0,
	DRAIN_LINGER,
};

/* The relay's deadlines (ms, 0 = not set): the poll timeout is the
 * nearest one (deadline_timeout). */
enum deadline {
	DL_SECURE,		/* TLS: the first bytes, START_TLS's answer,
				 * the handshake (tls_session.c) */
	DL_NEGOTIATE,		/* a silent client: start anyway */
	DL_LDISC,		/* EXTPROC: the line discipline looked at
				 * again (ldisc_room.c) */
	DL_PROGRAM_QUIET,	/* the program ended: its pty quiet this long */
	DL_FLUSH,		/* draining: the client does not read */
	DL_LINGER,		/* draining: the client's last bytes */
	DL_TRIM,		/* idle: the buffers' pages back */
	DL_PROBE,		/* probing: the burst's or a query's bound */
	DL_IDLE,		/* --idle-timeout: nothing moved, close */
	DL_MAX,
};

/* Line modes: none (character at a time, the server echoes), kludge
 * (RFC 858 SGA toggled, BSD style), real LINEMODE (RFC 1184). */
#define LMT_NONE	0
#define LMT_KLUDGE	1
#define LMT_REAL	2

/* What a client sends that is worth one log line, not one per message:
 * the first of each kind is logged, the rest counted (note_first) and the
 * counts logged when the session ends (notes_end). */
enum note_kind {
	NOTE_TTYPE_REFUSED,	/* a terminal type that is no name */
	NOTE_XDISPLOC_REFUSED,	/* an X display location the allow-list refused */
	NOTE_CHARSET_UNOFFERED,	/* CHARSET ACCEPTED for a name never offered */
	NOTE_SNDLOC,		/* SEND-LOCATION text */
	NOTE_MAX,
};

/* Limits hit, each logged once per session. */
#define LIM_NEG_DEADLINE	0x01
#define LIM_SB			0x02
#define LIM_OUTPUT		0x04
#define LIM_INPUT		0x08
#define LIM_LDISC		0x10	/* no TIOCGPTPEER: input unpaced */

/* What negotiate.c still waits for, per option. */
#define NEG_WAIT_ANSWER	0x01	/* our DO/WILL has no answer yet */
#define NEG_WAIT_SB	0x02	/* agreed; its subnegotiation is due */

/* For the client report (report.c): when each side of each option was
 * answered (ms after the opening requests, -1 = never) and how. */
/* Scalars and the per-option answers first, the tables most sessions
 * leave empty last: a session touches as few of its pages as it can. */
struct neg_report {
	int32_t ttype_ms, env_ms, naws_ms, tspeed_ms, charset_ms, tm_ms;
	int tm_answer;			/* 0 none, 1 WILL, 2 WONT */
	size_t nenv_denied, nslc;
	int slc_seen;
	unsigned char ans[256][2];	/* 0 none, 1 agreed, 2 refused */
	int32_t ms[256][2];		/* [opt][local] */
	struct telnet_slc slc[TELNET_SLC_MAX];	/* the client's SLC table */
	char xdisploc[ENV_MAX_VALUE + 1];
	char env_denied[ENV_MAX_VARS][ENV_MAX_NAME + 1];	/* names refused */
};

/*
 * The layout is part of the memory budget.  session_new() maps the struct
 * as zero pages of its own, and a page costs memory only once it is
 * written: an idle session writes the scalar state below, the head of
 * out (its ring of spans starts over at its first entry whenever it
 * empties), and env only as far as the client's variables go.  So the
 * scalars come first, all within the first page, and the big members
 * last, in the order of how much of them an idle session touches (span[]
 * once a client types).  A field added among the big members, or enough
 * scalars to push them past the first page, costs every session a page:
 * tests/integration/test_daemon_memory.py counts the pages an idle
 * session's state takes and fails when they grow.
 */
struct session {
	const struct config *cfg;
	const char *host;
	enum session_state state;
	enum drain_step drain;		/* in S_DRAINING */
	struct side net;		/* the client's connection */
	struct side pty;		/* the pty master */
	int mon;			/* socket to the monitor, -1: gone */
	struct tls_session *tls;	/* NULL: plain (tls_session.c) */
	/* Once TLS is up, what it is (for the report; tls_session.c sets
	 * it, so the report calls nothing of TLS); else NULL. */
	const struct tls_info *tls_up;
	struct telnet *t;
	struct buffer in;		/* to the program */
	unsigned char *scratch;		/* one read, IO_CHUNK + 1 bytes */
	int64_t dl[DL_MAX];		/* enum deadline */

	/* Negotiation (negotiate.c). */
	int64_t t_begin;		/* ms, when the requests went out */
	unsigned char wait[256];	/* NEG_WAIT_* per option */
	char term[TERM_MAX + 1];
	uint16_t ws_col, ws_row;
	uint32_t tx, rx;
	unsigned int env_logged;	/* 1 << env_verdict, logged once */
	char terms[TTYPE_MAX][TERM_MAX + 1];	/* TTYPE names, in order */
	size_t nterms;
	int ttype_done;			/* the list repeated or is full */
	int charset_asked;		/* our CHARSET REQUEST went out */
	int charset_open;		/* ... and is not answered yet */
	char charset[CHARSET_NAME_MAX + 1];	/* "" = none agreed */
	char location[LOCATION_MAX + 1];	/* SNDLOC */
	struct neg_report *rep;		/* what the client answered, when */
	struct probe *probe;		/* --report: the probes (probe.c) */

	/* Terminal modes (ttymode.c). */
	int lm_type;			/* LMT_* */
	int kludge_tm;			/* DO TM sent to detect kludge mode */
	int lm_ready;			/* lm holds the pty's modes */
	int lm_real_started;		/* first MODE sent */
	struct linemode lm;
	int lm_ext;			/* EXTPROC is set by us */
	size_t ld_unproven;		/* written since the line discipline
					 * was seen empty (ldisc_room.c) */
	int ld_wait_ms;			/* its next look, after this long */
	/* A linemode EOF (pty_input.c): at most one in the input queue, at
	 * eof_at; a second waits at the head of held. */
	int eof_pending;
	size_t eof_at;			/* queued bytes ahead of it */
	int eof_veof;			/* at a line's start: a VEOF goes */
	int eof_window;			/* a VEOF in the line discipline,
					 * EXTPROC off until it is read */
	int held_eof;			/* an EOF before the held bytes */
	unsigned char in_last;		/* the last byte queued for the pty */
	int lflow_on, lflow_any;	/* last LFLOW state sent */
	int echo_cleared;		/* the pty's ECHO off for a DONT ECHO */
	tcflag_t echo_lflag;		/* the c_lflag left then */
	int tty_look;			/* pty data read: check termios */

	/* The running session (relay.c). */
	char tty[TTY_NAME_MAX];
	int urg_wait;			/* POLLPRI seen: not asked again
					 * before data is read */
	int logout;			/* DO LOGOUT: close after the output */
	unsigned int drops;		/* replies dropped: queue full */
	unsigned int limits_logged;	/* LIM_* already logged once */
	unsigned int notes[NOTE_MAX];	/* enum note_kind: how many */
	unsigned long long bytes_in, bytes_out;
	unsigned long long idle_moved;	/* bytes_in + bytes_out, last seen */
	/* What ps shows: the relay's argument area from title_relay() on
	 * (in this page, which an idle session keeps anyway). */
	char title[TITLE_MAX];

	/* Client input borrowed from the read buffer while the engine
	 * decodes it, written with one writev after that (relay.c). */
	int direct;			/* spans may be borrowed now */
	/* An EOF or a signal of the client's input in EXTPROC: the feed
	 * stops at it (telnet_yield) and relay_read_net() does it before
	 * the rest is fed, so no pty I/O happens inside the feed. */
	enum { IN_ACT_NONE, IN_ACT_EOF, IN_ACT_SIGNAL } in_act;
	int in_act_arg;			/* the signal */
	struct buffer held;		/* read behind a second linemode EOF,
					 * not yet fed (pages only once used) */
	int nspan;
	size_t span_len;		/* bytes in span[0..nspan) */

	/* The big members, last (see above). */
	struct netq out;		/* to the client */
	struct iovec span[PTY_SPANS];
	struct client_env env;
};

/* The scalars and the head of out with its first few spans in the first
 * page, as the comment above the struct says: checked at every build (for
 * 4 KiB pages), so that a big member put among the scalars fails here and
 * not only in the integration test that counts the pages.  Today's margin
 * is about 2 KiB. */
_Static_assert(offsetof(struct session, out) +
    offsetof(struct netq, seg) + 8 * sizeof(struct netq_seg) <= 4096,
    "struct session: the idle state no longer fits in its first page");

#endif /* TELNETD_SESSION_H */
