/*
 * telnetd.h - the daemon's private header: the configuration, the session,
 * and the prototypes of every file, under one heading per file.
 *
 * Process model, per connection:
 *
 *	monitor (root)	 session_run(): allocates the pty, starts the
 *	  |		 program, writes utmp/wtmp, answers one START request
 *	  |		 from the relay and nothing else.
 *	  +- relay (--privsep-user, no_new_privs)
 *	  |		 reads and parses every network byte: negotiation,
 *	  |		 the poll loop, the pty <-> network data path.
 *	  +- program (login, or the -E command) on a fresh pty.
 */
#ifndef TELNETD_H
#define TELNETD_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>
#include <time.h>
#include <utmpx.h>

#include "linemode.h"
#include "login.h"
#include "probe.h"
#include "proxy.h"
#include "telnet.h"
#include "tls.h"

/* Limits and timing.  Each is a named bound on memory or waiting. */
#define NEG_TIMEOUT_MS		800	/* silent client: start anyway */
#define NEG_TIMEOUT_MAX_MS	60000	/* --negotiation-timeout at most */
#define NETOUT_MIN		((size_t)16 * 1024)	/* --output-buffer at least */
#define PTYOUT_MIN		1024		/* --input-buffer at least */
#define BUF_SIZE_MAX		((size_t)16 * 1024 * 1024)	/* either, at most */
#define MAX_SESSIONS		512	/* --max-sessions (--listen) */
#define MAX_PER_HOST		64	/* --max-per-host (--listen) */
#define MAX_LISTEN		16	/* --listen options */
#define NETOUT_SIZE		((size_t)128 * 1024)	/* bytes queued to the client */
#define NETOUT_SEGS		512	/* data/command spans in that queue */
#define NETOUT_RESERVE		((size_t)8 * 1024)	/* room kept for replies */
/* A read of client input leaves half the reserve for the replies it may
 * cause; the pty is read only while the queue has room for the reserve
 * and a read of at least 512 bytes. */
#define NETOUT_REPLY_ROOM	(NETOUT_RESERVE / 2)
#define NETOUT_PTY_ROOM		(NETOUT_RESERVE + 1024)
#define PTYOUT_SIZE		((size_t)32 * 1024)	/* bytes queued to the program */
#define IO_CHUNK		((size_t)32 * 1024)	/* one read from either side */
#define IDLE_TRIM_MS		100	/* quiet this long: buffers' pages back */
#define PTY_READS		16	/* pty reads per write to the client */
#define PTY_SPANS		256	/* client input spans per write to the pty */
#define DRAIN_IDLE_MS		200	/* pty quiet after the program ended */
#define FLUSH_TIMEOUT_MS	30000	/* client not reading at the end */
#define LINGER_MS		2000	/* reading the client's last bytes */
#define IDLE_TIMEOUT_MAX	2592000UL	/* --idle-timeout at most: 30 days */
#define HANGUP_GRACE_MS		3000	/* SIGHUP, then SIGKILL */
#define LOG_STR_MAX		80	/* foreign strings in log lines */
#define DISPLAY_MAX		ENV_MAX_VALUE
#define HOST_MAX		256
#define TTY_NAME_MAX		32
#define TTYPE_MAX		8	/* names kept from TTYPE cycling */
#define TERM_FALLBACK		"dumb"	/* TERM when the client names none */
#define TITLE_MAX		(HOST_MAX + 40)	/* what ps shows, one process */
#define LOCATION_MAX		128	/* SNDLOC text kept */
#define CHARSET_NAME_MAX	40	/* the CHARSET name accepted */
#define EOF_HOLD_MS		20	/* linemode EOF: input held this long */
#define WINSIZE_MAX		10000	/* columns or rows the monitor takes */
#define TSPEED_MAX		4000000	/* bit/s: the fastest termios speed */
#define REPORT_MAX		16384	/* one JSON report line */

/* -D modes. */
#define DBG_OPTIONS	0x01
#define DBG_REPORT	0x02
#define DBG_NETDATA	0x04
#define DBG_PTYDATA	0x08

struct listen_spec {
	char addr[64];		/* "" = every address, IPv4 and IPv6 */
	char port[16];
	int tls;		/* ",tls=MODE": enum tls_mode, or
				   TLS_MODE_DEFAULT for --tls's */
};

