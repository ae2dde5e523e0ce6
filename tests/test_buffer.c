/*
 * test_buffer.c - the bounded buffer and the network queue (buffer.c):
 * append/consume/space at every boundary, all-or-nothing appends, netclear
 * keeping commands whole and finishing a half-sent "IAC IAC" or CR pair,
 * the urgent DM going out alone with MSG_OOB over a real TCP pair, and a
 * held tail: not sent until released, kept by netclear, behind the DM.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "telnetd.h"

static void
test_buf_bounds(void **state)
{
	struct buffer b;
	unsigned char tmp[64];
	size_t size, n;

	(void)state;
	/* Sweep sizes and fill levels: exactly full works, one more fails. */
	for (size = 1; size <= 33; size += 4) {
		assert_int_equal(buf_init(&b, size), 0);
		for (n = 0; n <= size; n++) {
			buf_reset(&b);
			memset(tmp, 'a', sizeof(tmp));
			assert_int_equal(buf_append(&b, tmp, n), 0);
			assert_int_equal(buf_len(&b), n);
			assert_int_equal(buf_space(&b), size - n);
			assert_int_equal(buf_append(&b, tmp, size - n + 1), -1);
			assert_int_equal(buf_len(&b), n);	/* nothing */
		}
		buf_free(&b);
	}
	assert_int_equal(buf_init(&b, 0), -1);
}

static void
test_buf_consume_compacts(void **state)
{
	struct buffer b;
	unsigned char *p;

	(void)state;
	assert_int_equal(buf_init(&b, 8), 0);
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 4);
	assert_memory_equal(buf_ptr(&b), "ef", 2);
	/* 6 more only fit after moving "ef" to the front. */
	assert_int_equal(buf_append(&b, "ghijkl", 6), 0);
	assert_int_equal(buf_len(&b), 8);
	assert_memory_equal(buf_ptr(&b), "efghijkl", 8);
	assert_null(buf_reserve(&b, 1));
	buf_consume(&b, 100);		/* more than there is: empties */
	assert_int_equal(buf_len(&b), 0);
	p = buf_reserve(&b, 8);
	assert_non_null(p);
	memcpy(p, "12345678", 8);
	buf_commit(&b, 8);
	assert_memory_equal(buf_ptr(&b), "12345678", 8);
	buf_free(&b);
}

