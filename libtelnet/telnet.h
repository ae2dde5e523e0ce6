/*
 * telnet.h - the TELNET protocol engine: bytes in, events and bytes out.
 *
 * The engine does no I/O, keeps no global state and never allocates per
 * byte.  The caller feeds the bytes it read from the network with
 * telnet_feed() and receives events through one callback; everything the
 * engine wants written to the network (replies to negotiation, encoded
 * data, subnegotiations) arrives as TELNET_EV_SEND events, in order.
 *
 * Pointers carried by an event are borrowed: they are valid only for the
 * duration of the callback.  The callback must not call telnet_feed() on
 * the same engine (it may call the telnet_send_* functions).
 *
 * One engine serves either end of a connection: option policy is declared
 * per option and per side, so the same code builds a client.
 */
#ifndef TELNET_H
#define TELNET_H

#include <stddef.h>
#include <stdint.h>

/* Commands, RFC 854 section "TELNET COMMAND STRUCTURE", RFC 885, RFC 1184. */
#define TELNET_IAC	255
#define TELNET_DONT	254
#define TELNET_DO	253
#define TELNET_WONT	252
#define TELNET_WILL	251
#define TELNET_SB	250
#define TELNET_GA	249
#define TELNET_EL	248
#define TELNET_EC	247
#define TELNET_AYT	246
#define TELNET_AO	245
#define TELNET_IP	244
#define TELNET_BRK	243
#define TELNET_DM	242
#define TELNET_NOP	241
#define TELNET_SE	240
#define TELNET_EOR	239
#define TELNET_ABORT	238
#define TELNET_SUSP	237
#define TELNET_EOF	236

/* Option codes (assigned numbers; RFC references in comments). */
#define TELOPT_BINARY	0	/* RFC 856 */
#define TELOPT_ECHO	1	/* RFC 857 */
#define TELOPT_SGA	3	/* RFC 858 */
#define TELOPT_STATUS	5	/* RFC 859 */
#define TELOPT_TM	6	/* RFC 860 */
#define TELOPT_LOGOUT	18	/* RFC 727 */
#define TELOPT_SNDLOC	23	/* RFC 779 */
#define TELOPT_TTYPE	24	/* RFC 1091 */
#define TELOPT_EOR	25	/* RFC 885 */
#define TELOPT_NAWS	31	/* RFC 1073 */
#define TELOPT_TSPEED	32	/* RFC 1079 */
#define TELOPT_LFLOW	33	/* RFC 1372 */
#define TELOPT_LINEMODE	34	/* RFC 1184 */
#define TELOPT_XDISPLOC	35	/* RFC 1096 */
#define TELOPT_OLD_ENVIRON 36	/* RFC 1408, RFC 1571 */
#define TELOPT_AUTHENTICATION 37 /* RFC 1416 (never accepted here) */
#define TELOPT_ENCRYPT	38	/* RFC 2946 (never accepted here) */
#define TELOPT_NEW_ENVIRON 39	/* RFC 1572 */
#define TELOPT_CHARSET	42	/* RFC 2066 */
#define TELOPT_COMPORT	44	/* RFC 2217 (never accepted here) */
#define TELOPT_STARTTLS	46	/* draft-altman-telnet-starttls */
#define TELOPT_EXOPL	255	/* RFC 861 */

/* Generic subnegotiation verbs: TTYPE, TSPEED, XDISPLOC, ENVIRON, STATUS. */
#define TELQUAL_IS	0
#define TELQUAL_SEND	1
#define TELQUAL_INFO	2

/* NEW-ENVIRON (RFC 1572 section 2) element types. */
#define TELENV_VAR	0
#define TELENV_VALUE	1
#define TELENV_ESC	2
#define TELENV_USERVAR	3

