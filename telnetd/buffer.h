/*
 * buffer.h - buffer.c's pages, the bounded byte buffer (client input for
 * the pty) and the queue to the client (bytes plus data/command spans).
 */
#ifndef TELNETD_BUFFER_H
#define TELNETD_BUFFER_H

#include <sys/types.h>

#include <stddef.h>

#include "config.h"	/* NETOUT_SEGS */

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
/* The unconsumed bytes, to be rewritten in place; buf_keep then keeps the
 * first n of them (n at most buf_len). */
unsigned char *buf_edit(struct buffer *b);
void buf_keep(struct buffer *b, size_t n);
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

#endif /* TELNETD_BUFFER_H */