/* A connected TCP pair on loopback; *srv is the side we write from. */
static void
tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int l, on = 1;

	l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(*cli, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*srv = accept(l, NULL, NULL);
	assert_true(*srv >= 0);
	setsockopt(*srv, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	close(l);
}

static size_t
read_all(int fd, unsigned char *buf, size_t size)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t got = 0;
	ssize_t n;

	while (got < size && poll(&p, 1, 200) > 0) {
		n = recv(fd, buf + got, size - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Trimming: an empty buffer that was written gives its pages back and
 * reads as zero afterwards; one holding bytes keeps them; the network
 * queue trims only when nothing at all is queued, and an emptied segment
 * ring starts over at its first entry. */
static void
test_trim(void **state)
{
	struct buffer b;
	struct netq q;
	unsigned char *p;
	size_t i;

	(void)state;
	assert_int_equal(buf_init(&b, 3 * 4096 + 5), 0);
	assert_int_equal(buf_trim(&b), 0);		/* never written */
	assert_int_equal(buf_append(&b, "hello", 5), 0);
	assert_int_equal(buf_trim(&b), 0);		/* holds bytes */
	assert_memory_equal(buf_ptr(&b), "hello", 5);
	buf_consume(&b, 5);
	p = b.data;
	memset(p, 'x', 3 * 4096 + 5);
	assert_int_equal(buf_trim(&b), 1);
	for (i = 0; i < 3 * 4096; i++)
		if (p[i] != 0)
			fail_msg("byte %zu survived the trim", i);
	assert_int_equal(buf_trim(&b), 0);		/* nothing new */
	assert_int_equal(buf_append(&b, "again", 5), 0);
	assert_memory_equal(buf_ptr(&b), "again", 5);
	assert_int_equal(buf_len(&b), 5);
	buf_free(&b);

	assert_int_equal(netq_init(&q, NETOUT_MIN), 0);
	assert_int_equal(netq_trim(&q), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(netq_append(&q, i % 2 ? NETQ_CMD : NETQ_DATA,
		    "abc", 3, 0), 0);
	assert_int_equal(q.nseg, 3);
	assert_int_equal(netq_trim(&q), 0);		/* queued */
	{
		int sv[2];
		char got[16];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		assert_int_equal(netq_flush(&q, sv[0]), 9);
		assert_int_equal(read(sv[1], got, sizeof(got)), 9);
		close(sv[0]);
		close(sv[1]);
	}
	assert_int_equal(q.nseg, 0);
	assert_int_equal(q.shead, 0);		/* the ring starts over */
	assert_int_equal(netq_trim(&q), 1);
	assert_int_equal(netq_append(&q, NETQ_DATA, "z", 1, 0), 0);
	assert_int_equal(netq_len(&q), 1);
	netq_free(&q);
}

static void
test_netq_clear_keeps_commands(void **state)
{
	static const unsigned char cmd1[] = { 255, 251, 1 };	/* WILL ECHO */
	static const unsigned char cmd2[] = { 255, 246 };	/* AYT */
	struct netq *q;
	unsigned char out[64];
	int cli, srv;

	(void)state;
	q = test_malloc(sizeof(*q));
	assert_int_equal(netq_init(q, 256), 0);
	assert_int_equal(netq_append(q, NETQ_DATA, "hello", 5, 0), 0);
	assert_int_equal(netq_append(q, NETQ_CMD, cmd1, 3, 0), 0);
	assert_int_equal(netq_append(q, NETQ_DATA, "world", 5, 0), 0);
	assert_int_equal(netq_append(q, NETQ_DATA, "!!", 2, 0), 0);
	assert_int_equal(netq_append(q, NETQ_CMD, cmd2, 2, 0), 0);
	assert_int_equal(netq_len(q), 17);
	netq_clear(q);
	assert_int_equal(netq_len(q), 5);
	assert_int_equal(q->nseg, 1);	/* the two commands, merged */
	assert_int_equal(netq_append(q, NETQ_CMD, "\xff\xf2", 2, 1), 0);

	tcp_pair(&cli, &srv);
	assert_int_equal(netq_flush(q, srv), 7);
	assert_int_equal(netq_len(q), 0);
	assert_int_equal(read_all(cli, out, sizeof(out)), 6);
	assert_memory_equal(out, "\xff\xfb\x01\xff\xf6\xff", 6);
	/* The DM is the urgent byte: at the mark, read with MSG_OOB. */
	assert_int_equal(recv(cli, out, 1, MSG_OOB), 1);
	assert_int_equal(out[0], 0xf2);
	close(cli);
	close(srv);
	netq_free(q);
	test_free(q);
}

/* A writer of its own (TLS) takes the head in pieces, the DM in line;
 * what it took leaves the queue as a send would, so abort-output still
 * keeps a half-taken IAC pair whole. */
static void
test_netq_head_and_sent(void **state)
{
	static const unsigned char d[] = { 'a', 255, 255, 'b' };
	const unsigned char *p;
	struct netq *q;
	size_t n;

	(void)state;
	q = test_malloc(sizeof(*q));
	assert_int_equal(netq_init(q, 64), 0);
	assert_int_equal(netq_append(q, NETQ_DATA, d, sizeof(d), 0), 0);
	assert_int_equal(netq_append(q, NETQ_CMD, "\xff\xf2", 2, 1), 0);
	p = netq_head(q, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(p, "a\xff\xff" "b\xff\xf2", 6);
	netq_sent(q, 2);		/* up to the first IAC of the pair */
	assert_int_equal(q->iac_odd, 1);
	assert_int_equal(q->urgent, 1);
	netq_clear(q);			/* the second IAC and the DM stay */
	p = netq_head(q, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "\xff\xff\xf2", 3);
	netq_sent(q, 3);
	assert_int_equal(netq_len(q), 0);
	assert_int_equal(q->urgent, 0);
	netq_free(q);
	test_free(q);
}

static void
test_netq_clear_finishes_half_sent_pairs(void **state)
{
	/* Data "a" IAC IAC "b": cut after the first IAC keeps the second. */
	static const unsigned char d1[] = { 'a', 255, 255, 'b', 'c' };
	static const unsigned char d2[] = { 'x', '\r', '\0', 'y' };
	struct netq *q;
	int cli, srv, sz = 4096;
	unsigned char out[8];

	(void)state;
	q = test_malloc(sizeof(*q));
	assert_int_equal(netq_init(q, 64), 0);
	tcp_pair(&cli, &srv);
	(void)sz;

	/* Simulate a partial send by flushing a queue that holds only the
	 * first two bytes, then appending the rest of the chunk: the queue
	 * sees one data span that was partly sent. */
	assert_int_equal(netq_append(q, NETQ_DATA, d1, 2, 0), 0);
	assert_int_equal(netq_flush(q, srv), 2);
	assert_int_equal(q->iac_odd, 1);
	assert_int_equal(netq_append(q, NETQ_DATA, d1 + 2, 3, 0), 0);
	q->head_partial = 1;
	netq_clear(q);
	assert_int_equal(netq_len(q), 1);	/* the second IAC only */
	assert_int_equal(netq_flush(q, srv), 1);
	assert_int_equal(read_all(cli, out, sizeof(out)), 3);
	assert_memory_equal(out, "a\xff\xff", 3);

	/* A CR already sent keeps its NUL. */
	assert_int_equal(netq_append(q, NETQ_DATA, d2, 2, 0), 0);
	assert_int_equal(netq_flush(q, srv), 2);
	assert_int_equal(netq_append(q, NETQ_DATA, d2 + 2, 2, 0), 0);
	q->head_partial = 1;
	netq_clear(q);
	assert_int_equal(netq_len(q), 1);
	assert_int_equal(netq_flush(q, srv), 1);
	assert_int_equal(read_all(cli, out, sizeof(out)), 3);
	assert_memory_equal(out, "x\r\0", 3);

	/* An even IAC run (complete pairs) keeps nothing. */
	assert_int_equal(netq_append(q, NETQ_DATA, d1, 3, 0), 0);
	assert_int_equal(netq_flush(q, srv), 3);
	assert_int_equal(q->iac_odd, 0);
	assert_int_equal(netq_append(q, NETQ_DATA, "zz", 2, 0), 0);
	q->head_partial = 1;
	netq_clear(q);
	assert_int_equal(netq_len(q), 0);

	close(cli);
	close(srv);
	netq_free(q);
	test_free(q);
}

/* The client's side of a Synch: the urgent byte is the DM, and the
 * in-band bytes (the DM's IAC among them) are want. */
static void
expect_synch(int cli, const void *want, size_t n)
{
	unsigned char out[64];

	assert_int_equal(recv(cli, out, 1, MSG_OOB), 1);
	assert_int_equal(out[0], 0xf2);
	assert_int_equal(read_all(cli, out, sizeof(out)), n);
	assert_memory_equal(out, want, n);
}

/* Held bytes: netq_flush() stops before them until they are released, and
 * data queued after the hold (merged into the same span) waits too. */
static void
test_netq_hold_waits(void **state)
{
	struct netq *q;
	unsigned char out[64];
	int cli, srv;

	(void)state;
	q = test_malloc(sizeof(*q));
	assert_int_equal(netq_init(q, 256), 0);
	tcp_pair(&cli, &srv);
	assert_int_equal(netq_append(q, NETQ_DATA, "sent", 4, 0), 0);
	netq_hold(q);
	assert_int_equal(netq_ready(q), 4);
	assert_int_equal(netq_append(q, NETQ_DATA, "held", 4, 0), 0);
	assert_int_equal(q->nseg, 1);		/* one span, cut by the hold */
	assert_int_equal(netq_len(q), 8);
	assert_int_equal(netq_ready(q), 4);
	assert_int_equal(netq_flush(q, srv), 4);
	assert_int_equal(netq_flush(q, srv), 0);	/* nothing ready */
	assert_int_equal(netq_len(q), 4);
	assert_int_equal(netq_ready(q), 0);
	/* A new hold replaces the old one. */
	netq_hold(q);
	assert_int_equal(netq_ready(q), 4);
	assert_int_equal(netq_append(q, NETQ_CMD, "\xff\xf1", 2, 0), 0);
	assert_int_equal(netq_flush(q, srv), 4);
	netq_release(q);
	assert_int_equal(netq_ready(q), 2);
	assert_int_equal(netq_flush(q, srv), 2);
	assert_int_equal(read_all(cli, out, sizeof(out)), 10);
	assert_memory_equal(out, "sentheld\xff\xf1", 10);
	close(cli);
	close(srv);
	netq_free(q);
	test_free(q);
}

/* Queue bytes [from, to) of "old!!" IAC WILL ECHO, data then command. */
static void
queue_pre(struct netq *q, size_t from, size_t to, size_t len)
{
	static const unsigned char pre[] = "old!!\xff\xfb\x01";

	if (to > len)
		to = len;
	if (from < 5 && from < to)
		assert_int_equal(netq_append(q, NETQ_DATA, pre + from,
		    (to < 5 ? to : 5) - from, 0), 0);
	if (to > 5 && to > from)
		assert_int_equal(netq_append(q, NETQ_CMD, pre + (from > 5 ?
		    from : 5), to - (from > 5 ? from : 5), 0), 0);
}

/*
 * Abort-output with a held read: the data not yet sent is dropped except
 * what is held, commands stay (a command the socket cut is finished), and
 * the urgent DM goes in ahead of the held bytes, whether the hold starts
 * a span, cuts a span in two, or starts where the flush stopped.  Swept
 * over how much had been sent before.
 */
static void
test_netq_clear_keeps_held(void **state)
{
	static const unsigned char pre[] = "old!!\xff\xfb\x01";
	struct netq *q;
	unsigned char want[64];
	size_t len, sent, w;
	int cli, srv, cut;

	(void)state;
	q = test_malloc(sizeof(*q));
	tcp_pair(&cli, &srv);
	for (len = 5; len <= 8; len += 3) {
		for (sent = 0; sent <= len + 1; sent++) {
			cut = sent > len;	/* the flush stops at the hold */
			assert_int_equal(netq_init(q, 256), 0);
			if (!cut) {
				queue_pre(q, 0, sent, len);
				assert_int_equal(netq_flush(q, srv),
				    (ssize_t)sent);
			}
			queue_pre(q, cut ? 0 : sent, len, len);
			netq_hold(q);
			assert_int_equal(netq_append(q, NETQ_DATA, "NEW", 3,
			    0), 0);
			if (cut)
				assert_int_equal(netq_flush(q, srv),
				    (ssize_t)len);
			netq_clear(q);
			assert_int_equal(netq_append(q, NETQ_CMD, "\xff\xf2",
			    2, 1), 0);
			assert_int_equal(netq_flush(q, srv),
			    (ssize_t)netq_ready(q));
			netq_release(q);
			assert_int_equal(netq_flush(q, srv), 3);
			assert_int_equal(netq_len(q), 0);

			/* What was sent, the command if not yet sent,
			 * then IAC, the DM (read urgent) and NEW. */
			w = cut ? len : sent;
			memcpy(want, pre, w);
			if (w < len && len == 8) {
				memcpy(want + w, pre + (w > 5 ? w : 5),
				    8 - (w > 5 ? w : 5));
				w += 8 - (w > 5 ? w : 5);
			}
			memcpy(want + w, "\xff" "NEW", 4);
			expect_synch(cli, want, w + 4);
			netq_free(q);
		}
	}
	close(cli);
	close(srv);
	test_free(q);
}

/*
 * The urgent DM and a hold: with nothing held yet it goes out at once;
 * when the socket cut a doubled IAC and the held read follows in the same
 * span, the clear finishes the pair and the DM cuts the span between the
 * pair and the held bytes.
 */
static void
test_netq_urgent_ahead_of_hold(void **state)
{
	struct netq *q;
	int cli, srv;

	(void)state;
	q = test_malloc(sizeof(*q));
	tcp_pair(&cli, &srv);
	assert_int_equal(netq_init(q, 64), 0);
	assert_int_equal(netq_append(q, NETQ_DATA, "ab", 2, 0), 0);
	netq_hold(q);
	netq_clear(q);
	assert_int_equal(netq_len(q), 0);
	assert_int_equal(netq_append(q, NETQ_CMD, "\xff\xf2", 2, 1), 0);
	assert_int_equal(netq_ready(q), 2);
	assert_int_equal(netq_append(q, NETQ_DATA, "cd", 2, 0), 0);
	assert_int_equal(netq_flush(q, srv), 2);
	netq_release(q);
	assert_int_equal(netq_flush(q, srv), 2);
	expect_synch(cli, "\xff" "cd", 3);
	netq_free(q);

	assert_int_equal(netq_init(q, 64), 0);
	assert_int_equal(netq_append(q, NETQ_DATA, "a\xff", 2, 0), 0);
	assert_int_equal(netq_flush(q, srv), 2);
	assert_int_equal(netq_append(q, NETQ_DATA, "\xff", 1, 0), 0);
	q->head_partial = 1;		/* the rest of the span sent above */
	netq_hold(q);
	assert_int_equal(netq_append(q, NETQ_DATA, "NEW", 3, 0), 0);
	assert_int_equal(q->nseg, 1);
	netq_clear(q);
	assert_int_equal(netq_len(q), 4);
	assert_int_equal(netq_append(q, NETQ_CMD, "\xff\xf2", 2, 1), 0);
	assert_int_equal(q->nseg, 3);
	assert_int_equal(netq_flush(q, srv), 3);
	netq_release(q);
	assert_int_equal(netq_flush(q, srv), 3);
	expect_synch(cli, "a\xff\xff\xff" "NEW", 7);
	close(cli);
	close(srv);
	netq_free(q);
	test_free(q);
}

/* A send that leaves only the held last read offers the whole queue but
 * that byte, though less than half of it was sent: a queue of
 * --output-buffer's least once offered less than the reply reserve here,
 * and the relay waited for its idle timer after every send. */
static void
test_netq_room_after_send_leaves_the_hold(void **state)
{
	struct netq *q;
	unsigned char *blob, out[4096];
	size_t half, got = 0;
	ssize_t r;
	int cli, srv;

	(void)state;
	q = test_malloc(sizeof(*q));
	assert_int_equal(netq_init(q, NETOUT_MIN), 0);
	half = q->b.size / 2 - 1;
	blob = test_malloc(half);
	memset(blob, 'r', half);
	tcp_pair(&cli, &srv);
	assert_int_equal(netq_append(q, NETQ_DATA, blob, half, 0), 0);
	netq_hold(q);
	assert_int_equal(netq_append(q, NETQ_DATA, "h", 1, 0), 0);
	assert_int_equal(netq_flush(q, srv), (ssize_t)half);
	assert_int_equal(netq_len(q), 1);
	assert_true(netq_room(q) > NETOUT_RESERVE + IO_CHUNK / 8);
	assert_int_equal(netq_room(q), q->b.size - 1);
	while (got < half && (r = read(cli, out, sizeof(out))) > 0)
		got += (size_t)r;
	assert_int_equal(got, half);
	close(cli);
	close(srv);
	test_free(blob);
	netq_free(q);
	test_free(q);
}

static void
test_netq_full(void **state)
{
	struct netq *q;
	unsigned char blob[100];
	size_t i;

	(void)state;
	memset(blob, 'z', sizeof(blob));
	q = test_malloc(sizeof(*q));
	assert_int_equal(netq_init(q, 100), 0);
	assert_int_equal(netq_append(q, NETQ_DATA, blob, 100, 0), 0);
	assert_int_equal(netq_space(q), 0);
	assert_int_equal(netq_append(q, NETQ_CMD, blob, 1, 0), -1);
	assert_int_equal(netq_len(q), 100);
	netq_free(q);

	/* The span table is bounded too: alternating kinds fill it. */
	assert_int_equal(netq_init(q, NETOUT_SEGS * 2 + 16), 0);
	for (i = 0; i < NETOUT_SEGS; i++)
		assert_int_equal(netq_append(q, i & 1 ? NETQ_CMD : NETQ_DATA,
		    blob, 1, 0), 0);
	assert_int_equal(netq_append(q, NETQ_DATA, blob, 1, 0), -1);
	assert_int_equal(netq_space(q), 0);
	netq_clear(q);
	assert_int_equal(netq_len(q), NETOUT_SEGS / 2);
	netq_free(q);
	test_free(q);
}

static void
test_log_safe(void **state)
{
	char out[LOG_STR_MAX + 1], small[8];
	char longs[300];

	(void)state;
	assert_string_equal(log_safe(out, sizeof(out), "ok\n\x1b[2J", 7),
	    "ok??[2J");
	memset(longs, 'a', sizeof(longs));
	log_safe(out, sizeof(out), longs, sizeof(longs));
	assert_int_equal(strlen(out), LOG_STR_MAX);
	assert_string_equal(out + LOG_STR_MAX - 3, "...");
	assert_string_equal(log_safe(small, sizeof(small), "abcdefghij", 10),
	    "abcd...");
	assert_string_equal(log_safe(small, sizeof(small), "\xff\x80", 2),
	    "??");
}

static void
test_issue_expand(void **state)
{
	const char *in = "tty %t, \\l; 100%% \\\\ %q \\q end";
	char out[256];
	size_t n;

	(void)state;
	n = issue_expand(in, strlen(in), out, sizeof(out), "pts/7", "client");
	out[n] = '\0';
	assert_string_equal(out, "tty pts/7, pts/7; 100% \\ %q \\q end");
	/* Bounded output. */
	n = issue_expand("%t%t%t", 6, out, 8, "pts/77", "h");
	assert_int_equal(n, 8);
	/* A trailing escape character is printed as it is. */
	n = issue_expand("50%", 3, out, sizeof(out), "t", "h");
	assert_int_equal(n, 3);
	assert_memory_equal(out, "50%", 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_bounds),
		cmocka_unit_test(test_buf_consume_compacts),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_netq_clear_keeps_commands),
		cmocka_unit_test(test_netq_clear_finishes_half_sent_pairs),
		cmocka_unit_test(test_netq_head_and_sent),
		cmocka_unit_test(test_netq_hold_waits),
		cmocka_unit_test(test_netq_clear_keeps_held),
		cmocka_unit_test(test_netq_urgent_ahead_of_hold),
		cmocka_unit_test(test_netq_room_after_send_leaves_the_hold),
		cmocka_unit_test(test_netq_full),
		cmocka_unit_test(test_log_safe),
		cmocka_unit_test(test_issue_expand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
