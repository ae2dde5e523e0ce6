/*
 * telnetd.h - the daemon's private header: the relay's files, under one
 * heading per file, and every other header of the daemon's (config.h,
 * buffer.h, log.h, listen.h, session.h, privsep.h) so that a file that
 * needs the whole daemon includes one name.
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
#include "out.h"
#include "probe.h"
#include "proxy.h"
#include "telnet.h"
#include "tls.h"

#include "buffer.h"
#include "config.h"
#include "listen.h"
#include "log.h"
#include "privsep.h"
#include "session.h"

/* clock.c */
int64_t now_ms(void);	/* CLOCK_MONOTONIC in milliseconds */
/* The poll timeout for the nearest of n deadlines (ms, 0 = not set): 0
 * when one has passed, -1 when none is set. */
int deadline_timeout(const int64_t *dl, size_t n, int64_t now);
/* From one time to a later one (ms) for the report: at least 1, so that
 * 0 keeps meaning "never", and at most INT32_MAX. */
int32_t ms_between(int64_t from, int64_t to);

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
/* O_NONBLOCK on the client's socket or the pty master; -1 on failure. */
int relay_nonblock(int fd);

/* program.c: the program's life as the relay sees it.  One message from
 * the monitor (-1: it is gone or broke the protocol); START once the
 * opening is done (opening_done: the probes first with --report), -1 when
 * it cannot be sent; the pty side's end, which begins the drain. */
int relay_monitor(struct session *s);
int opening_done(struct session *s, int64_t now);
int request_start(struct session *s);
/* The relay ends: the report if the client went during the probes, and
 * the monitor's answer to a report awaited. */
void report_end(struct session *s);
void pty_done(struct session *s);

/* synch.c: abort-output (the queued data dropped, commands kept, IAC DM
 * sent urgent); POLLPRI from the client (urgent data: its Synch); a
 * packet-mode status byte from the pty other than DATA. */
void relay_abort_output(struct session *s);
void relay_urgent(struct session *s);
void pty_packet(struct session *s, unsigned char ctl);

/* client_input.c: TELNET commands from the client, and its input while
 * the pty is in EXTPROC (0 when the pty's modes cannot be read). */
void client_command(struct session *s, unsigned char cmd);
int client_input_extproc(struct session *s, const struct telnet_event *ev);

/* datapath.c: the reads both ways, the writes to the client.  The read
 * and write functions (pty_input.c's relay_write_pty too) return -1 when
 * that side is finished (EOF, EIO, reset), 0 when nothing could be done,
 * 1 after progress; the client's first EOF is a half-close
 * (relay_read_net returns 0, net.st becomes SIDE_HALF_CLOSED). */
int relay_read_net(struct session *s);
/* Feed the client input held behind a second linemode EOF once the first
 * is done (nothing to do otherwise); relay_input_held(): whether there
 * is such input (the client is not read meanwhile). */
void relay_feed_held(struct session *s);
int relay_input_held(const struct session *s);
int relay_write_net(struct session *s);
int relay_read_pty(struct session *s);
/* Draining: the end of what the relay sends (SHUT_WR). */
void relay_net_shutdown(struct session *s);
/* netqueue.c: bytes for the client: a SEND event's, and the daemon's own
 * text (the AYT answer, a refusal), which abort-output keeps; the log
 * line of a queue too full for the program's output. */
void relay_queue_net(struct session *s, enum netq_kind kind,
    const unsigned char *p, size_t n, int urgent);
void relay_reply(struct session *s, const unsigned char *p, size_t n);
void relay_output_full_check(struct session *s);
/* pty_input.c: client input for the pty: a span of the read being fed
 * (borrowed when nothing is queued), or bytes copied into the queue; the
 * borrowed spans written after a feed; the queue written on POLLOUT. */
void relay_input_span(struct session *s, const unsigned char *p, size_t n);
void relay_input_copy(struct session *s, const void *p, size_t n);
void relay_spans_write(struct session *s);
int relay_write_pty(struct session *s);
/* Whether there is input for the pty (bytes queued, or an EOF). */
int relay_input_pending(const struct session *s);
/* The EOF or signal a feed stopped at (s->in_act), done; -1 when the
 * feed must stop there (a second EOF: s->held_eof). */
int relay_input_act(struct session *s);
/* The EOF before the held bytes (s->held_eof), queued at last. */
void relay_input_eof(struct session *s);
/* The input queue for the program dropped, a pending EOF too (a
 * signal, the program's TCIFLUSH). */
void relay_input_drop(struct session *s);
/* EXTPROC comes on: the line ends of the input queued without it are
 * mapped as EXTPROC input's are (termios t). */
void relay_input_extproc_on(struct session *s, const struct termios *t);
/* The input queue is full: logged once. */
void relay_input_full(struct session *s);
/* program.c: the window size the client sent (s->ws_col, ws_row), for
 * the pty. */
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
 * s->tls is set.  Its state (struct tls_session, tls_session.h) is
 * tls_session.c's and tls_session_io.c's alone: the rest of the relay
 * asks through the functions below. */
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
/* Send the START request to the monitor. */
int negotiate_start(struct session *s);

