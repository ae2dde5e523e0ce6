/*
 * ldisc_room.c - how much client input the pty's line discipline can take
 * while EXTPROC is set, so that none of it is dropped.
 *
 * With EXTPROC and ICANON set, Linux's line discipline queues input raw in
 * a 4 KiB buffer, but still counts that buffer as a canonical one when it
 * is full: if no line ends in it (canon_head == read_tail, which EXTPROC's
 * raw queueing never moves), it keeps taking bytes one at a time,
 * overwriting the last, instead of leaving them in the pty's flip buffer
 * for later (n_tty_receive_buf_common).  Once the program has read
 * anything the test fails and the pty holds the writer back as usual; but
 * from every change of ICANON or EXTPROC (the program's, or ours) until the
 * program's next read it holds, so a paste of more than 4 KiB that arrives
 * before the program reads (a command just started, a program busy) lost
 * all but about its first 4 KiB.
 *
 * So the relay never lets more than LDISC_SAFE bytes be unread in the line
 * discipline while EXTPROC is set: it counts what it wrote since it last
 * saw the queue empty (s->ld_unproven), and once that would pass
 * LDISC_SAFE it looks again.  Looking: the pty's slave side, opened from
 * the master (TIOCGPTPEER, for a moment, without becoming anyone's
 * terminal), polled, which runs the pty's buffer work when the line
 * discipline is empty and so moves anything still in the flip buffer into
 * it, then FIONREAD, which with EXTPROC (or without ICANON) counts the
 * line discipline's bytes.  Zero means the program has read everything
 * written so far: the count starts again.  Otherwise client input waits,
 * looked at again after the program's next output or after a deadline
 * that doubles up to LDISC_WAIT_MAX_MS.  The count is kept in every mode
 * (bytes written before EXTPROC came on may still be unread) and only
 * acted on while EXTPROC is set.  The same look tells pty_input.c when
 * the program has read everything before a linemode EOF (ldisc_drained),
 * and keeps anything from joining the VEOF it writes (ldisc_barrier).
 */
#include <sys/types.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox.h"
#include "telnetd.h"


/*
 * The line discipline's buffer is 4096 bytes and drops input once 4095
 * are unread.  Half of it: a byte the line discipline stores twice
 * (PARMRK's \377 \377 outside EXTPROC's raw path) still fits.
 */
#define LDISC_SAFE		2000
#define LDISC_WAIT_MIN_MS	1
#define LDISC_WAIT_MAX_MS	128
/* Reads of 512 bytes that empty the line discipline (LDISC_SAFE unread,
 * end-of-file marks among them). */
#define LDISC_DISCARD_READS	16

/* A packet-mode status not read yet (POLLPRI on the master).  The
 * program's tcflush(TCIFLUSH) empties the line discipline and sets
 * FLUSHREAD in one step, under the lock FIONREAD takes: a queue seen
 * empty by a flush has its status pending by then. */
static int
status_pending(const struct session *s)
{
	struct pollfd p;

	p.fd = s->pty.fd;
	p.events = POLLPRI;
	return poll(&p, 1, 0) == 1 && (p.revents & POLLPRI) != 0;
}

/* The bytes waiting in the line discipline; 0 too where that cannot be
 * told, which leaves input unpaced as before (no TIOCGPTPEER, logged
 * once).  With ICANON and without EXTPROC (a VEOF's window, pty_input.c,
 * or a program that took EXTPROC off itself) FIONREAD counts the bytes of
 * whole lines only, and an end-of-file mark as nothing: poll's POLLIN,
 * which says a whole line or an EOF waits, stands for them (1).
 *
 * Empty with a status pending counts as not empty (1): it may be the
 * program's flush, not its reads, that emptied it, and what waits behind
 * (the rest of a paste, an EOF) was flushed too; pty_packet() drops it
 * once the loop reads the status.  Taken for reads, it went to the
 * program after its flush (a relay descheduled between its poll and this
 * look). */
