/*
 * config.h - what the command line decides: the limits every part is
 * bounded by, -D's modes, struct config (built once by cmdline.c, then
 * read-only), and the files that build it from argv.
 */
#ifndef TELNETD_CONFIG_H
#define TELNETD_CONFIG_H

#include <sys/types.h>

#include <stddef.h>

#include "login.h"
#include "proxy.h"
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

#endif /* TELNETD_CONFIG_H */