/* Everything the command line decides, built once by cmdline.c. */
struct config {
	int standalone;			/* --listen or LISTEN_FDS */
	size_t nlisten;
	struct listen_spec listen[MAX_LISTEN];
	struct login_template login;	/* -E, or the default login */
	struct env_policy envpol;	/* built-ins plus --accept-env */
	int pam;			/* --pam */
	const char *pam_service;
	char pam_helper[512];		/* pam-login's path, with --pam */
	unsigned int login_timeout;	/* seconds, 0 = none */
	unsigned int idle_timeout;	/* --idle-timeout, seconds, 0 = none */
	const char *privsep_user;
	uid_t ps_uid;
	gid_t ps_gid;
	const char *issue_file;		/* NULL: no banner */
	int no_hostinfo;		/* -h */
	int keepalive;			/* not -n */
	int reverse_lookup;		/* -U */
	int linemode;			/* -l */
	int nokludge;			/* -l nokludge */
	int report;			/* --report[=MODE]: REPORT_* */
	const char *report_log;		/* --report-log=FILE, NULL: syslog */
	const char *report_dir;		/* --report-dir=DIR, NULL: none */
	unsigned int debug;		/* DBG_* */
	int neg_timeout_ms;		/* --negotiation-timeout */
	size_t sb_max;			/* --sb-max: the engine's limit */
	size_t netout_size;		/* --output-buffer */
	size_t ptyout_size;		/* --input-buffer */
	unsigned int max_sessions;	/* --max-sessions, 0 = no limit */
	unsigned int max_per_host;	/* --max-per-host, 0 = no limit */
	size_t max_ttypes;		/* --max-ttypes, 0 = TTYPE_MAX */
	struct tls_config tls;		/* --tls, --tls-cert, --tls-key */
	/* PROXY protocol (proxy.c, peer.c): connections from these
	 * sources start with a header naming the real client. */
	size_t nproxy;			/* --proxy-from options */
	struct proxy_prefix proxy_from[PROXY_FROM_MAX];
	int proxy_timeout_ms;		/* --proxy-timeout */
};

/* buffer.c: a bounded byte buffer (append / consume / space). */
struct buffer {
	unsigned char *data;
	size_t size;		/* capacity, fixed */
	size_t off;		/* first unconsumed byte */
	size_t len;		/* unconsumed bytes */
	int used;		/* written since the last buf_trim */
};
int buf_init(struct buffer *b, size_t size);
void buf_free(struct buffer *b);
size_t buf_len(const struct buffer *b);
size_t buf_space(const struct buffer *b);
const unsigned char *buf_ptr(const struct buffer *b);
/* Append all of p or nothing: -1 when it does not fit. */
int buf_append(struct buffer *b, const void *p, size_t n);
/* Room for n bytes at the end (compacting if needed); NULL when full.
 * Commit what was written with buf_commit. */
unsigned char *buf_reserve(struct buffer *b, size_t n);
void buf_commit(struct buffer *b, size_t n);
void buf_consume(struct buffer *b, size_t n);
void buf_reset(struct buffer *b);
/* When the buffer is empty and has been written to: give its pages back
 * (1), else 0.  The next write maps fresh zero pages. */
int buf_trim(struct buffer *b);
/* Memory of its own pages (zeroed), whose pages pages_discard hands back:
 * the whole pages inside [p, p + size), which read as zero afterwards. */
void *pages_alloc(size_t size);
void pages_free(void *p, size_t size);
void pages_discard(void *p, size_t size);
/* Every page of a pages_alloc(size) block back, the last one too. */
void pages_reset(void *p, size_t size);

/* The queue to the network: bytes plus spans that say which are data
 * (may be dropped by abort-output) and which are commands (always kept
 * whole), and at most one urgent byte (the DM of a Synch).  The bytes
 * from a point on may be held back (netq_hold): not sent, and kept by
 * netq_clear(), with an urgent byte going in ahead of them. */
enum netq_kind { NETQ_DATA = 0, NETQ_CMD = 1 };
struct netq_seg {
	uint32_t len;
	uint8_t kind;
};
struct netq {
	struct buffer b;
	size_t shead, nseg;
	int head_partial;	/* the first span was partly sent */
	unsigned char last_sent;	/* last data byte sent, for the cut */
	int iac_odd;		/* the sent data ends inside "IAC IAC" */
	int urgent;		/* a DM is queued to go with MSG_OOB */
	size_t urgent_at;	/* its offset from the queue's head */
	int held;		/* the bytes from hold_at on wait */
	size_t hold_at;		/* offset from the queue's head */
	struct netq_seg seg[NETOUT_SEGS];	/* last: used from the start */
};
int netq_init(struct netq *q, size_t size);
void netq_free(struct netq *q);
/* buf_trim for the queue: only when nothing at all is queued. */
int netq_trim(struct netq *q);
size_t netq_len(const struct netq *q);
size_t netq_space(const struct netq *q);
/* Room for appends that do not move much: the free space at the end, or
 * all of it once moving the rest to the front is cheap. */
size_t netq_room(const struct netq *q);
/* Room for n bytes of a kind at the end (NULL when full), then queue the
 * bytes written there: appending without a copy of one's own. */
unsigned char *netq_reserve(struct netq *q, enum netq_kind kind, size_t n);
void netq_commit(struct netq *q, enum netq_kind kind, size_t n, int urgent);
/* Append a chunk of the given kind; -1 (nothing queued) when full.  An
 * urgent chunk goes in ahead of held bytes. */
int netq_append(struct netq *q, enum netq_kind kind, const void *p, size_t n,
    int urgent);
/* Hold back what is queued from now on (netq_flush stops before it), until
 * netq_release(); a new hold replaces the old one. */
