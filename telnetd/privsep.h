/*
 * privsep.h - between the relay and the monitor: the messages
 * (privsep.c), the relay's log lines (relaylog.c), and the monitor's own
 * files (monitor.c, reportlog.c).
 */
#ifndef TELNETD_PRIVSEP_H
#define TELNETD_PRIVSEP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "login.h"

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
 * lines to the monitor. */
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

#endif /* TELNETD_PRIVSEP_H */
