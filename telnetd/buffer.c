/*
 * buffer.c - a bounded byte buffer, and the queue to the network built on
 * it.  Nothing here grows: a buffer that is full says so, and the caller
 * stops reading the side that fills it (back-pressure).
 *
 * The network queue remembers which queued bytes are data and which are
 * TELNET commands, so abort-output (netclear) can drop the data without
 * ever splitting a command or an "IAC IAC" pair.  Its tail can be held
 * back: bytes whose place relative to an abort-output is not known yet
 * (relay_read_pty() says why) are not sent, survive the clear, and the
 * urgent DM goes in ahead of them.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buffer.h"
#include "log.h"
#include "telnet.h"

/*
 * Buffers are whole pages of their own (mmap), not heap chunks, so that
 * the pages they hold can be handed back while a session is idle
 * (pages_discard): an idle session should cost what its state costs, not
 * what its last burst of traffic did.  Pages never written are never
 * backed by memory at all.
 */
static size_t
pages_len(size_t size)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (size + pg - 1) / pg * pg;
}

void *
pages_alloc(size_t size)
{
	void *p = mmap(NULL, pages_len(size), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void
pages_free(void *p, size_t size)
{
	if (p != NULL)
		(void)munmap(p, pages_len(size));
}

void
pages_discard(void *p, size_t size)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	uintptr_t b = ((uintptr_t)p + size) & ~(pg - 1);

	/* The whole pages inside [p, p + size), of private anonymous
	 * memory: the next touch maps a zero page.  It cannot fail on
	 * memory we own, and nothing would change if it did. */
	if (p != NULL && b > a)
		(void)madvise((void *)a, b - a, MADV_DONTNEED);
}

void
pages_reset(void *p, size_t size)
{
	pages_discard(p, pages_len(size));
}

int
buf_init(struct buffer *b, size_t size)
{
	memset(b, 0, sizeof(*b));
	if (size == 0)
		return -1;
	if ((b->data = pages_alloc(size)) == NULL)
		return -1;
	b->size = size;
	return 0;
}

void
buf_free(struct buffer *b)
{
	pages_free(b->data, b->size);
	memset(b, 0, sizeof(*b));
}

int
buf_trim(struct buffer *b)
{
	if (b->len != 0 || !b->used)
		return 0;
	pages_discard(b->data, b->size);
	b->off = 0;
	b->used = 0;
	return 1;
}

size_t
buf_len(const struct buffer *b)
{
	return b->len;
}

size_t
buf_space(const struct buffer *b)
{
	return b->size - b->len;
}

const unsigned char *
buf_ptr(const struct buffer *b)
{
	return b->data + b->off;
}

unsigned char *
buf_reserve(struct buffer *b, size_t n)
{
	if (n > b->size - b->len)
		return NULL;
	if (n > b->size - b->off - b->len) {
		/* Move the unconsumed bytes to the front. */
		if (b->len > 0)
			memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	b->used = 1;
	return b->data + b->off + b->len;
}

void
buf_commit(struct buffer *b, size_t n)
{
	if (n > b->size - b->off - b->len)
		n = b->size - b->off - b->len;
	b->len += n;
}

int
buf_append(struct buffer *b, const void *p, size_t n)
{
	unsigned char *dst;

	if (n == 0)
		return 0;
	if ((dst = buf_reserve(b, n)) == NULL)
		return -1;
	memcpy(dst, p, n);
	b->len += n;
	return 0;
}

unsigned char *
buf_edit(struct buffer *b)
{
	return b->data + b->off;
}

void
buf_keep(struct buffer *b, size_t n)
{
	if (n < b->len)
		b->len = n;
	if (b->len == 0)
		b->off = 0;
}

void
buf_consume(struct buffer *b, size_t n)
{
	if (n >= b->len) {
		b->off = 0;
		b->len = 0;
		return;
	}
	b->off += n;
	b->len -= n;
}

void
buf_reset(struct buffer *b)
{
	b->off = 0;
	b->len = 0;
}

/* --- the network queue -------------------------------------------------- */

#define SEG(q, i)	((q)->seg[((q)->shead + (i)) % NETOUT_SEGS])

/* The span ring is not cleared: an entry is written before it is read,
 * and a session's struct is zero pages that would each be backed by
 * memory once written, zeros or not. */
int
netq_init(struct netq *q, size_t size)
{
	q->shead = q->nseg = 0;
	q->head_partial = 0;
	q->last_sent = 0;
	q->iac_odd = 0;
	q->urgent = 0;
	q->urgent_at = 0;
	q->held = 0;
	q->hold_at = 0;
	return buf_init(&q->b, size);
}

int
netq_trim(struct netq *q)
{
	return q->nseg == 0 && !q->urgent ? buf_trim(&q->b) : 0;
}

void
netq_free(struct netq *q)
{
	buf_free(&q->b);
	memset(q, 0, sizeof(*q));
}

size_t
netq_len(const struct netq *q)
{
	return q->b.len;
}

size_t
netq_space(const struct netq *q)
{
	if (q->nseg >= NETOUT_SEGS - 1)
		return 0;
	return buf_space(&q->b);
}

size_t
netq_room(const struct netq *q)
{
	const struct buffer *b = &q->b;

	if (q->nseg >= NETOUT_SEGS - 1)
		return 0;
	/* Moving what is left to the front is cheap when it is no more
	 * than the room that frees: past half way, or when little is left,
	 * as after a send that left only the held last read
	 * (relay_read_pty).  Counting only past half way, a queue of
	 * --output-buffer's least (16 KiB) offered less than the reply
	 * reserve after each send, so the relay read nothing until its idle
	 * timer: 80 KiB/s. */
	if (b->len <= b->off)
		return b->size - b->len;
	return b->size - b->off - b->len;
}

/* Room for n bytes of the given kind at the end of the queue, to be filled
 * by the caller and queued with netq_commit(); NULL when full. */
unsigned char *
netq_reserve(struct netq *q, enum netq_kind kind, size_t n)
{
	if (n == 0 || n > buf_space(&q->b) || n > UINT32_MAX / 2)
		return NULL;
	if (q->nseg >= NETOUT_SEGS) {
		/* Only a merge into the last span is possible. */
		const struct netq_seg *last = &SEG(q, q->nseg - 1);

		if (last->kind != kind || last->len > UINT32_MAX / 2)
			return NULL;
	}
	return buf_reserve(&q->b, n);
}

/* Queue n bytes (at most what netq_reserve() was asked for) written at
 * the pointer it returned. */
void
netq_commit(struct netq *q, enum netq_kind kind, size_t n, int urgent)
{
	struct netq_seg *last = NULL;

	if (n == 0)
		return;
	if (q->nseg > 0) {
		last = &SEG(q, q->nseg - 1);
		/* The head span may be partly sent; merging into it is fine:
		 * only its unsent bytes are counted. */
		if (last->kind != kind || last->len > UINT32_MAX / 2)
			last = NULL;
	}
	buf_commit(&q->b, n);
	if (last != NULL)
		last->len += (uint32_t)n;
	else {
		SEG(q, q->nseg).len = (uint32_t)n;
		SEG(q, q->nseg).kind = (uint8_t)kind;
		q->nseg++;
	}
	if (urgent) {
		q->urgent = 1;
		q->urgent_at = q->b.len - 1;
	}
}

void
netq_hold(struct netq *q)
{
	q->held = 1;
	q->hold_at = q->b.len;
}

void
netq_release(struct netq *q)
{
	q->held = 0;
}

size_t
netq_ready(const struct netq *q)
{
	return q->held ? q->hold_at : q->b.len;
}

/* Make span i of the ring start at byte offset `at' (inside it) by cutting
 * it in two; 0, or -1 when the ring has no entry to spare. */
static int
seg_split(struct netq *q, size_t i, size_t at)
{
	size_t j;

	if (at == 0)
		return 0;
	if (q->nseg >= NETOUT_SEGS)
		return -1;
	for (j = q->nseg; j > i; j--)
		SEG(q, j) = SEG(q, j - 1);
	q->nseg++;
	SEG(q, i).len = (uint32_t)at;
	SEG(q, i + 1).len -= (uint32_t)at;
	return 0;
}

/*
 * An urgent chunk (the DM of a Synch) ahead of the held bytes: the Synch
 * tells the client to discard data up to the DM, and held bytes may have
 * been written after what the Synch is about.  Only an abort-output
 * queues one, right after netq_clear() left little but commands, so the
 * span ring has room; -1 (nothing queued) when it has not.
 */
static int
netq_insert_urgent(struct netq *q, enum netq_kind kind, const void *p,
    size_t n)
{
	unsigned char *base;
	size_t i, off = 0;

	if (n > buf_space(&q->b) || q->nseg + 2 > NETOUT_SEGS ||
	    buf_reserve(&q->b, n) == NULL)
		return -1;
	for (i = 0; i < q->nseg && off + SEG(q, i).len <= q->hold_at; i++)
		off += SEG(q, i).len;
	if (i < q->nseg && seg_split(q, i, q->hold_at - off) == -1)
		return -1;
	if (off < q->hold_at)
		i++;			/* the cut made span i end there */
	base = q->b.data + q->b.off;
	memmove(base + q->hold_at + n, base + q->hold_at,
	    q->b.len - q->hold_at);
	memcpy(base + q->hold_at, p, n);
	buf_commit(&q->b, n);
	for (off = q->nseg; off > i; off--)
		SEG(q, off) = SEG(q, off - 1);
	q->nseg++;
	SEG(q, i).len = (uint32_t)n;
	SEG(q, i).kind = (uint8_t)kind;
	/* What was sent of the head span ends at the hold: a clean cut. */
	if (i == 0)
		q->head_partial = 0;
	q->urgent = 1;
	q->urgent_at = q->hold_at + n - 1;
	q->hold_at += n;
	return 0;
}

int
netq_append(struct netq *q, enum netq_kind kind, const void *p, size_t n,
    int urgent)
{
	unsigned char *dst;

	if (n == 0)
		return 0;
	if (urgent && q->held)
		return netq_insert_urgent(q, kind, p, n);
	if ((dst = netq_reserve(q, kind, n)) == NULL)
		return -1;
	memcpy(dst, p, n);
	netq_commit(q, kind, n, urgent);
	return 0;
}

/* Queue-clear's step: keep len bytes read at rd as span kind, written at
 * wr (never after rd), merged into the span before when of that kind. */
static void
clear_keep(struct netq *q, size_t *nseg, size_t rd, size_t *wr, size_t len,
    uint8_t kind)
{
	unsigned char *base = q->b.data + q->b.off;

	if (len == 0)
		return;
	if (*wr != rd)
		memmove(base + *wr, base + rd, len);
	if (*nseg > 0 && SEG(q, *nseg - 1).kind == kind)
		SEG(q, *nseg - 1).len += (uint32_t)len;
	else {
		SEG(q, *nseg).len = (uint32_t)len;
		SEG(q, *nseg).kind = kind;
		(*nseg)++;
	}
	*wr += len;
}

void
netq_clear(struct netq *q)
{
	const unsigned char *base = q->b.data + q->b.off;
	size_t rd = 0, wr = 0, i, nseg = 0, head = 0, hold = q->hold_at;
	int partial = 0;

	for (i = 0; i < q->nseg; i++) {
		struct netq_seg s = SEG(q, i);
		size_t from = s.len;

		if (s.kind == NETQ_CMD)
			from = 0;
		else if (q->held && hold < rd + s.len)
			from = hold > rd ? hold - rd : 0;
		if (i == 0 && q->head_partial) {
			/* Finish what is half on the wire: the second IAC of
			 * a doubled IAC, or the NUL/LF after a CR. */
			if (s.kind == NETQ_DATA)
				head = q->iac_odd || (q->last_sent == '\r' &&
				    (base[0] == '\0' || base[0] == '\n'));
			if (head > from)
				head = from;
			partial = head > 0 || from == 0;
			clear_keep(q, &nseg, rd, &wr, head, s.kind);
		}
		if (q->held && hold >= rd && hold < rd + s.len)
			q->hold_at = wr + (hold - rd > from ? hold - rd - from :
			    0);
		clear_keep(q, &nseg, rd + from, &wr, s.len - from, s.kind);
		rd += s.len;
	}
	if (q->held && hold >= rd)
		q->hold_at = wr;
	q->head_partial = partial;
	q->nseg = nseg;
	q->b.len = wr;
	if (wr == 0)
		q->b.off = 0;
	/* A DM still queued goes out inline; the caller queues a new one. */
	q->urgent = 0;
}

/* The bytes that may be sent now (not the held tail), for a writer other
 * than netq_flush(): the TLS record layer. */
const unsigned char *
netq_head(const struct netq *q, size_t *len)
{
	*len = netq_ready(q);
	return buf_ptr(&q->b);
}

/* Account for n bytes written from the head of the queue. */
void
netq_sent(struct netq *q, size_t n)
{
	const unsigned char *p = buf_ptr(&q->b);

	if (q->urgent) {
		if (n > q->urgent_at)
			q->urgent = 0;
		else
			q->urgent_at -= n;
	}
	if (q->held)
		q->hold_at -= n;	/* nothing held is ever sent */
	buf_consume(&q->b, n);
	while (n > 0 && q->nseg > 0) {
		struct netq_seg *s = &SEG(q, 0);
		size_t take = n < s->len ? n : s->len;

		if (s->kind == NETQ_DATA) {
			size_t c = 0;

			while (c < take && p[take - 1 - c] == TELNET_IAC)
				c++;
			if (c == take)
				q->iac_odd ^= (int)(c & 1);
			else
				q->iac_odd = (int)(c & 1);
			q->last_sent = p[take - 1];
		} else {
			q->iac_odd = 0;
			q->last_sent = 0;
		}
		p += take;
		n -= take;
		s->len -= (uint32_t)take;
		if (s->len == 0) {
			q->shead = (q->shead + 1) % NETOUT_SEGS;
			q->nseg--;
			q->head_partial = 0;
		} else
			q->head_partial = 1;
	}
	/* An empty ring starts over at its first entry: a session that
	 * sends a little at a time keeps using the same few entries (and
	 * memory pages) instead of walking through all of them. */
	if (q->nseg == 0)
		q->shead = 0;
}

ssize_t
netq_flush(struct netq *q, int fd)
{
	size_t total = 0;

	while (netq_ready(q) > 0) {
		size_t n = netq_ready(q);
		int flags = MSG_DONTWAIT | MSG_NOSIGNAL;
		ssize_t w;

		if (q->urgent && q->urgent_at < n) {
			if (q->urgent_at > 0)
				n = q->urgent_at;	/* up to the DM */
			else {
				n = 1;			/* the DM alone */
				flags |= MSG_OOB;
			}
		}
		w = send(fd, buf_ptr(&q->b), n, flags);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		if (flags & MSG_OOB)
			q->urgent = 0;
		netq_sent(q, (size_t)w);
		total += (size_t)w;
		if ((size_t)w < n)
			break;
	}
	return (ssize_t)total;
}