/* notes.c: log lines a client can repeat at will.  1 the first time a
 * kind is seen in this session (log it then), 0 after (it is counted);
 * notes_end() logs the counts of the rest. */
int note_first(struct session *s, enum note_kind k);
void notes_end(const struct session *s);

/* options.c: the options after the opening: LINEMODE agreement and kludge
 * detection, TTYPE cycling, CHARSET, LFLOW, SNDLOC. */
void options_changed(struct session *s, unsigned char opt, int local,
    int enabled);
/* Their events, as negotiate_event() hands them on: a TTYPE, CHARSET or
 * SNDLOC subnegotiation, a LINEMODE one, the client's answer to our DO
 * TIMING-MARK. */
void options_ttype(struct session *s, const struct telnet_event *ev);
void options_charset(struct session *s, const struct telnet_event *ev);
void options_sndloc(struct session *s, const struct telnet_event *ev);
void options_linemode(struct session *s, const struct telnet_event *ev);
void options_tm(struct session *s, const struct telnet_event *ev);

/* ttymode.c: the pty's modes told to the client (LINEMODE MODE, SLC,
 * ECHO, SGA in kludge mode, LFLOW), and what the line discipline would
 * do with the client's input while the pty is in EXTPROC (the relay does
 * it: this file never reads or writes the pty's data). */
void tty_mode_start(struct session *s);
/* Read the termios and tell the client what changed. */
void tty_mode_check(struct session *s);
void tty_mode_linemode(struct session *s, const struct telnet_event *ev);
/* The client refused our echo: turn the pty's echo off; it agreed again:
 * back on. */
void tty_echo_refused(struct session *s);
void tty_echo_agreed(struct session *s);
/* What to do with a byte of client input in EXTPROC. */
struct tty_in {
	enum {
		TTY_IN_BYTE,	/* write byte instead (an end of line) */
		TTY_IN_DROP,	/* nothing (IGNCR) */
		TTY_IN_SIGNAL,	/* TIOCSIG sig */
		TTY_IN_EOF,	/* VEOF (pty_input.c's input_eof) */
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
/* An end of line; a CR or LF as ICRNL, IGNCR and INLCR make it; a
 * TELNET command (0: not one it acts on). */
void tty_input_eol(const struct termios *t, struct tty_in *in);
void tty_map_eol(const struct termios *t, unsigned char c,
    struct tty_in *in);
int tty_input_command(const struct termios *t, unsigned char cmd,
    struct tty_in *in);
/* Whether c ends a line for ICANON (newline, VEOL, VEOL2). */
int tty_ends_line(const struct termios *t, unsigned char c);
/* A VEOF at a line's start is written with EXTPROC off, back once the
 * program has read it (pty_input.c). */
void tty_eof_window_begin(struct session *s, const struct termios *t);
void tty_eof_window_end(struct session *s);
int tty_reads_lines(struct session *s);
/* Outside EXTPROC: the pty's own character for IP, BRK, ABORT, SUSP,
 * EOF, EC, EL (from its termios), -1 when none. */
int tty_command_char(struct session *s, unsigned char cmd);

/* ldisc_room.c: client input the pty's line discipline can take without
 * dropping any while EXTPROC is set.  ldisc_room(): how much of want may
 * be written now (0: wait, ldisc_waiting() says until when); every byte
 * written to the pty is told to ldisc_written(); ldisc_look() after the
 * program's output, which may mean it read. */
size_t ldisc_room(struct session *s, size_t want);
/* 1 when the program has read everything written to the pty so far;
 * else 0, a look again due (ldisc_waiting). */
int ldisc_drained(struct session *s);
/* Nothing more may join what was just written until the program has
 * read it (a VEOF must be read alone). */
void ldisc_barrier(struct session *s);
void ldisc_written(struct session *s, size_t n);
/* What the line discipline holds, dropped (a signal's flush). */
void ldisc_discard(struct session *s);
int ldisc_waiting(struct session *s, int64_t now);
void ldisc_look(struct session *s);

/* report.c: the client report (--report, --report-log), written with
 * out.h's writer; reportprobe.c: the probes' part of it (s->probe set). */
void report_json_probe(struct out *o, const struct session *s);
void report_text_probe(struct out *o, const struct session *s);
/* Record what an event says for the report: when each answer came (ms
 * after the opening requests), the TIMING-MARK answer, the SLC table. */
void report_event(struct session *s, const struct telnet_event *ev);
/* An option's first answer on one side (*what, 0: none yet) and when it
 * came (*ms, after since); a later answer changes neither.  Also the
 * probe's record of the client's first words (probe.c). */
void report_answer(unsigned char *what, int32_t *ms, unsigned char v,
    int64_t since);
size_t report_json(const struct session *s, char *buf, size_t size);
size_t report_text(const struct session *s, char *buf, size_t size);
/* Send the JSON line to the monitor (which writes it). */
int report_send(struct session *s);

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
