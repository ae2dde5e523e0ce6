/*
 * probe.h - the client report's probes and fingerprints:
 *
 *   probe.c        the option probe: after the opening, every option the
 *                  client has not spoken about is asked in one burst
 *                  (DO and WILL), each taken back at once when accepted
 *                  (telnet_probe: RFC 1143, never on); the phase of the
 *                  relay's state machine that runs it and the terminal
 *                  probe (S_PROBING)
 *   termprobe.c    the terminal probe: in-band queries, one at a time,
 *                  and the parsing of the answers (pure functions)
 *   fingerprint.c  the canonical texts of protocol and terminal
 *                  behaviour, their hashes, and the database of the
 *                  clients and terminals we know (fpdb.c)
 */
#ifndef TELNETD_PROBE_H
#define TELNETD_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* --report modes (struct config's report). */
#define REPORT_OFF	0
#define REPORT_SHOW	1	/* no login: probe, show the report, close */
#define REPORT_LOGIN	2	/* probe the options, record, then login */

/* Bounds of the probes, in ms.  The option probe ends as soon as the
 * client answers the TIMING-MARK sent after the burst (clients answer in
 * order, so everything before it is in); the terminal probe stops at the
 * first query not answered in time. */
#define PROBE_OPTIONS_MS	500	/* the option burst, at most */
#define TP_FIRST_MS		400	/* the first query: is anyone there */
#define TP_STEP_MS		250	/* each later query */
#define TP_TOTAL_MS		1500	/* the whole terminal probe */

/* ---- termprobe.c -------------------------------------------------------- */

/* The queries, in the order they are sent. */
enum tp_step {
	TP_ENQ = 0,	/* ENQ: answerback; a CPR: someone is there */
	TP_DA1,		/* CSI c */
	TP_DA2,		/* CSI > c */
	TP_XTVERSION,	/* CSI > 0 q */
	TP_SIZE,	/* CPR after CSI 9999;9999 H: the real screen */
	TP_WIDTH,	/* CPR around a wide and a combining character */
	TP_C1,		/* CSI 6 n as the 8-bit C1 byte 0x9b */
	TP_NSTEPS,
};

#define TP_INPUT_MAX	512	/* answer bytes kept for one query */
#define TP_STR_MAX	64	/* an answer string kept (DA, XTVERSION) */
#define TP_MEANING_MAX	256	/* what a DA answer says: a class and the
				 * names of every extension fit */
#define TP_REPLIES_MAX	16	/* replies parsed from one query's input */

/* One reply found in the terminal's answer bytes. */
enum tp_kind {
	TPR_TEXT,	/* bytes outside any sequence (an answerback) */
	TPR_CPR,	/* CSI row ; col R */
	TPR_DA1,	/* CSI ? params c */
	TPR_DA2,	/* CSI > params c */
	TPR_XTVERSION,	/* DCS > | text ST */
	TPR_OTHER,	/* another complete CSI, DCS or ESC sequence */
};
struct tp_reply {
	enum tp_kind kind;
	size_t off, len;	/* its text or parameters in the input */
	unsigned int row, col;	/* TPR_CPR */
};
/* Split p[0..n) into replies (at most max): how many; *used is the
 * length of the complete ones (an incomplete sequence at the end waits
 * for more bytes). */
size_t tp_scan(const unsigned char *p, size_t n, struct tp_reply *r,
    size_t max, size_t *used);

/* What the terminal answered.  Strings are printable ASCII (anything
 * else became '?'), "" when not answered. */