void netq_hold(struct netq *q);
void netq_release(struct netq *q);
/* Bytes netq_flush() may send now: the queue up to a hold. */
size_t netq_ready(const struct netq *q);
/* Drop queued data not yet sent, except held bytes; keep commands whole
 * and in order. */
void netq_clear(struct netq *q);
/* Write what is ready (netq_ready) to fd: >0 bytes written, 0 when the
 * socket is full, -1 on an error (errno set). */
ssize_t netq_flush(struct netq *q, int fd);
/* For a writer of its own (the TLS record layer, which has no urgent
 * data: the DM goes in line): the queued bytes, and then how many of
 * them it took. */
const unsigned char *netq_head(const struct netq *q, size_t *len);
void netq_sent(struct netq *q, size_t n);

/* log.c */
void log_init(int to_stderr, int debug_to_syslog, const char *ident);
/* Look for the syslog socket again (the listener, per connection). */
void log_check_syslog(void);
void log_setproc(const char *proc);
/* Every later line to sink only (the relay: relaylog.c). */
void log_set_sink(void (*sink)(int pri, const char *msg));
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void vlog(int pri, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* A foreign string made safe for a log line: at most LOG_STR_MAX bytes,
 * control and non-ASCII bytes as '?', "..." when cut.  Returns dst. */
const char *log_safe(char *dst, size_t dstsz, const void *src, size_t len);
/* Hex and text dump of bytes for -D netdata / ptydata. */
void log_dump(const char *what, const unsigned char *p, size_t n);
/* A -D trace from a session, monitor or anything with a cfg: logged only
 * while MODE (DBG_*) is on, its arguments not even evaluated otherwise. */
#define log_trace(x, mode, ...) do {					\
	if ((x)->cfg->debug & (mode))					\
		log_debug(__VA_ARGS__);					\
} while (0)
#define log_trace_dump(x, mode, what, p, n) do {			\
	if ((x)->cfg->debug & (mode))					\
		log_dump((what), (p), (n));				\
} while (0)

/* main.c: the daemon's main(), which tls-helper has as telnetd_main()
 * (main.c compiled again, see the Makefile). */
int telnetd_main(int argc, char **argv);

/* usage.c: what telnetd says about its own command line. */
/* --help's text, on standard output. */
void usage_print(void);
/* A bad option or value: one line on standard error (not when it is a
 * socket: inetd mode) and to syslog, then exit status 2. */
void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/* What a user typed, made safe to echo in one line (in a static buffer,
 * valid until the next call). */
const char *arg_safe(const char *s);

/* cmdline.c */
/* The command line into *cfg, defaults first, then checked whole
 * (config_check); anything bad is usage_error().  --help and --version
 * print and exit 0. */
void cmdline_parse(struct config *cfg, int argc, char **argv);

/* listen_spec.c */
/* One --listen value ([ADDR:]PORT[,tls=MODE]) added to cfg->listen. */
void listen_spec_parse(struct config *cfg, const char *arg);

/* config_check.c */
/* Once every option is in: tpl is -E's string and issue --issue's file
 * (each NULL when not given), explicit_user whether --privsep-user was;
 * fills in the login, the banner, the report mode, the privsep user's
 * ids and TLS's per-address modes, or usage_error(). */
void config_check(struct config *cfg, const char *tpl, const char *issue,
    int explicit_user);

/* listen.c */
/* Standalone mode: serve until SIGTERM.  Returns the exit status.  With
 * TLS, sg is the signer main.c started (the listener's from then on,
 * replaced on SIGHUP), else NULL. */
int listen_run(const struct config *cfg, struct ks_signer *sg);

/* listen_socket.c */
/* The listener's sockets at most: two per --listen without an address
 * (IPv6 and IPv4), and room for systemd's. */
#define MAX_SOCKS	(2 * MAX_LISTEN + 64)
struct listen_socks {
	int fds[MAX_SOCKS];
	int mode[MAX_SOCKS];		/* each socket's TLS mode */
	size_t nfds;
	char addrs[256];	/* "0.0.0.0:23 [::]:23", for the title */
};
/* Sockets from systemd socket activation (LISTEN_FDS, Accept=no):
 * how many listening sockets start at descriptor 3 (0 when none). */
int listen_fds_from_env(void);
/* systemd's sockets and every --listen address's, non-blocking, each
 * logged.  -1 (logged) when an address has none, or there is none. */
int listen_open(struct listen_socks *sk, const struct config *cfg);
/* sk->addrs from the sockets, as ps shows them. */
void listen_addrs(struct listen_socks *sk);
/* A socket address as numeric host and port ("?" when it has none). */
void listen_name(const struct sockaddr *sa, socklen_t len, char *host,
    size_t hsz, char *port, size_t psz);
/* The length of an IPv4 or IPv6 address in ss. */
socklen_t listen_ss_len(const struct sockaddr_storage *ss);

/* listen_proxy.c: connections from --proxy-from sources, awaiting their
 * PROXY header in the listener's poll loop. */