/* LINEMODE (RFC 1184) suboptions and bits. */
#define LM_MODE		1
#define LM_FORWARDMASK	2
#define LM_SLC		3
#define LM_MODE_EDIT	0x01
#define LM_MODE_TRAPSIG	0x02
#define LM_MODE_ACK	0x04
#define LM_MODE_SOFT_TAB 0x08
#define LM_MODE_LIT_ECHO 0x10
#define LM_MODE_MASK	0x1f

#define SLC_SYNCH	1
#define SLC_BRK		2
#define SLC_IP		3
#define SLC_AO		4
#define SLC_AYT		5
#define SLC_EOR		6
#define SLC_ABORT	7
#define SLC_EOF		8
#define SLC_SUSP	9
#define SLC_EC		10
#define SLC_EL		11
#define SLC_EW		12
#define SLC_RP		13
#define SLC_LNEXT	14
#define SLC_XON		15
#define SLC_XOFF	16
#define SLC_FORW1	17
#define SLC_FORW2	18
#define SLC_MCL		19
#define SLC_MCR		20
#define SLC_MCWL	21
#define SLC_MCWR	22
#define SLC_MCBOL	23
#define SLC_MCEOL	24
#define SLC_INSRT	25
#define SLC_OVER	26
#define SLC_ECR		27
#define SLC_EWR		28
#define SLC_EBOL	29
#define SLC_EEOL	30
#define SLC_MAXFUNC	30

#define SLC_NOSUPPORT	0
#define SLC_CANTCHANGE	1
#define SLC_VALUE	2
#define SLC_DEFAULT	3
#define SLC_LEVELBITS	0x03
#define SLC_FLUSHOUT	0x20
#define SLC_FLUSHIN	0x40
#define SLC_ACK		0x80

/* LFLOW (RFC 1372) commands. */
#define LFLOW_OFF		0
#define LFLOW_ON		1
#define LFLOW_RESTART_ANY	2
#define LFLOW_RESTART_XON	3

/* CHARSET (RFC 2066) commands. */
#define CHARSET_REQUEST		1
#define CHARSET_ACCEPTED	2
#define CHARSET_REJECTED	3
#define CHARSET_TTABLE_IS	4
#define CHARSET_TTABLE_REJECTED	5
#define CHARSET_TTABLE_ACK	6
#define CHARSET_TTABLE_NAK	7

/* START_TLS (draft-altman-telnet-starttls-02 section 2) sub-command. */
#define STARTTLS_FOLLOWS	1

/* Where a connection is in START_TLS (see telnet_starttls_reset). */
enum telnet_tls {
	TELNET_TLS_NONE = 0,	/* not agreed (yet) */
	TELNET_TLS_FOLLOWS_SENT,	/* agreed; our FOLLOWS is out, the
				   peer's awaited; nothing else is answered */
	TELNET_TLS_BEGIN,	/* both FOLLOWS: feeding stopped, the TLS
				   handshake must begin */
	TELNET_TLS_DONE,	/* reset inside TLS: never again */
};

/* Limits.  Every one is a hard bound on memory or work per engine. */
#define TELNET_SB_DEFAULT_MAX	4096	/* default subnegotiation limit */
#define TELNET_SB_MIN_MAX	64	/* smallest limit telnet_new accepts */
#define TELNET_SB_MAX_MAX	65536	/* largest limit telnet_new accepts */
#define TELNET_ENV_MAX_VARS	64	/* variables decoded from one SB */
#define TELNET_SLC_MAX		(SLC_MAXFUNC * 2) /* triplets kept from one SB */
#define TELNET_CHARSET_MAX	16	/* names kept from one REQUEST */

struct telnet;	/* opaque engine, one per connection */

/* The Q method states of RFC 1143 section 7, per option and side. */
enum telnet_q {
	TELNET_Q_NO = 0,
	TELNET_Q_YES,
	TELNET_Q_WANTNO,
	TELNET_Q_WANTYES,
};