struct tp_result {
	int ran;			/* the probe was run */
	int answered;			/* at least one reply */
	enum tp_step stopped;		/* no answer here; TP_NSTEPS: none */
	int cut;			/* an answer over TP_INPUT_MAX */
	char answerback[TP_STR_MAX + 1];
	char da1[TP_STR_MAX + 1];	/* "62;1;2;6" (after the ?) */
	char da2[TP_STR_MAX + 1];	/* "84;0;0" (after the >) */
	char xtversion[TP_STR_MAX + 1];	/* "tmux 3.3a" */
	unsigned int rows, cols;	/* the screen, 0 unknown */
	int wide, combining;		/* columns taken, -1 unknown */
	int c1;				/* -1 unknown, 0 no, 1 yes */
	int32_t ms;			/* the whole probe */
	int32_t step_ms[TP_NSTEPS];	/* each query's answer, -1 none */
};

struct termprobe {
	enum tp_step step;		/* the query out; TP_NSTEPS: done */
	int64_t t_begin, t_step;	/* ms */
	int64_t deadline;		/* this query's */
	unsigned int row0, col0;	/* the cursor before the width test */
	size_t len;
	unsigned char in[TP_INPUT_MAX];
	struct tp_result res;
};

/* Bytes to send to the client, static. */
struct tp_out {
	const unsigned char *p;
	size_t n;
};
void tp_begin(struct termprobe *tp, int64_t now, struct tp_out *out);
/* Answer bytes from the client (bounded: more than TP_INPUT_MAX for one
 * query are dropped and the result marked cut). */
void tp_input(struct termprobe *tp, const unsigned char *p, size_t n);
/* Go on: 1 when the probe is over (out: the clean-up), else 0 (out: the
 * next query, or nothing while one waits; tp->deadline its bound). */
int tp_advance(struct termprobe *tp, int64_t now, struct tp_out *out);
/* No answer can come any more: stop at the current query. */
void tp_stop(struct termprobe *tp, int64_t now);
const char *tp_step_name(enum tp_step st);
/* Short meanings of the answers, for the report. */
void tp_da1_meaning(const char *params, char *buf, size_t size);
void tp_da2_meaning(const char *params, char *buf, size_t size);

/* ---- probe.c ------------------------------------------------------------ */

/* What the client said first about each option and side. */
#define FIRST_NONE	0
#define FIRST_AGREED	1	/* yes to our request */
#define FIRST_REFUSED	2	/* no to our request */
#define FIRST_OFFERED	3	/* WILL/DO before we asked */
#define FIRST_DECLINED	4	/* WONT/DONT before we asked */

/* How an option was asked (asked[][]). */
#define ASK_NONE	0
#define ASK_PROBE	1	/* in the burst, taken back when accepted */
#define ASK_REAL	2	/* in the burst, a real request (--report) */

enum probe_plan {
	PLAN_NONE = 0,		/* not run (yet) */
	PLAN_FULL,		/* options 0-49 and 138-140, both sides */
	PLAN_MUD,		/* and the MUD options (a MUD client) */
	PLAN_REDUCED,		/* DO of the core options only (MS telnet) */
	PLAN_SKIPPED,		/* the client answered nothing */
};

enum probe_step {
	PROBE_IDLE = 0,
	PROBE_OPTIONS,		/* the burst is out */
	PROBE_TERMINAL,		/* the terminal queries */
	PROBE_DONE,
};

#define PROBE_OFFERS_MAX	32	/* client-initiated offers kept */

/* The probes' state and findings: allocated only with --report. */
struct probe {
	enum probe_step step;
	enum probe_plan plan;
	int64_t t_burst, t_end;		/* ms */
	unsigned int sent;		/* requests in the burst */
	unsigned int tm_sent, tm_answers;	/* DO TM out, answers in */
	int pinged;			/* the opening's DO TM sent */
	int tm_answer;			/* the burst's TM: 0 none, 1 WILL,
					 * 2 WONT */
	unsigned char first[256][2];	/* FIRST_*, [opt][local] */
	unsigned char asked[256][2];	/* ASK_* */
	int32_t ms[256][2];		/* when first came: after the
					 * opening, or after the burst */
	size_t noffers;			/* before the burst, in order */
	unsigned char offers[PROBE_OFFERS_MAX][2];	/* verb, opt */
	int ttype_end;			/* TTYPE_END_* */
	char fp_protocol[17], fp_terminal[17];	/* hex, "" none */
	enum probe_step left;		/* the probe the client stopped
					 * sending in; PROBE_IDLE: none */
	const char *tp_skipped;		/* why the terminal was not asked:
					 * "" not with --report=login, NULL
					 * when it was asked */
	struct termprobe tp;
};