struct pending {
	int fd;
	int mode;			/* its address's TLS mode */
	int64_t deadline;		/* --proxy-timeout */
	struct sockaddr_storage ss;	/* the proxy */
	struct proxy_reader *r;
};
struct pending_list {
	struct pending *conn;		/* max of them, from the listener */
	size_t n, max;
	int timeout_ms;			/* --proxy-timeout */
};
/* A connection whose header is in, for the listener to admit. */
struct pending_done {
	int fd;
	int mode;			/* its address's TLS mode */
	struct sockaddr_storage client;	/* the one the header names */
	char proxy[64];			/* the proxy's address */
};
void pending_init(struct pending_list *pl, const struct config *cfg);
void pending_add(struct pending_list *pl, int fd, int mode,
    const struct sockaddr_storage *ss, socklen_t len);
int pending_step(struct pending_list *pl, size_t i, int readable,
    int64_t now, struct pending_done *done);
int pending_timeout(const struct pending_list *pl, int64_t now);
void pending_free(struct pending_list *pl);

/* listen_tls.c: the listener's signer and the TLS context it shares with
 * every session, both replaced on SIGHUP. */
#define RETIRED_MAX	8	/* replaced signers logged when they end */
struct listen_tls {
	const struct config *cfg;
	struct ks_signer *sg;		/* the signer, NULL without TLS */
	struct tls_ctx *ctx;		/* made from sg's chain */
	pid_t retired[RETIRED_MAX];	/* signers replaced, until they end */
};
int listen_tls_start(struct listen_tls *t, const struct config *cfg,
    struct ks_signer *sg);
int listen_tls_channel(const struct listen_tls *t, int *chan);
void listen_tls_reload(struct listen_tls *t, const char *why_now);
/* 1 when pid was a signer (the one in service is started again). */
int listen_tls_reaped(struct listen_tls *t, pid_t pid, int status);
void listen_tls_stop(struct listen_tls *t);

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
	DL_EOF_HOLD,		/* a linemode EOF: client input waits */
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
	int lflow_on, lflow_any;	/* last LFLOW state sent */
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
	int nspan;
	size_t span_len;		/* bytes in span[0..nspan) */

	/* The big members, last (see above). */
	struct netq out;		/* to the client */
	struct iovec span[PTY_SPANS];
	struct client_env env;
};

/* clock.c */
int64_t now_ms(void);	/* CLOCK_MONOTONIC in milliseconds */
/* The poll timeout for the nearest of n deadlines (ms, 0 = not set): 0
 * when one has passed, -1 when none is set. */
int deadline_timeout(const int64_t *dl, size_t n, int64_t now);

/* nss.c: before a getpwnam/getservbyname/getnameinfo lookup of DB
 * ("passwd", "services", "hosts"), use only glibc's built-in sources. */
void nss_builtin_only(const char *db);

/* session.c: one connection, both modes. */
struct tls_start;
/* Runs the session on the connected socket fd and returns the exit
 * status; fd is consumed.  client: the client's address when the caller
 * knows it (the listener, from a PROXY header), else NULL. */
int session_run(const struct config *cfg, int fd,
    const struct sockaddr_storage *client, const struct tls_start *ts);

/* What a TLS session starts from (NULL: plain). */
struct tls_start {
	const struct tls_ops *ops;	/* the record layer (tls.c) */
	int mode;			/* enum tls_mode, not off */
	int chan;			/* the relay's channel to the signer */
	struct tls_ctx *ctx;		/* --listen: made by the listener */
	const char *chain;		/* else made from this (PEM) */
	size_t chainlen;
};

/* relay.c: the relay, in the child of session_run: the opening requests,
 * privsep_drop(), then the poll loop until CLOSED. */
int relay_main(const struct config *cfg, int net, int mon,
    const char *host, const struct tls_start *ts);
/* The pieces of relay_main, also driven by tests/fuzz/fuzz_session.c: a
 * session on given descriptors (no fork, no privilege change), and its
 * end (closes net and the pty); the engine's callback. */
struct session *session_new(const struct config *cfg, int net, int mon,
    const char *host);
void session_free(struct session *s);
void relay_event(struct telnet *t, const struct telnet_event *ev,
    void *ctx);

/* program.c: the program's life as the relay sees it.  One message from
 * the monitor (-1: it is gone or broke the protocol); START once the
 * opening is done (opening_done: the probes first with --report), -1 when
 * it cannot be sent; the pty side's end, which begins the drain. */
int relay_monitor(struct session *s);
int opening_done(struct session *s, int64_t now);
int request_start(struct session *s);
void pty_done(struct session *s);

/* client_input.c: TELNET commands from the client, and its input while
 * the pty is in EXTPROC (0 when the pty's modes cannot be read). */
void client_command(struct session *s, unsigned char cmd);
int client_input_extproc(struct session *s, const struct telnet_event *ev);

/* datapath.c: the bytes both ways.  The read and write functions return
 * -1 when that side is finished (EOF, EIO, reset), 0 when nothing could
 * be done, 1 after progress; the client's first EOF is a half-close
 * (relay_read_net returns 0, net.st becomes SIDE_HALF_CLOSED). */