/*
 * The two EOL events of NVT input (remote BINARY off).  RFC 854 pairs CR
 * with LF (a new line) or NUL (a carriage return alone), but clients send
 * a bare CR too, and RFC 1123 3.3.1 asks a server to take it as an end of
 * line.  So the CR is reported the moment it arrives, whatever follows
 * (waiting for its partner would hold a line back until the user typed
 * again): TELNET_EOL_CR.  Its partner, when it comes next (in this read or
 * a later one), is not data: an NUL is dropped, an LF is reported as
 * TELNET_EOL_LF, which a server ignores (the line has ended) and a client
 * shows as the move to the next line.
 */
enum telnet_eol {
	TELNET_EOL_CR = 0,
	TELNET_EOL_LF,
};

enum telnet_error {
	TELNET_ERR_SB_OVERFLOW = 1,	/* SB longer than the limit: dropped whole */
	TELNET_ERR_SB_MALFORMED,	/* wrong length, bad code, truncated */
	TELNET_ERR_SB_NOT_ENABLED,	/* SB for an option not in effect: dropped */
	TELNET_ERR_SB_UNTERMINATED,	/* IAC SB inside SB, or IAC x inside SB */
	TELNET_ERR_PROTOCOL,		/* a reply that breaks RFC 1143 (logged only) */
};

struct telnet_env_var {
	unsigned char type;	/* TELENV_VAR or TELENV_USERVAR, as decoded */
	int has_value;		/* 0 when no VALUE followed the name */
	const char *name;	/* NUL-terminated copy; may hold inner NULs */
	size_t name_len;
	const char *value;	/* NUL-terminated copy, "" when !has_value */
	size_t value_len;
};

struct telnet_slc {
	unsigned char func;	/* SLC_SYNCH .. */
	unsigned char flags;	/* level bits | SLC_ACK | SLC_FLUSHIN | SLC_FLUSHOUT */
	unsigned char value;	/* the character, 0xff meaning "none" (_POSIX_VDISABLE) */
};

struct telnet_str {
	const char *s;		/* NUL-terminated copy */
	size_t len;
};

enum telnet_event_type {
	TELNET_EV_DATA,		/* data received, after IAC and CR decoding */
	TELNET_EV_SEND,		/* bytes to write to the network, in order */
	TELNET_EV_EOL,		/* an NVT CR, or the LF of a CR LF (above) */
	TELNET_EV_COMMAND,	/* IAC NOP/DM/BRK/IP/AO/AYT/EC/EL/GA/EOR/ABORT/SUSP/EOF */
	TELNET_EV_NEGOTIATE,	/* a WILL/WONT/DO/DONT arrived (for tracing) */
	TELNET_EV_OPTION,	/* an option's state changed to YES or NO */
	TELNET_EV_TM,		/* a TIMING-MARK exchange (see below) */
	TELNET_EV_SB_RAW,	/* a subnegotiation without a typed decoder */
	TELNET_EV_TTYPE,
	TELNET_EV_NAWS,
	TELNET_EV_TSPEED,
	TELNET_EV_XDISPLOC,
	TELNET_EV_ENVIRON,	/* NEW-ENVIRON and old ENVIRON */
	TELNET_EV_LINEMODE,
	TELNET_EV_LFLOW,
	TELNET_EV_STATUS,
	TELNET_EV_CHARSET,
	TELNET_EV_SNDLOC,
	TELNET_EV_ERROR,	/* something was dropped; the engine goes on */
	TELNET_EV_STARTTLS,	/* both FOLLOWS seen: TLS begins after the
				   bytes consumed so far (see telnet_feed) */
};

/* What the bytes of a SEND event are: data from telnet_send() (which an
 * abort-output may drop), or the protocol's own bytes - commands,
 * negotiation, subnegotiations, and the NUL that completes a CR sent as
 * data just before them - which must reach the peer whole. */
enum telnet_send_kind {
	TELNET_SEND_PROTOCOL = 0,
	TELNET_SEND_DATA,
};