static int
ldisc_unread(struct session *s)
{
	struct pollfd p;
	struct termios t;
	int fd, n = 0;

	fd = ioctl(s->pty.fd, TIOCGPTPEER, SANDBOX_PEER_FLAGS);
	if (fd == -1) {
		if (!(s->limits_logged & LIM_LDISC)) {
			s->limits_logged |= LIM_LDISC;
			log_warn("TIOCGPTPEER: line mode input is not paced");
		}
		return 0;
	}
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, 0) != -1 && tcgetattr(fd, &t) == 0) {
		if ((t.c_lflag & ICANON) && !(t.c_lflag & EXTPROC))
			n = (p.revents & POLLIN) != 0;
		else if (ioctl(fd, FIONREAD, &n) == -1)
			n = 0;
	}
	(void)close(fd);
	if (n == 0 && status_pending(s))
		n = 1;
	return n;
}

/* The line discipline seen empty: the count starts again. */
static void
ldisc_empty(struct session *s)
{
	s->ld_unproven = 0;
	s->ld_wait_ms = 0;
	s->dl[DL_LDISC] = 0;
}

/* The program has not read it all yet: look again later. */
static void
wait_more(struct session *s, int unread)
{
	s->ld_wait_ms = s->ld_wait_ms == 0 ? LDISC_WAIT_MIN_MS :
	    s->ld_wait_ms * 2;
	if (s->ld_wait_ms > LDISC_WAIT_MAX_MS)
		s->ld_wait_ms = LDISC_WAIT_MAX_MS;
	s->dl[DL_LDISC] = now_ms() + s->ld_wait_ms;
	log_trace(s, DBG_PTYDATA, "line discipline holds %d bytes: input "
	    "waits %d ms", unread, s->ld_wait_ms);
}

size_t
ldisc_room(struct session *s, size_t want)
{
	size_t left;
	int n;

	left = s->ld_unproven < LDISC_SAFE ? LDISC_SAFE - s->ld_unproven : 0;
	if (!s->lm_ext || want <= left)
		return want;
	if (s->dl[DL_LDISC] != 0)
		return left;
	if ((n = ldisc_unread(s)) == 0) {
		ldisc_empty(s);
		return want < LDISC_SAFE ? want : LDISC_SAFE;
	}
	if (left == 0)
		wait_more(s, n);
	return left;
}

int
ldisc_drained(struct session *s)
{
	int n;

	if (s->ld_unproven == 0)
		return 1;
	if (s->dl[DL_LDISC] != 0)
		return 0;
	if ((n = ldisc_unread(s)) == 0) {
		ldisc_empty(s);
		return 1;
	}
	wait_more(s, n);
	return 0;
}

void
ldisc_barrier(struct session *s)
{
	if (s->ld_unproven < LDISC_SAFE)
		s->ld_unproven = LDISC_SAFE;
}

/*
 * What the line discipline holds, dropped: a signal from the client goes
 * through TIOCSIG, which leaves the input queue as it is, where ISIG's own
 * characters flush it (pty_input.c).  The slave side opened here is
 * read-only: it is read to its end (EAGAIN) and what comes is dropped,
 * at most LDISC_DISCARD_READS reads; an end-of-file mark reads as 0.
 */
void
ldisc_discard(struct session *s)
{
	unsigned char b[512];
	ssize_t n = 0;
	int fd, i;

	if ((fd = ioctl(s->pty.fd, TIOCGPTPEER, SANDBOX_PEER_FLAGS)) == -1)
		return;
	for (i = 0; i < LDISC_DISCARD_READS; i++)
		if ((n = read(fd, b, sizeof(b))) == -1)
			break;
	if (n == -1 && errno == EAGAIN)
		ldisc_empty(s);
	(void)close(fd);
}

void
ldisc_written(struct session *s, size_t n)
{
	/* Kept from growing without end in bulk input outside EXTPROC. */
	s->ld_unproven = s->ld_unproven < LDISC_SAFE ? s->ld_unproven + n :
	    LDISC_SAFE + 1;
}

int
ldisc_waiting(struct session *s, int64_t now)
{
	if (s->dl[DL_LDISC] == 0)
		return 0;
	if (now < s->dl[DL_LDISC])
		return 1;
	s->dl[DL_LDISC] = 0;	/* due: the next write looks */
	return 0;
}

/* The program wrote: it may have read too. */
void
ldisc_look(struct session *s)
{
	if (s->dl[DL_LDISC] != 0 && ldisc_unread(s) == 0)
		ldisc_empty(s);
}