int relay_read_net(struct session *s);
int relay_write_net(struct session *s);
int relay_read_pty(struct session *s);
int relay_write_pty(struct session *s);
/* Draining: the end of what the relay sends (SHUT_WR). */
void relay_net_shutdown(struct session *s);
/* POLLPRI from the client: urgent data, a Synch. */
void relay_urgent(struct session *s);
/* Bytes for the client: a SEND event's, and the daemon's own text (the
 * AYT answer, a refusal), which abort-output keeps; abort-output. */
void relay_queue_net(struct session *s, enum netq_kind kind,
    const unsigned char *p, size_t n, int urgent);
void relay_reply(struct session *s, const unsigned char *p, size_t n);
void relay_abort_output(struct session *s);
/* Client input for the pty: a span of the read being fed (borrowed when
 * nothing is queued), or bytes copied into the queue. */
void relay_input_span(struct session *s, const unsigned char *p, size_t n);
void relay_input_copy(struct session *s, const void *p, size_t n);
/* The window size the client sent (s->ws_col, ws_row), for the pty. */
void relay_set_winsize(struct session *s);
/* For the loop's poll set: client input has somewhere to go (POLLPRI),
 * and is to be read now (POLLIN); draining, SHUT_WR done. */
int relay_net_room(const struct session *s);
int relay_net_want(const struct session *s);
int relay_lingering(const struct session *s);
/* The last pty data read waits for the next read to confirm it: read the
 * pty now, without waiting (ptyin: the queue has room for a read). */
int relay_pty_confirm_due(struct session *s, int ptyin);

/* tls_session.c: a relay's way into TLS (S_SECURING); called only when
 * s->tls is set.  Its state's fields are tls_session.c's and
 * tls_session_io.c's alone: the rest of the relay asks through the
 * functions below. */
enum tls_step {
	TS_SNIFF,		/* auto: the first bytes decide */
	TS_OFFER,		/* DO START_TLS out, the answer awaited */
	TS_HANDSHAKE,
	TS_UP,			/* TLS carries the session */
	TS_PLAIN,		/* START_TLS refused (an offered mode) */
};

struct tls_session {
	const struct tls_ops *ops;
	struct tls *t;
	int mode;		/* enum tls_mode */
	int64_t t0;		/* ms: the relay began */
	enum tls_step step;
	enum tls_how how;
	int chan;		/* the signer channel, until the handshake */
	int sniff_ms;		/* auto: how long a silent client may be */
	int64_t sniff_until;
	int sniff_more;		/* auto: a lone 0x16 so far */
	short hs_events;	/* what the handshake waits for */
	int want_write;		/* a read needs the socket writable */
	struct tls_info info;	/* once up */
};
/* Before confinement: the context (made from ts->chain unless given), the
 * connection object, the first step (state S_SECURING).  -1: logged. */
int tls_session_new(struct session *s, const struct tls_start *ts);
/* Before confinement too: what goes out first (DO START_TLS). */
void tls_session_begin(struct session *s);
/* The steps the relay's loop leaves to it (the first bytes, the
 * handshake): 1 while one is on; what to poll for; one step. */
int tls_session_own(const struct session *s);
short tls_session_events(const struct session *s);
void tls_session_step(struct session *s, short revents, int64_t now);
/* While START_TLS is offered: the engine's events, the bytes after the
 * client's FOLLOWS (the handshake's), a deadline passed. */
void tls_session_event(struct session *s, const struct telnet_event *ev);
void tls_session_prefix(struct session *s, const unsigned char *p,
    size_t n);
void tls_session_check(struct session *s, int64_t now);
/* For callers that go on after a session (session_free). */
void tls_session_free(struct session *s);
/* For the report and the log: 1 with how and info when TLS is up. */
int tls_session_info(const struct session *s, enum tls_how *how,
    struct tls_info *info);

/* tls_session_io.c: the record layer behind the seam, as read(2) and
 * netq_flush() answer; called only when s->tls is set. */
ssize_t tls_session_read(struct session *s, void *p, size_t n);
ssize_t tls_session_flush(struct session *s);
void tls_session_shutdown(struct session *s);
size_t tls_session_unsent(const struct session *s);
int tls_session_pending(const struct session *s);
int tls_session_secure(const struct session *s);
void tls_session_trim(struct session *s);
/* For the loop, about the record layer: bytes it still has to send
 * (POLLOUT, and draining waits for them), bytes a read gets without the
 * socket (poll() does not see them), no urgent data (inside TLS). */
static inline size_t
relay_net_unsent(const struct session *s)
{
	return s->tls != NULL ? tls_session_unsent(s) : 0;
}
static inline int
relay_net_buffered(const struct session *s)
{
	return s->tls != NULL && tls_session_pending(s);
}
static inline int
relay_net_urgent(const struct session *s)
{
	return s->tls == NULL || !tls_session_secure(s);
}