struct telnet_event {
	enum telnet_event_type type;
	union {
		/* DATA, SEND: urgent is set on the SEND that carries the
		 * IAC DM of a Synch; the caller sends its last byte (the DM)
		 * with MSG_OOB.  kind is SEND's only. */
		struct {
			const unsigned char *buf;
			size_t len;
			int urgent;
			enum telnet_send_kind kind;
		} data;
		struct { enum telnet_eol kind; } eol;
		struct { unsigned char cmd; } command;
		/* NEGOTIATE: verb is TELNET_WILL/WONT/DO/DONT as received. */
		struct { unsigned char verb, opt; } negotiate;
		/* OPTION: local is 1 for our side (WILL/WONT), 0 for the peer's
		 * (DO/DONT); enabled the new state; refused is 1 when a request
		 * of ours was turned down. */
		struct { unsigned char opt; int local, enabled, refused; } option;
		/* TM: as server, received DO TM and replied (local=1,
		 * enabled = whether WILL TM was sent); as client, the reply to
		 * our DO TM (local=0, enabled = WILL received). */
		struct { int local, enabled; } tm;
		struct {
			unsigned char opt;
			const unsigned char *buf;	/* the bytes after opt */
			size_t len;
		} sb;
		/* TTYPE, XDISPLOC, SNDLOC: cmd is TELQUAL_IS or _SEND (SNDLOC:
		 * always IS); text is the name, empty for SEND. */
		struct { unsigned char cmd; struct telnet_str text; } str;
		struct { uint16_t width, height; } naws;
		struct { unsigned char cmd; unsigned long tx, rx; } tspeed;
		/* ENVIRON: opt tells NEW-ENVIRON from old ENVIRON; for SEND,
		 * vars lists the names asked for (all values empty); for old
		 * ENVIRON the VAR/VALUE codes are already normalised by the
		 * RFC 1571 heuristics. */
		struct {
			unsigned char opt, cmd;
			const struct telnet_env_var *vars;
			size_t nvars;
		} env;
		/* LINEMODE: cmd is LM_MODE (mode), LM_SLC (slc, nslc), or
		 * TELNET_DO/DONT/WILL/WONT for FORWARDMASK (mask, masklen). */
		struct {
			unsigned char cmd, mode;
			const struct telnet_slc *slc;
			size_t nslc;
			const unsigned char *mask;
			size_t masklen;
		} lm;
		struct { unsigned char cmd; } lflow;
		/* STATUS: cmd SEND (nothing else) or IS (raw bytes after IS). */
		struct {
			unsigned char cmd;
			const unsigned char *buf;
			size_t len;
		} status;
		/* CHARSET: REQUEST lists names; ACCEPTED has one name;
		 * REJECTED none.  TTABLE-IS is answered TTABLE-REJECTED by
		 * the engine itself and reported with cmd only. */
		struct {
			unsigned char cmd;
			const struct telnet_str *names;
			size_t nnames;
		} charset;
		struct {
			enum telnet_error code;
			unsigned char opt;
			const char *msg;	/* static text */
		} error;
	} u;
};

typedef void (*telnet_event_cb)(struct telnet *t, const struct telnet_event *ev,
    void *ctx);

/* What this end lets each option be: local = we may enable it on our side
 * (we answer DO with WILL), remote = we let the peer enable it on its side
 * (we answer WILL with DO).  Options absent from the table are refused both
 * ways.  The table ends with an entry whose opt is -1. */
struct telnet_policy {
	int opt;
	unsigned char local, remote;
};

struct telnet_config {
	const struct telnet_policy *policy;
	size_t sb_max;		/* 0 = TELNET_SB_DEFAULT_MAX */
	int is_client;		/* 1: decode subnegotiations as a client would */
	/* The engine's memory, one block per engine: ALLOC returns SIZE
	 * zeroed bytes or NULL, RELEASE takes the same pointer and size.
	 * NULL for both: calloc and free. */
	void *(*alloc)(size_t size);
	void (*release)(void *p, size_t size);
};

