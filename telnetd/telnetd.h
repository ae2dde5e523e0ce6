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
#include <time.h>

#include "linemode.h"
#include "login.h"
#include "proxy.h"
#include "telnet.h"

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
#define PTYOUT_SIZE		((size_t)32 * 1024)	/* bytes queued to the program */
#define IO_CHUNK		((size_t)32 * 1024)	/* one read from either side */
#define IDLE_TRIM_MS		100	/* quiet this long: buffers' pages back */
#define PTY_READS		16	/* pty reads per write to the client */
#define PTY_SPANS		256	/* client input spans per write to the pty */
#define DRAIN_IDLE_MS		200	/* pty quiet after the program ended */
#define FLUSH_TIMEOUT_MS	30000	/* client not reading at the end */
#define LINGER_MS		2000	/* reading the client's last bytes */
#define HANGUP_GRACE_MS		3000	/* SIGHUP, then SIGKILL */
#define LOG_STR_MAX		80	/* foreign strings in log lines */
#define DISPLAY_MAX		ENV_MAX_VALUE
#define HOST_MAX		256
#define TTY_NAME_MAX		32
#define TTYPE_MAX		8	/* names kept from TTYPE cycling */
#define LOCATION_MAX		128	/* SNDLOC text kept */
#define CHARSET_NAME_MAX	40	/* the CHARSET name accepted */
#define EOF_HOLD_MS		20	/* linemode EOF: input held this long */
#define REPORT_MAX		8192	/* one JSON report line */

/* -D modes. */
#define DBG_OPTIONS	0x01
#define DBG_REPORT	0x02
#define DBG_NETDATA	0x04
#define DBG_PTYDATA	0x08

struct listen_spec {
	char addr[64];		/* "" = every address, IPv4 and IPv6 */
	char port[16];
};

/* Everything the command line decides, built once by main.c. */
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
	const char *privsep_user;
	uid_t ps_uid;
	gid_t ps_gid;
	const char *issue_file;		/* NULL: no banner */
	int no_hostinfo;		/* -h */
	int keepalive;			/* not -n */
	int reverse_lookup;		/* -U */
	int linemode;			/* -l */
	int nokludge;			/* -l nokludge */
	int report;			/* --report: no program */
	const char *report_log;		/* --report-log=FILE, NULL: syslog */
	unsigned int debug;		/* DBG_* */
	int neg_timeout_ms;		/* --negotiation-timeout */
	size_t sb_max;			/* --sb-max: the engine's limit */
	size_t netout_size;		/* --output-buffer */
	size_t ptyout_size;		/* --input-buffer */
	unsigned int max_sessions;	/* --max-sessions, 0 = no limit */
	unsigned int max_per_host;	/* --max-per-host, 0 = no limit */
	size_t max_ttypes;		/* --max-ttypes, 0 = TTYPE_MAX */
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

/* The queue to the network: bytes plus spans that say which are data
 * (may be dropped by abort-output) and which are commands (always kept
 * whole), and at most one urgent byte (the DM of a Synch). */
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
/* Append a chunk of the given kind; -1 (nothing queued) when full. */
int netq_append(struct netq *q, enum netq_kind kind, const void *p, size_t n,
    int urgent);
/* Drop queued data not yet sent, keep commands whole and in order. */
void netq_clear(struct netq *q);
/* Write what is queued to fd: >0 bytes written, 0 when the socket is
 * full, -1 on an error (errno set). */
ssize_t netq_flush(struct netq *q, int fd);

/* log.c */
void log_init(int to_stderr, int debug_to_syslog, const char *ident);
/* Look for the syslog socket again (the listener, per connection). */
void log_check_syslog(void);
void log_setproc(const char *proc);
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

/* main.c: nothing exported. */

/* listen.c */
/* Standalone mode: serve until SIGTERM.  Returns the exit status. */
int listen_run(const struct config *cfg);
/* Sockets from systemd socket activation (LISTEN_FDS, Accept=no):
 * how many listening sockets start at descriptor 3 (0 when none). */