/* tls_heap.c: a daemon with TLS, before it forks a session: the heap's
 * free holes taken, so that sessions allocate in pages of their own. */
void tls_heap_settle(void);

/* negotiate.c */
/* What the start waits for (s->wait[opt], NEG_WAIT_*) is written only
 * through these two.  Only what the start waits for is worth waiting for,
 * and only before the start. */
static inline void
neg_wait(struct session *s, unsigned char opt, unsigned char what)
{
	if (s->state == S_NEGOTIATING)
		s->wait[opt] |= what;
}
static inline void
neg_done(struct session *s, unsigned char opt, unsigned char what)
{
	s->wait[opt] &= (unsigned char)~what;
}
extern const struct telnet_policy negotiate_policy[];
void negotiate_begin(struct session *s);
/* Handle a negotiation or subnegotiation event; 0 when not one. */
int negotiate_event(struct session *s, const struct telnet_event *ev);
int negotiate_ready(const struct session *s);
/* 1 the first time a kind is seen in this session (log it then), 0 after
 * (it is counted); notes_end() logs the counts of the rest. */
int note_first(struct session *s, enum note_kind k);
void notes_end(const struct session *s);
/* Send the START request to the monitor. */
int negotiate_start(struct session *s);

/* options.c: the options after the opening: LINEMODE agreement and kludge
 * detection, TTYPE cycling, CHARSET, LFLOW, SNDLOC. */
void options_changed(struct session *s, unsigned char opt, int local,
    int enabled);
/* A subnegotiation or TM answer for these options; 0 when not one. */
int options_event(struct session *s, const struct telnet_event *ev);

/* ttymode.c: the pty's modes told to the client (LINEMODE MODE, SLC,
 * ECHO, SGA in kludge mode, LFLOW), and what the line discipline would
 * do with the client's input while the pty is in EXTPROC (the relay does
 * it: this file never reads or writes the pty's data). */
void tty_mode_start(struct session *s);
/* Read the termios and tell the client what changed. */
void tty_mode_check(struct session *s);
void tty_mode_linemode(struct session *s, const struct telnet_event *ev);
/* The client refused our echo: turn the pty's echo off. */
void tty_echo_refused(struct session *s);
/* What to do with a byte of client input in EXTPROC. */
struct tty_in {
	enum {
		TTY_IN_BYTE,	/* write byte instead (an end of line) */
		TTY_IN_DROP,	/* nothing (IGNCR) */
		TTY_IN_SIGNAL,	/* TIOCSIG sig */
		TTY_IN_EOF,	/* VEOF, with EXTPROC off (tty_eof_begin) */
	} what;
	unsigned char byte;
	int sig;
};
/* The pty's termios while EXTPROC is set by us: 0, else -1 (the
 * ordinary path: the line discipline does it all). */
int tty_input_modes(struct session *s, struct termios *t);
/* The length of the run of p[0..n) the line discipline would pass on
 * as it is, and in *in what to do with the byte after it (n: none). */
size_t tty_input_scan(const struct termios *t, const unsigned char *p,
    size_t n, struct tty_in *in);
/* An end of line; a TELNET command (0: not one it acts on). */
void tty_input_eol(const struct termios *t, struct tty_in *in);
int tty_input_command(const struct termios *t, unsigned char cmd,
    struct tty_in *in);
/* Before an EOF is written: EXTPROC off (a raw queue cannot carry an
 * EOF), client input held EOF_HOLD_MS until the line discipline took it. */
void tty_eof_begin(struct session *s, const struct termios *t);
/* 1 while client input must wait; once the hold is over, EXTPROC is set
 * again. */
int tty_input_held(struct session *s, int64_t now);
/* Outside EXTPROC: the pty's own character for IP, BRK, ABORT, SUSP,
 * EOF, EC, EL (from its termios), -1 when none. */
int tty_command_char(struct session *s, unsigned char cmd);

/* report.c: the client report (--report, --report-log). */
/* A bounded writer (report.c, fingerprint.c): output is cut, never
 * overrun; p[len] is always a NUL. */
struct out {
	char *p;
	size_t size, len;
};
void out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A JSON string (escaped: printable ASCII only), or null when empty. */
void json_str(struct out *o, const char *s);
void json_str_or_null(struct out *o, const char *s);
/* reportprobe.c: the probes' part of the report (s->probe set). */
void report_json_probe(struct out *o, const struct session *s);
void report_text_probe(struct out *o, const struct session *s);
/* Record what an event says for the report: when each answer came (ms
 * after the opening requests), the TIMING-MARK answer, the SLC table. */
void report_event(struct session *s, const struct telnet_event *ev);
size_t report_json(const struct session *s, char *buf, size_t size);
size_t report_text(const struct session *s, char *buf, size_t size);
/* Send the JSON line to the monitor (which writes it). */
int report_send(struct session *s);