/* Returns NULL on allocation failure or a bad config. */
struct telnet *telnet_new(const struct telnet_config *cfg, telnet_event_cb cb,
    void *ctx);
void telnet_free(struct telnet *t);
/* Replace the policy (options already on stay on: ask for them off with
 * the request functions).  A server that offers START_TLS before anything
 * else gives a table of START_TLS alone first and its whole table once TLS
 * is up or refused; START_TLS stays refused once it has begun. */
void telnet_set_policy(struct telnet *t, const struct telnet_policy *policy);
/* The subnegotiation buffer and its decode scratch (most of the engine's
 * memory) are needed only while a subnegotiation is collected and decoded.
 * When none is in progress, call DISCARD(p, size) over them, for example
 * to give their pages back while a session is idle; their contents may
 * read as anything afterwards.  Returns 1 when DISCARD was called, 0 when
 * a subnegotiation is in progress.  Not from inside an event callback. */
int telnet_trim(struct telnet *t, void (*discard)(void *p, size_t size));

/* Feed bytes received from the network.  Returns how many were consumed:
 * all of them, except after telnet_yield() (below), or when the peer's
 * IAC SB START_TLS FOLLOWS IAC SE ends inside buf (TELNET_EV_STARTTLS):
 * then feeding stops right after its SE, and the bytes after it (the
 * start of the TLS handshake) are the caller's.  Until
 * telnet_starttls_reset, nothing more is consumed. */
size_t telnet_feed(struct telnet *t, const unsigned char *buf, size_t len);
/* From the event callback inside telnet_feed: return to the caller right
 * after this event, so that it can act (write, signal) between one event
 * and the next, outside the feed; it feeds the rest of its buffer after.
 * `unconsumed` is for a DATA event: its last bytes the callback did not
 * take (fewer than its len), which the next feed starts with and reports
 * again.  0 for any other event. */
void telnet_yield(struct telnet *t, size_t unconsumed);

/* Synch (RFC 854 "The Synch signal"): the caller saw TCP urgent data.
 * Data is discarded, commands still act, until the next IAC DM. */
void telnet_synch_begin(struct telnet *t);
int telnet_in_synch(const struct telnet *t);

/* Send data: IAC is doubled; while our BINARY is off a bare CR goes out as
 * CR NUL (RFC 854).  Plain spans are handed out without copying. */
void telnet_send(struct telnet *t, const unsigned char *buf, size_t len);
/* The same encoding written to DST (at least 2 * len + 1 bytes) instead of
 * SEND events; returns the number of bytes written. */
size_t telnet_send_into(struct telnet *t, unsigned char *dst,
    const unsigned char *buf, size_t len);
/* The same encoding done where the data is: buf holds len bytes of data
 * and room for 2 * len + 1; returns the encoded length.  Nothing moves
 * when nothing needs escaping. */
size_t telnet_send_inplace(struct telnet *t, unsigned char *buf,
    size_t len);
/* Send "IAC cmd".  TELNET_DM goes out as a SEND event with urgent=1. */
void telnet_send_command(struct telnet *t, unsigned char cmd);

/* RFC 1143 requests: ask for our side (WILL/WONT) or the peer's (DO/DONT).
 * Return 0 when a request went out or was queued, -1 when it was not
 * needed or not allowed by the policy. */
int telnet_request_local(struct telnet *t, unsigned char opt, int enable);
int telnet_request_remote(struct telnet *t, unsigned char opt, int enable);
/* Ask the peer about an option that must not come on (a probe): DO opt
 * (local 0) or WILL opt (local 1) with the opposite queued, so that an
 * acceptance is answered DONT (WONT) and the option never becomes YES;
 * the answer arrives as a NEGOTIATE event only.  Any option but
 * TIMING-MARK, whatever the policy says; -1 (nothing sent) unless the
 * option is NO on that side. */
