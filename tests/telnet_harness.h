/*
 * telnet_harness.h - the table runner shared by the engine tests
 * (test_telnet.c, test_telnet_sb.c), in telnet_harness.c, and the trace
 * format of engine events, in telnet_trace.c (tclient's --trace too).
 *
 * A case is a policy, a list of steps (feed bytes, make requests, send
 * data, call encoders, print option states) and what must come out: the
 * event trace as compact text lines, the SEND bytes as one byte string,
 * the offsets of the urgent bytes and the byte ranges that came as data
 * (TELNET_SEND_DATA) rather than protocol.  Every case runs twice: with
 * the steps as written, and with every feed and every telnet_send cut
 * into single bytes; both runs must give the expected result.  Each row of
 * a table is one cmocka test, in a group named after the table.
 *
 * Trace lines (see fmt_event):
 *   DATA "ab\r\xff"          adjacent DATA events merged
 *   EOL CR | LF              a CR at once; the LF of a CR LF
 *   CMD AYT
 *   RECV WILL TTYPE          a NEGOTIATE event
 *   OPT local ECHO on        OPTION, "refused" appended when refused
 *   TM local on
 *   SB 99 "raw"              SB_RAW
 *   TTYPE IS "xterm"   TTYPE SEND   XDISPLOC IS "h:0"   SNDLOC "here"
 *   NAWS 80x24   TSPEED IS 38400,9600
 *   ENV IS VAR "USER"="bob" USERVAR "X"(novalue)     (OLDENV for ENVIRON)
 *   LM MODE 0x03   LM SLC 3:0x62:0x03 ...   LM FORWARDMASK DO 00ff
 *   LFLOW 1   STATUS SEND   STATUS IS fb05fd18
 *   CHARSET REQUEST "UTF-8" "ISO-8859-1"   CHARSET TTABLE-IS
 *   ERROR SB_OVERFLOW NAWS
 *   STARTTLS                 both FOLLOWS seen (test_telnet_starttls.c)
 * and lines the runner itself adds:
 *   REQ local ECHO on = 0    the return value of telnet_request_*
 *   PROBE remote NAWS = 0    the return value of telnet_probe
 *   STATE ECHO local YES remote NO
 *   SYNCH 1                  telnet_in_synch()
 */
#ifndef TELNET_HARNESS_H
#define TELNET_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "telnet.h"
#include "telnet_trace.h"

/* Byte-string pieces to build inputs by concatenation of literals. */
#define XIAC	"\xff"
#define XDONT	"\xfe"
#define XDO	"\xfd"
#define XWONT	"\xfc"
#define XWILL	"\xfb"
#define XSB	"\xfa"
#define XGA	"\xf9"
#define XEL	"\xf8"
#define XEC	"\xf7"
#define XAYT	"\xf6"
#define XAO	"\xf5"
#define XIP	"\xf4"
#define XBRK	"\xf3"
#define XDM	"\xf2"
#define XNOP	"\xf1"
#define XSE	"\xf0"
#define XEOR	"\xef"
#define XABORT	"\xee"
#define XSUSP	"\xed"
#define XEOF	"\xec"

#define O_BINARY	"\x00"
#define O_ECHO		"\x01"
#define O_SGA		"\x03"
#define O_STATUS	"\x05"
#define O_TM		"\x06"
#define O_LOGOUT	"\x12"
#define O_SNDLOC	"\x17"
#define O_TTYPE		"\x18"
#define O_EOR		"\x19"
#define O_NAWS		"\x1f"
#define O_TSPEED	"\x20"
#define O_LFLOW		"\x21"
#define O_LINEMODE	"\x22"
#define O_XDISPLOC	"\x23"
#define O_OLDENV	"\x24"
#define O_AUTH		"\x25"
#define O_ENCRYPT	"\x26"
#define O_NEWENV	"\x27"
#define O_CHARSET	"\x2a"
#define O_COMPORT	"\x2c"
#define O_X99		"\x63"	/* an option without a decoder (99) */

#define SBEG(o)	XIAC XSB o
#define SEND_	XIAC XSE

struct bytes {
	const char *p;
	size_t n;
};
#define B(s)	{ (s), sizeof(s) - 1 }

enum step_op {
	OP_END = 0,
	OP_FEED,	/* feed b (split per mode) */
	OP_GEN,		/* feed what gen() builds (split per mode) */
	OP_MARK,	/* forget everything recorded so far: setup is over */
	OP_REQ_LOCAL,	/* telnet_request_local(opt, arg), traced with result */
	OP_REQ_REMOTE,
	OP_SEND,	/* telnet_send(b) (split per mode) */
	OP_CMD,		/* telnet_send_command(arg) */
	OP_SYNCH,	/* telnet_synch_begin() */
	OP_INSYNCH,	/* trace "SYNCH <telnet_in_synch()>" */
	OP_DO_TM,	/* telnet_send_do_tm() */
	OP_STATE,	/* trace the Q states of opt */
	OP_CALL,	/* fn(t): encoders and the like */
	OP_PROBE,	/* telnet_probe(opt, arg = local), traced with result */
};

