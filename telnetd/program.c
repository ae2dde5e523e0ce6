/*
 * program.c - the relay's side of the program's life: the START request
 * to the monitor once the opening (or --report's probes) is done, the
 * monitor's STARTED (the pty master) and EXITED answers, and the end of
 * the pty side, which begins the drain, and the window size the pty gets
 * (at its start and at every NAWS).  relay.c's loop calls these; they
 * call nothing of relay.c's.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <poll.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

/* The program or the client is done: flush what is queued (within
 * FLUSH_TIMEOUT_MS), then linger (relay.c's drain_step). */
static void
begin_draining(struct session *s)
{
	if (s->state == S_DRAINING || s->state == S_CLOSED)
		return;
	s->state = S_DRAINING;
	s->dl[DL_NEGOTIATE] = 0;
	s->dl[DL_PROBE] = 0;
	s->dl[DL_FLUSH] = now_ms() + FLUSH_TIMEOUT_MS;
}

/* Nothing more to read from or write to the pty (so nothing more can
 * come after a held read: it goes, relay_read_pty()). */
void
pty_done(struct session *s)
{
	netq_release(&s->out);
	s->pty.st = SIDE_DONE;
	s->dl[DL_PROGRAM_QUIET] = 0;
	begin_draining(s);
}

/* The window size the client sent, for the pty. */
void
relay_set_winsize(struct session *s)
{
	struct winsize ws;

	if (s->pty.fd == -1 || s->ws_col == 0 || s->ws_row == 0)
		return;
	memset(&ws, 0, sizeof(ws));
	ws.ws_col = s->ws_col;
	ws.ws_row = s->ws_row;
	/* On the master: the kernel signals SIGWINCH to the foreground
	 * process group when the size changed. */
	if (ioctl(s->pty.fd, TIOCSWINSZ, &ws) == -1)
		log_warn("TIOCSWINSZ");
}

/* STARTED: the pty master, or the monitor's refusal. */
static void
program_started(struct session *s, struct ps_started *st, int fd)
{
	static const unsigned char msg[] = "telnetd: cannot start a "
	    "session.\r\n";

	if (st->error != 0 || fd == -1) {
		if (fd != -1)
			close(fd);
		relay_reply(s, msg, sizeof(msg) - 1);
		/* Straight to draining, without the flush deadline: the
		 * refusal goes out with what the socket takes at once. */
		s->pty.st = SIDE_DONE;
		s->state = S_DRAINING;
		return;
	}
	s->pty.fd = fd;
	if (relay_nonblock(fd) == -1)
		fatal("pty: O_NONBLOCK");
	st->tty[sizeof(st->tty) - 1] = '\0';
	strlcpy(s->tty, st->tty, sizeof(s->tty));
	s->state = S_RELAYING;
	log_trace(s, DBG_REPORT, "program started on %s", s->tty);
	/* A NAWS that came while the monitor was starting. */
	relay_set_winsize(s);
	/* Line mode, LFLOW: the pty's modes to the client. */
	tty_mode_start(s);
}

/* EXITED: the program ended.  Its last output is still read, until the
 * pty reports EIO or is quiet for DRAIN_IDLE_MS (something else, a
 * background job, may hold it open).  With --report there is no program:
 * the report is flushed and the session closed. */
static void
program_exited(struct session *s)
{
	if (s->pty.fd == -1 && s->state == S_STARTING) {
		s->pty.st = SIDE_DONE;
		begin_draining(s);
	} else if (s->pty.st == SIDE_OPEN) {
		s->pty.st = SIDE_HALF_CLOSED;
		s->dl[DL_PROGRAM_QUIET] = now_ms() + DRAIN_IDLE_MS;
	}
}

/* A message from the monitor; -1 when it is gone or broke the protocol. */
int
relay_monitor(struct session *s)
{
	union {
		uint32_t type;
		struct ps_started st;
		struct ps_exited ex;
	} m;
	int fd = -1;
	ssize_t n;

	if ((n = ps_recv(s->mon, &m, sizeof(m), &fd)) <= 0)
		return -1;	/* the monitor is gone */
	if (m.type == PS_STARTED && (size_t)n == sizeof(m.st) &&
	    s->state == S_STARTING) {
		program_started(s, &m.st, fd);
		return 0;
	}
	if (fd != -1)
		close(fd);
	if (m.type == PS_EXITED && (size_t)n == sizeof(m.ex)) {
		program_exited(s);
		return 0;
	}
	log_warnx("unexpected message from monitor");
	return -1;
}

/* The answers are in, or the deadline passed: START to the monitor.  With
 * --report there is no program: the report is the session. */
int
request_start(struct session *s)
{
	size_t n;

	if (negotiate_start(s) == -1)
		return -1;
	s->state = S_STARTING;
	s->dl[DL_NEGOTIATE] = 0;
	if (s->cfg->report == REPORT_SHOW) {
		n = report_text(s, (char *)s->scratch, REPORT_MAX);
		relay_reply(s, s->scratch, n);
	}
	return 0;
}

/*
 * The relay ends.  If the client went during the probes
 * (probe_client_gone), the report of what came goes now, and no START.
 * With --report the monitor answers a report with EXITED (there is no
 * program): waited for, within a second, so that it does not write to a
 * relay that is gone and log that as a failure.
 */
void
report_end(struct session *s)
{
	struct pollfd pfd;

	if (s->mon == -1)
		return;
	if (s->state == S_PROBING && probe_client_gone(s, now_ms())) {
		if (report_send(s) == -1) {
			log_warn("report");
			return;
		}
		s->state = S_STARTING;
	}
	if (s->state != S_STARTING || s->cfg->report != REPORT_SHOW)
		return;
	pfd.fd = s->mon;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) == 1)
		(void)relay_monitor(s);
}

/* The opening is over: with --report the probes first (S_PROBING, whose
 * steps and deadline are probe.c's), else START. */
int
opening_done(struct session *s, int64_t now)
{
	s->dl[DL_NEGOTIATE] = 0;
	if (probe_begin(s, now)) {
		s->state = S_PROBING;
		return 0;
	}
	return request_start(s);
}