int listen_fds_from_env(void);

/* The relay's per-connection state: one struct, passed explicitly. */
enum session_state {
	S_NEGOTIATING = 0,	/* opening requests out, answers awaited */
	S_STARTING,		/* START sent to the monitor */
	S_RELAYING,		/* pty <-> network */
	S_DRAINING,		/* program or client done: flush and close */
	S_CLOSED,
};

/* Line modes: none (character at a time, the server echoes), kludge
 * (RFC 858 SGA toggled, BSD style), real LINEMODE (RFC 1184). */
#define LMT_NONE	0
#define LMT_KLUDGE	1
#define LMT_REAL	2

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
	size_t nenv_ok, nenv_denied, nslc;
	int slc_seen;
	unsigned char ans[256][2];	/* 0 none, 1 agreed, 2 refused */
	int32_t ms[256][2];		/* [opt][local] */
	struct telnet_slc slc[TELNET_SLC_MAX];	/* the client's SLC table */
	char xdisploc[ENV_MAX_VALUE + 1];
	char env_ok[ENV_MAX_VARS][ENV_MAX_NAME + 1];	/* names kept */
	char env_denied[ENV_MAX_VARS][ENV_MAX_NAME + 1];
};

struct session {
	const struct config *cfg;
	const char *host;
	enum session_state state;
	int net, pty, mon;
	struct telnet *t;
	struct buffer in;		/* to the program */
	unsigned char *scratch;		/* one read, IO_CHUNK + 1 bytes */
	int64_t trim_at;		/* ms: idle, give pages back; 0 none */
	int data_ctx;			/* SEND events now carry pty data */

	/* Negotiation (negotiate.c). */
	int64_t t_begin;		/* ms, when the requests went out */
	int64_t neg_deadline;
	unsigned char wait[256];	/* NEG_WAIT_* per option */
	char term[TERM_MAX + 1];
	uint16_t ws_col, ws_row;
	uint32_t tx, rx;
	int env_logged;			/* 1 << env_verdict, logged once */
	char terms[TTYPE_MAX][TERM_MAX + 1];	/* TTYPE names, in order */
	size_t nterms;
	int ttype_done;			/* the list repeated or is full */
	char charset[CHARSET_NAME_MAX + 1];	/* "" = none agreed */
	char location[LOCATION_MAX + 1];	/* SNDLOC */
	struct neg_report *rep;		/* what the client answered, when */

	/* Terminal modes (ttymode.c). */
	int lm_type;			/* LMT_* */
	int kludge_tm;			/* DO TM sent to detect kludge mode */
	int lm_ready;			/* lm holds the pty's modes */
	int lm_real_started;		/* first MODE sent */
	struct linemode lm;
	int lm_ext;			/* EXTPROC is set by us */
	int64_t lm_hold;		/* linemode EOF: no input until then */
	int lflow_on, lflow_any;	/* last LFLOW state sent */
	int tty_look;			/* pty data read: check termios */
	int pty_full;			/* a write found the pty full */

	/* The running session (relay.c). */
	char tty[TTY_NAME_MAX];
	int urg_wait;			/* POLLPRI seen, read on before asking again */
	int prog_exited;		/* the monitor said the program ended */
	int pty_eof;
	int logout;			/* DO LOGOUT: close after the output */
	int64_t drain_deadline;		/* pty quiet after the program ended */
	int64_t flush_deadline;		/* client not reading at the end */
	int shut;			/* SHUT_WR done, lingering */
	int net_eof;			/* the client half-closed */
	int64_t linger_deadline;
	unsigned int drops;		/* replies dropped: queue full */
	unsigned int limits_logged;	/* LIM_* already logged once */
	unsigned long long bytes_in, bytes_out;

	/* Client input borrowed from the read buffer while the engine
	 * decodes it, written with one writev after that (relay.c). */
	int direct;			/* spans may be borrowed now */
	int nspan;
	size_t span_len;		/* bytes in span[0..nspan) */