/* privsep.c: the request protocol between relay and monitor. */
enum ps_type {
	PS_START = 1,		/* relay -> monitor */
	PS_STARTED,		/* monitor -> relay (+ pty master fd) */
	PS_EXITED,		/* monitor -> relay: the program ended */
	PS_REPORT,		/* relay -> monitor: the client report */
	PS_LOG,			/* relay -> monitor: one log line */
};
/* START is sent with only its first nvars variables: PS_START_LEN(n)
 * bytes, so an idle session does not carry (or touch) the whole table. */
struct ps_start {
	uint32_t type;
	char term[TERM_MAX + 1];
	uint16_t ws_col, ws_row;	/* 0 = unknown */
	uint32_t tx, rx;		/* 0 = unknown */
	char user[USER_NAME_MAX + 1];	/* "" = none */
	uint32_t nterms;		/* TTYPE list; TERM = first known */
	char terms[TTYPE_MAX][TERM_MAX + 1];
	char location[LOCATION_MAX + 1];	/* SNDLOC, "" = none */
	char charset[CHARSET_NAME_MAX + 1];	/* CHARSET agreed, "" = none */
	uint32_t nvars;
	struct env_var vars[ENV_MAX_VARS];
};
#define PS_START_LEN(n) \
	(offsetof(struct ps_start, vars) + (size_t)(n) * sizeof(struct env_var))
struct ps_started {
	uint32_t type;
	int32_t error;			/* 0, or an errno value */
	char tty[TTY_NAME_MAX];		/* "pts/3" */
};
struct ps_exited {
	uint32_t type;
	int32_t status;
};
/* One JSON line, sent with only its text (no NUL): the monitor checks
 * it is printable ASCII and writes it to --report-log or syslog. */
struct ps_report {
	uint32_t type;
	/* The fingerprints (16 hex digits, or ""), which name the file
	 * --report-dir saves; checked again by the monitor. */
	char fp_protocol[17], fp_terminal[17];
	char text[REPORT_MAX];
};
/* The relay builds START, REPORT and the --report text in its read
 * buffer (no read is in progress then). */
_Static_assert(sizeof(struct ps_start) <= IO_CHUNK &&
    sizeof(struct ps_report) <= IO_CHUNK, "a message fits the read buffer");
/* Send a message, with fd attached when fd >= 0. */
int ps_send(int sock, const void *msg, size_t len, int fd);
/* Receive one message into buf; *fd gets a passed descriptor or -1.
 * Returns its length, 0 on EOF, -1 on error. */
ssize_t ps_recv(int sock, void *buf, size_t size, int *fd);
/* The monitor's check of a START request of len bytes: the fixed fields
 * are cleaned in place and the variables rebuilt into env (zeroed by the
 * caller) through the allow-list.  -1 with *why when refused. */
int ps_start_validate(const struct config *cfg, struct ps_start *req,
    size_t len, struct client_env *env, const char **why);
/* Drop root in the relay: groups, gid, uid, no_new_privs, then the
 * confinement (sandbox.c: an empty chroot, the seccomp filter). */
void privsep_drop(const struct config *cfg, int tls);
/* The relay's first step after the fork: /dev/null on 0-2, no descriptor
 * but *net and *mon (and *chan, the signer channel, when not -1), its log
 * lines to the monitor (issue 13). */
void privsep_relay_fds(const struct config *cfg, int *net, int *mon,
    int *chan);
/* A warning when the relay's user is one other daemons share (nobody). */
void privsep_check_user(const struct config *cfg);

/* The monitor's pick of TERM: the first name of the list that the host's
 * terminfo knows (TERM_FALLBACK when none does); and the variables it adds
 * (LANG for a UTF-8 CHARSET, TELNET_LOCATION for SNDLOC). */
void ps_start_pick_term(struct ps_start *req);
#define PS_EXTRA_VARS	4			/* room for more than both */
#define PS_EXTRA_LEN	(ENV_MAX_VALUE + 32)	/* "NAME=" and a value */
size_t ps_start_extra(const struct ps_start *req,
    const struct client_env *env, char extra[][PS_EXTRA_LEN], size_t max);
int ps_report_validate(const char *text, size_t len);

/* reportlog.c: the --report-log file, opened safely by the monitor. */
/* 0 when path may be used (a regular file of ours, or none yet, in a
 * directory others cannot write to); -1 with why. */
int report_log_check(const char *path, const char **why);
/* Append one line (text and a newline); -1 (logged) when it failed. */
int report_log_append(const char *path, const char *text, size_t len);
/* --report-dir: 0 when DIR may be used (a directory of ours that no one
 * else can write to), -1 with why. */
int report_dir_check(const char *dir, const char **why);
/* Save a report as DIR/PROTOCOL[-TERMINAL].json unless that file is
 * there: 1 saved, 0 not new, -1 (logged) failed or refused. */
int report_dir_save(const char *dir, const char *protocol,
    const char *terminal, const char *text, size_t len);
#define REPORT_DIR_MAX		1000	/* files --report-dir holds */

/* monitor.c */
int monitor_run(const struct config *cfg, int mon, pid_t relay,
    const char *host);