int telnet_probe(struct telnet *t, unsigned char opt, int local);
/*
 * START_TLS (draft-altman-telnet-starttls-02), on either side, driven by
 * the policy: a server offers it with telnet_request_remote(t,
 * TELOPT_STARTTLS, 1) ({ TELOPT_STARTTLS, 0, 1 } in its policy; a client
 * has { TELOPT_STARTTLS, 1, 0 }).  Once the option is agreed the engine
 * sends IAC SB START_TLS FOLLOWS IAC SE itself and from then on answers
 * no negotiation and makes no request (section 3: "MUST NOT respond to
 * nor initiate any additional telnet commands").  The peer's FOLLOWS
 * gives TELNET_EV_STARTTLS and stops telnet_feed after its IAC SE.  When
 * the TLS handshake is done, telnet_starttls_reset forgets every option
 * (section 3.1, 6: all options back to WONT/DONT, subnegotiation data
 * forgotten) and removes START_TLS from the policy: negotiation starts
 * again as on a new connection, and START_TLS is refused from then on.
 */
enum telnet_tls telnet_starttls_state(const struct telnet *t);
void telnet_starttls_reset(struct telnet *t);

/* Ask the peer for a TIMING-MARK (client-side use, and kludge detection). */
void telnet_send_do_tm(struct telnet *t);

enum telnet_q telnet_local_state(const struct telnet *t, unsigned char opt);
enum telnet_q telnet_remote_state(const struct telnet *t, unsigned char opt);
int telnet_local_enabled(const struct telnet *t, unsigned char opt);
int telnet_remote_enabled(const struct telnet *t, unsigned char opt);

/* Subnegotiation encoders.  Each builds one IAC SB ... IAC SE with IAC
 * doubled in the payload and emits it as a single SEND event. */
void telnet_send_sb(struct telnet *t, unsigned char opt,
    const unsigned char *payload, size_t len);
void telnet_send_ttype_send(struct telnet *t);
void telnet_send_ttype_is(struct telnet *t, const char *name);
void telnet_send_naws(struct telnet *t, uint16_t width, uint16_t height);
void telnet_send_tspeed_send(struct telnet *t);
void telnet_send_tspeed_is(struct telnet *t, unsigned long tx, unsigned long rx);
void telnet_send_xdisploc_send(struct telnet *t);
void telnet_send_xdisploc_is(struct telnet *t, const char *display);
/* ENVIRON (opt = TELOPT_NEW_ENVIRON or TELOPT_OLD_ENVIRON): cmd SEND with
 * vars naming what to ask for (nvars 0 asks for everything), or IS/INFO
 * with names and values.  VAR, VALUE, ESC and USERVAR bytes inside names
 * and values are escaped with ESC (RFC 1572 section 2). */
void telnet_send_env(struct telnet *t, unsigned char opt, unsigned char cmd,
    const struct telnet_env_var *vars, size_t nvars);
void telnet_send_linemode_mode(struct telnet *t, unsigned char mode);
void telnet_send_linemode_slc(struct telnet *t, const struct telnet_slc *slc,
    size_t n);
void telnet_send_linemode_forwardmask(struct telnet *t, unsigned char verb,
    const unsigned char *mask, size_t len);
void telnet_send_lflow(struct telnet *t, unsigned char cmd);
void telnet_send_status_send(struct telnet *t);
/* SB STATUS IS listing every option in effect on both sides (RFC 859). */
void telnet_send_status_is(struct telnet *t);
/* CHARSET REQUEST with ';' as separator; names must not contain ';'. */
void telnet_send_charset_request(struct telnet *t, const char *const *names,
    size_t n);
void telnet_send_charset_accepted(struct telnet *t, const char *name);
void telnet_send_charset_rejected(struct telnet *t);
void telnet_send_sndloc(struct telnet *t, const char *location);

/* Names for tracing: "WILL", "TTYPE", "IP"...; never NULL: "?" for a
 * byte that is not a command, "unknown" for an unnamed option. */
const char *telnet_cmd_name(unsigned char cmd);
const char *telnet_opt_name(unsigned char opt);

#endif /* TELNET_H */