/* How the TTYPE cycle ended (options.c tells). */
#define TTYPE_END_NONE		0	/* no name came */
#define TTYPE_END_REPEAT	1	/* the last name again */
#define TTYPE_END_WRAP		2	/* the first name again */
#define TTYPE_END_CAP		3	/* --max-ttypes names */
#define TTYPE_END_BAD		4	/* a name we refuse */

struct session;
struct telnet_event;
/* Allocate the probe's state (--report), at the opening. */
void probe_init(struct session *s);
/* A WILL/WONT/DO/DONT from the client, before the engine acts on it;
 * and a TIMING-MARK answer. */
void probe_negotiate(struct session *s, unsigned char verb,
    unsigned char opt);
void probe_tm(struct session *s, int enabled);
/* Send DO TIMING-MARK, counted (the burst waits for every answer). */
void probe_do_tm(struct session *s);
/* 1 when the probe may begin: every answer to the opening is in (always
 * 1 without --report); may send a DO TIMING-MARK to learn it. */
int probe_settled(struct session *s);
/* The opening is over: 1 when the probe starts (S_PROBING), 0 when
 * there is nothing to probe. */
int probe_begin(struct session *s, int64_t now);
/* The client stopped sending or is gone: the probes end now.  1 when
 * one was running. */
int probe_client_gone(struct session *s, int64_t now);
/* S_PROBING: 1 when the probes are over (START then). */
int probe_step(struct session *s, int64_t now);
/* Client data or an end of line in S_PROBING: 1 when the probe took it
 * (the terminal's answers), 0 when it goes on as input. */
int probe_input(struct session *s, const unsigned char *p, size_t n);
/* A subnegotiation event for an option the probe took back (it came
 * before the client saw our DONT/WONT): 1 when it must only be recorded,
 * never acted on. */
int probe_muted(const struct session *s, const struct telnet_event *ev);

/* ---- fingerprint.c ------------------------------------------------------ */

#define FP_TEXT_MAX	4096	/* a canonical text */
#define FP_PROTOCOL	0
#define FP_TERMINAL	1
/* Arrays, not pointers: the table stays in read-only pages instead of
 * the relocated ones every process of a static-pie daemon dirties at
 * start (.data.rel.ro). */
struct fp_entry {
	int kind;		/* FP_PROTOCOL, FP_TERMINAL */
	char hash[17];		/* 16 lower-case hex digits */
	char name[40];
};
extern const struct fp_entry fp_db[];	/* fpdb.c, ends with an empty hash */

/* The canonical texts the hashes are taken over (length, cut at size). */
size_t fp_protocol_text(const struct session *s, char *buf, size_t size);
size_t fp_terminal_text(const struct tp_result *r, char *buf, size_t size);
/* The first 8 bytes of SHA-256 of text, as 16 hex digits and a NUL. */
void fp_hash(const char *text, size_t len, char out[17]);
/* The database's name for a hash, NULL when unknown. */
const char *fp_name(int kind, const char *hash);
/* Both hashes into s->probe (after the probes). */
void fp_compute(struct session *s);
/* What the protocol text is made of, which the probe uses too: a plan's
 * name, and 1 when a terminal type is a MUD client's own name. */
const char *probe_plan_name(enum probe_plan plan);
int probe_mud_term(const char *term);
/* 1 when s is 16 lower-case hex digits. */
int fp_hash_ok(const char *s, size_t len);

#endif /* TELNETD_PROBE_H */