/* relaylog.c: the relay's log lines, sent to the monitor as PS_LOG
 * messages (no NUL), checked and limited again there. */
/* A line's text, so that the monitor's line with "relay for HOST: "
 * and a count fits vlog's 1024 bytes (HOST_MAX 256). */
#define PS_LOG_TEXT_MAX		640
#define RELAYLOG_BURST		100	/* lines at once, then */
#define RELAYLOG_RATE		10	/* lines per second */
struct ps_log {
	uint32_t type;
	int32_t pri;			/* LOG_CRIT .. LOG_DEBUG */
	uint32_t dropped;		/* lines not sent since the last one */
	char text[PS_LOG_TEXT_MAX];	/* printable ASCII */
};
/* A token bucket of RELAYLOG_BURST lines, RELAYLOG_RATE a second. */
struct relaylog_limit {
	int64_t t;			/* ms: tokens counted up to here */
	unsigned int tokens;
	unsigned int dropped;		/* lines over the limit */
	int full;			/* t set: the bucket was started */
};
/* 1 when a line may go at time now (ms), else 0 (counted in dropped). */
int relaylog_take(struct relaylog_limit *l, int64_t now);
/* The relay: every log line to the monitor socket from now on (debug
 * lines without the rate limit when -D asked for them). */
void relaylog_start(int mon, int debug);
/* The monitor: one PS_LOG message of len bytes checked, limited and
 * logged as the relay's, with the client's address.  -1 when it breaks
 * the protocol (the session is ended). */
int relaylog_accept(struct relaylog_limit *l, const struct config *cfg,
    const char *host, const void *msg, size_t len);
/* The monitor: the PS_LOG lines still queued (the relay has ended), and
 * at the end of the session the count of lines over the limit. */
void relaylog_drain(struct relaylog_limit *l, const struct config *cfg,
    int mon, const char *host);
void relaylog_end(const struct relaylog_limit *l, const char *host);

/* pty.c */
int pty_open(int *master, int *slave, char *name, size_t namesz);
void pty_setup(int slave, uint16_t col, uint16_t row, uint32_t tx,
    uint32_t rx);
/* In the child: make slave the controlling tty on 0-2, close the rest,
 * reset signals.  Returns -1 (with errno) when it failed. */
int pty_child_setup(int slave);

/* utmp.c */
/* What a look through utmp reads into, 64 records at a time: the caller's,
 * so that the monitor keeps it in pages it hands back (on its stack, it
 * would stay for the whole session). */
struct utmp_buf {
	struct utmpx rec[64];
};
/* The LOGIN_PROCESS and DEAD_PROCESS records, in utmp and wtmp: 0 when
 * written (or there is no such file), -1 with errno on an error.  The
 * LOGIN record's place in utmp goes to *slot (-1 when none), and the
 * DEAD record looks there first (slot -1: it searches). */
int utmp_login(pid_t pid, const char *line, const char *host, off_t *slot,
    struct utmp_buf *buf);
int utmp_logout(pid_t pid, const char *line, off_t slot,
    struct utmp_buf *buf);
/* The same on the named files, reading on the stack (tests/test_utmp.c). */
int utmp_login_files(const char *utmp, const char *wtmp, pid_t pid,
    const char *line, const char *host, off_t *slot);
int utmp_logout_files(const char *utmp, const char *wtmp, pid_t pid,
    const char *line, off_t slot);
/* Whether a user is logged in on line by process pid (0: any process): 1
 * yes, 0 no, -1 no utmp. */
int utmp_user_on_file(const char *utmp, const char *line, pid_t pid);
int utmp_user_on(const char *line, pid_t pid, struct utmp_buf *buf);

/* peer.c: the client's address for session_run: *known when not NULL,
 * else the socket's peer, or the address in the PROXY header that a
 * --proxy-from source sends (read here).  -1 (logged): close. */
int peer_address(const struct config *cfg, int fd,
    const struct sockaddr_storage *known, struct sockaddr_storage *ss,
    socklen_t *len);

/* title.c: what ps shows for each process (libbsd's setproctitle for the
 * listener; a session's processes keep their title in buf, memory of
 * their own that outlives them, TITLE_MAX bytes). */
void title_init(int argc, char **argv);
/* The listener: its addresses ("0.0.0.0:23 [::]:23") and sessions. */
void title_listener(const char *addrs, size_t nsessions);
/* The monitor: the client's address, then its pty (tty NULL: none yet). */
void title_session(char *buf, size_t size, const char *host,
    const char *tty);
void title_relay(char *buf, size_t size, const char *host);

/* issue.c */
/* The banner: file (issue.net) read and its escapes expanded, in a
 * static buffer (valid until the next call) of *len bytes; NULL when the
 * file cannot be read. */
const char *issue_render(const char *file, const char *tty,
    const char *host, size_t *len);
/* Expand the escapes of one issue text into out (bounded).  Returns the
 * length written. */
size_t issue_expand(const char *in, size_t inlen, char *out, size_t outsz,
    const char *tty, const char *host);

#endif /* TELNETD_H */