struct step {
	enum step_op op;
	struct bytes b;
	int opt;
	int arg;
	void (*fn)(struct telnet *);
	size_t (*gen)(unsigned char *buf, size_t cap);
};

#define FEED(s)		{ .op = OP_FEED, .b = B(s) }
#define GEN(g)		{ .op = OP_GEN, .gen = (g) }
#define MARK		{ .op = OP_MARK }
#define RL(o, e)	{ .op = OP_REQ_LOCAL, .opt = (o), .arg = (e) }
#define RR(o, e)	{ .op = OP_REQ_REMOTE, .opt = (o), .arg = (e) }
#define SEND(s)		{ .op = OP_SEND, .b = B(s) }
#define CMD(c)		{ .op = OP_CMD, .arg = (c) }
#define SYNCH		{ .op = OP_SYNCH }
#define INSYNCH		{ .op = OP_INSYNCH }
#define DOTM		{ .op = OP_DO_TM }
#define STATE(o)	{ .op = OP_STATE, .opt = (o) }
#define CALL(f)		{ .op = OP_CALL, .fn = (f) }
#define PROBE(o, l)	{ .op = OP_PROBE, .opt = (o), .arg = (l) }

#define MAX_STEPS	16
#define MAX_LINES	48

struct tcase {
	const char *name;
	const struct telnet_policy *policy;	/* NULL: pol_server */
	int client;
	size_t sb_max;
	struct step steps[MAX_STEPS];
	const char *trace[MAX_LINES];		/* NULL-terminated */
	struct bytes send;
	const char *urgent;			/* "3,17" or NULL for none */
	const char *data;			/* "0-4,7": data bytes, or NULL */
};

/* ------------------------------------------------------------------ */
/* Policies (telnet_harness.c)                                          */

/* What telnetd allows (its own table, negotiate_policy), plus option 99
 * both ways for raw subnegotiations. */
const struct telnet_policy *harness_pol_server(void);
#define pol_server	(harness_pol_server())
extern const struct telnet_policy pol_client[];	/* the mirror image */
extern const struct telnet_policy pol_notm[];	/* refuses TIMING-MARK */
extern const struct telnet_policy pol_none[];	/* nothing allowed */

/* ------------------------------------------------------------------ */
/* The recorder and the runner (telnet_harness.c)                       */

struct rec {
	struct sbuf trace;	/* lines, each ending in '\n' */
	struct sbuf data;	/* DATA not yet written as a line */
	struct sbuf send;	/* every SEND byte, in order */
	struct sbuf kinds;	/* per SEND byte: 'd' data, 'p' protocol */
	struct sbuf urgent;	/* "3,17": offsets of urgent last bytes */
	size_t nsend;		/* SEND events */
	int in_cb;
};
/* The engine callback that records into a struct rec (ctx). */
void rec_cb(struct telnet *t, const struct telnet_event *ev, void *ctx);
void rec_flush(struct rec *r);
void rec_reset(struct rec *r);
void rec_free(struct rec *r);

/* Feed (or send) from an exact-size heap copy, so an overread is an ASan
 * error; the _mode forms cut it into single bytes when bytewise. */
/* An engine for a case's policy, side and limit, recording into r. */
struct telnet *new_engine(const struct tcase *c, struct rec *r);
void feed_exact(struct telnet *t, const unsigned char *p, size_t n);
void feed_mode(struct telnet *t, const unsigned char *p, size_t n,
    int bytewise);

/* Run one case both ways: 0 when everything matched, else 1 with what
 * differed appended to report. */
int run_case(const struct tcase *c, struct sbuf *report);
/* Run a table as a cmocka group of one test per row; returns the number
 * of rows that failed. */
int run_table(const char *group, const struct tcase *tab, size_t n);
#define RUN_TABLE(tab)	run_table(#tab, (tab), sizeof(tab) / sizeof((tab)[0]))

/* Feed each chunk in turn into a fresh engine; capture trace and SEND. */
struct capture {
	struct sbuf trace, send;
};
void capture_run(const struct telnet_config *cfg,
    const unsigned char *const *chunks, const size_t *lens, size_t nchunks,
    struct capture *out);
void capture_free(struct capture *c);

#endif /* TELNET_HARNESS_H */