	/* The big members last, in the order of how much of them an idle
	 * session touches: the state above shares their first pages and
	 * the rest is never backed by memory (session_new maps the struct
	 * as zero pages; span[] is touched once a client types). */
	struct netq out;		/* to the client */
	struct iovec span[PTY_SPANS];
	struct client_env env;
};

/* nss.c: before a getpwnam/getservbyname/getnameinfo lookup of DB
 * ("passwd", "services", "hosts"), use only glibc's built-in sources. */
void nss_builtin_only(const char *db);

/* session.c: one connection, both modes. */
/* Runs the session on the connected socket fd and returns the exit
 * status; fd is consumed.  client: the client's address when the caller
 * knows it (the listener, from a PROXY header), else NULL. */
int session_run(const struct config *cfg, int fd,
    const struct sockaddr_storage *client);
/* The relay's side, in the child of session_run: the opening requests,
 * privsep_drop(), then the poll loop until CLOSED. */
int relay_main(const struct config *cfg, int net, int mon,
    const char *host);
/* The pieces of relay_main, also driven by tests/fuzz/fuzz_session.c:
 * a session on given descriptors (no fork, no privilege change), the
 * engine's callback, one message from the monitor (-1: it is gone or
 * broke the protocol), and the end (closes net and the pty). */
struct session *session_new(const struct config *cfg, int net, int mon,
    const char *host);
void session_event(struct telnet *t, const struct telnet_event *ev,
    void *ctx);
int session_monitor(struct session *s);
void session_free(struct session *s);
int64_t now_ms(void);

/* negotiate.c */
extern const struct telnet_policy negotiate_policy[];
void negotiate_begin(struct session *s);
/* Handle a negotiation or subnegotiation event; 0 when not one. */
int negotiate_event(struct session *s, const struct telnet_event *ev);
int negotiate_ready(const struct session *s);
/* Send the START request to the monitor. */
int negotiate_start(struct session *s);

/* options.c: the options after the opening: LINEMODE agreement and kludge
 * detection, TTYPE cycling, CHARSET, LFLOW, SNDLOC. */
void options_changed(struct session *s, unsigned char opt, int local,
    int enabled);
/* A subnegotiation or TM answer for these options; 0 when not one. */
int options_event(struct session *s, const struct telnet_event *ev);

/* ttymode.c: the pty's modes told to the client (LINEMODE MODE, SLC,
 * ECHO, SGA in kludge mode, LFLOW), and the client's input applied the
 * way the line discipline would while the pty is in EXTPROC. */
void tty_mode_start(struct session *s);
/* Read the termios and tell the client what changed. */
void tty_mode_check(struct session *s);
void tty_mode_linemode(struct session *s, const struct telnet_event *ev);
/* The client refused our echo: turn the pty's echo off. */
void tty_echo_refused(struct session *s);
/* Input from the client: data, an end of line, a command.  Return 1 when
 * handled here (EXTPROC input), 0 to take the ordinary path. */
int tty_input_data(struct session *s, const unsigned char *p, size_t n);
int tty_input_eol(struct session *s);
int tty_input_command(struct session *s, unsigned char cmd);
/* 1 while client input must wait (a linemode EOF being delivered). */
int tty_input_held(struct session *s, int64_t now);

/* report.c: the client report (--report, --report-log). */
void report_answer(struct session *s, unsigned char opt, int local,
    int enabled);
int32_t report_ms(const struct session *s);
size_t report_json(const struct session *s, char *buf, size_t size);
size_t report_text(const struct session *s, char *buf, size_t size);
/* Send the JSON line to the monitor (which writes it). */
int report_send(struct session *s);

/* relay.c: the data path.  The read/write functions return -1 when that
 * side is finished (EOF, EIO, reset), 0 when nothing could be done, 1
 * after progress.  The client's first EOF is a half-close, not the end
 * (relay_read_net returns 0 and sets net_eof). */
int relay_read_net(struct session *s);
/* 1 when client input has room in the queue to the pty (POLLPRI is
 * watched then), and when it is to be read now: for a whole read once the
 * pty is there (POLLIN). */
int relay_net_room(const struct session *s);
int relay_want_net(const struct session *s);
int relay_read_pty(struct session *s);
int relay_write_pty(struct session *s);
int relay_write_net(struct session *s);
void relay_urgent(struct session *s);
void relay_queue_net(struct session *s, const unsigned char *p, size_t n,
    int urgent);
void relay_to_pty(struct session *s, const void *p, size_t n);
/* The same for bytes that stay valid until the read being fed is done (a
 * DATA span, static bytes): written from there when nothing is queued. */
void relay_span_to_pty(struct session *s, const unsigned char *p, size_t n);
void relay_command(struct session *s, unsigned char cmd);
void relay_netclear(struct session *s);
void relay_set_winsize(struct session *s);

/* privsep.c: the request protocol between relay and monitor. */
enum ps_type {
	PS_START = 1,		/* relay -> monitor */
	PS_STARTED,		/* monitor -> relay (+ pty master fd) */
	PS_EXITED,		/* monitor -> relay: the program ended */
	PS_REPORT,		/* relay -> monitor: the client report */
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
	char text[REPORT_MAX];
};
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
/* Zeroed memory whose pages are touched only when used (anonymous
 * mmap): for the big per-session tables. */
void *ps_zalloc(size_t size);
void ps_zfree(void *p, size_t size);
/* Drop root in the relay: groups, gid, uid, no_new_privs, then the
 * confinement hook (issue 8: empty chroot, seccomp). */
void privsep_drop(const struct config *cfg);

/* The monitor's pick of TERM: the first name of the list that the host's
 * terminfo knows (req->term when none does); and the variables it adds
 * (LANG for a UTF-8 CHARSET, TELNET_LOCATION for SNDLOC). */
void ps_start_pick_term(struct ps_start *req);
size_t ps_start_extra(const struct ps_start *req,
    const struct client_env *env, char extra[][ENV_MAX_VALUE + 32],
    size_t max);
int ps_report_validate(const char *text, size_t len);

/* monitor.c */
int monitor_run(const struct config *cfg, int mon, pid_t relay,
    const char *host);

/* pty.c */
int pty_open(int *master, int *slave, char *name, size_t namesz);
void pty_setup(int slave, uint16_t col, uint16_t row, uint32_t tx,
    uint32_t rx);
/* In the child: make slave the controlling tty on 0-2, close the rest,
 * reset signals.  Returns -1 (with errno) when it failed. */
int pty_child_setup(int slave);

/* utmp.c */
/* The LOGIN_PROCESS and DEAD_PROCESS records, in utmp and wtmp: 0 when
 * written (or there is no such file), -1 with errno on an error.  The
 * LOGIN record's place in utmp goes to *slot (-1 when none), and the
 * DEAD record looks there first (slot -1: it searches). */
int utmp_login(pid_t pid, const char *line, const char *host, off_t *slot);
int utmp_logout(pid_t pid, const char *line, off_t slot);
/* The same on the named files (tests/test_utmp.c). */
int utmp_login_files(const char *utmp, const char *wtmp, pid_t pid,
    const char *line, const char *host, off_t *slot);
int utmp_logout_files(const char *utmp, const char *wtmp, pid_t pid,
    const char *line, off_t slot);
int utmp_user_on_file(const char *utmp, const char *line);
int utmp_user_on(const char *line);

/* peer.c: the client's address for session_run: *known when not NULL,
 * else the socket's peer, or the address in the PROXY header that a
 * --proxy-from source sends (read here).  -1 (logged): close. */
int peer_address(const struct config *cfg, int fd,
    const struct sockaddr_storage *known, struct sockaddr_storage *ss,
    socklen_t *len);

/* title.c: what ps shows for each process (libbsd's setproctitle). */
void title_init(int argc, char **argv);
/* The listener: its addresses ("0.0.0.0:23 [::]:23") and sessions. */
void title_listener(const char *addrs, size_t nsessions);
/* The monitor: the client's address, then its pty (tty NULL: none yet). */
void title_session(const char *host, const char *tty);
void title_relay(const char *host);

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
