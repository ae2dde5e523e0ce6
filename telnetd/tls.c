/*
 * tls.c - the relay's TLS endpoint: a server handshake and the record
 * layer over a non-blocking socket, driven step by step by a poll loop
 * (TLS_WANT_READ / TLS_WANT_WRITE), with OpenSSL 3.  Only tls-helper
 * links it (the daemon reaches it through tls_openssl_ops, the table at
 * the end).  The context every connection is made from (the chain, the
 * settings) is tls_ctx.c's.
 *
 * Records out: without kernel TLS, the records are written into the wire
 * buffer (a BIO of ours that always takes what it is given, up to
 * TLS_WIRE_RECORDS records) and sent from there with one send(2) for
 * several records.  A record is then never half in OpenSSL's hands while
 * the relay drops queued output (abort-output): what tls_write() took is
 * as good as sent, like bytes in the socket's buffer.
 *
 * Records in: read ahead (one read(2) for what the socket holds, up to a
 * buffer), and tls_read() takes record after record until the caller's
 * buffer is full.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "telnetd.h"
#include "tls.h"
#include "tls_openssl.h"

/* The wire buffer: records encrypted and not yet sent.  Eight full ones
 * (what the queue to the client sends at once) go out with one send(2). */
#define TLS_WIRE_RECORDS	8
#define TLS_WIRE_SIZE	((size_t)TLS_WIRE_RECORDS * TLS_RECORD_MAX)

struct tls {
	struct tls_ctx *c;
	SSL *ssl;
	BIO *sock;		/* the socket; rbio once the prefix is read */
	BIO *pre;		/* the prefix (memory), rbio until drained */
	int fd;
	int chan;
	int64_t deadline;	/* 0 until the first handshake step */
	int done;
	int shut;
	int ktls_tx;		/* the kernel makes the records */
	int more;		/* the last read stopped with the caller's
				 * buffer full: more may be buffered */
	struct buffer wire;	/* records to send (no kernel TLS) */
	char err[160];
};

/* ------------------------------------------------------------------ */
/* A connection                                                          */

struct tls *
tls_new(struct tls_ctx *c, int fd, int chan)
{
	struct tls *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->c = c;
	t->fd = fd;
	t->chan = chan;
	if (buf_init(&t->wire, TLS_WIRE_SIZE) == -1) {
		free(t);
		return NULL;
	}
	if ((t->ssl = tls_ctx_ssl(c, chan)) == NULL ||
	    (t->sock = BIO_new_socket(fd, BIO_NOCLOSE)) == NULL) {
		ERR_clear_error();
		tls_free(t);
		return NULL;
	}
	/* One reference of the socket BIO each for the SSL's read and write
	 * sides (set0: the SSL owns what it is given), one ours. */
	BIO_up_ref(t->sock);
	SSL_set0_wbio(t->ssl, t->sock);
	BIO_up_ref(t->sock);
	SSL_set0_rbio(t->ssl, t->sock);
	SSL_set_accept_state(t->ssl);
	return t;
}

int
tls_prefix(struct tls *t, const unsigned char *p, size_t n)
{
	BIO *m;

	if (n == 0)
		return 0;
	if (n > TLS_PREFIX_MAX || t->pre != NULL || t->done)
		return -1;
	if ((m = BIO_new(BIO_s_mem())) == NULL ||
	    BIO_write(m, p, (int)n) != (int)n) {
		BIO_free(m);
		return -1;
	}
	/* Empty means "try again" (then the socket takes over), not EOF. */
	BIO_set_mem_eof_return(m, -1);
	t->pre = m;
	SSL_set0_rbio(t->ssl, m);	/* drops its socket reference */
	return 0;
}

/* The prefix read whole: the socket is the read side from now on. */
static int
prefix_drained(struct tls *t)
{
	if (t->pre == NULL || BIO_ctrl_pending(t->pre) > 0)
		return 0;
	BIO_up_ref(t->sock);
	SSL_set0_rbio(t->ssl, t->sock);	/* frees the memory BIO */
	t->pre = NULL;
	return 1;
}

/* An SSL_* result as TLS_WANT_* or TLS_ERROR (with the reason). */
static int
map_error(struct tls *t, int ret, const char *what)
{
	int e = SSL_get_error(t->ssl, ret);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (errno == 0 || errno == ECONNRESET ||
			    errno == EPIPE)
				return 0;
			snprintf(t->err, sizeof(t->err), "%s: %s", what,
			    strerror(errno));
			return TLS_ERROR;
		}
		/* FALLTHROUGH */
	default:
		tls_set_err(t->err, sizeof(t->err), what);
		return TLS_ERROR;
	}
}

/*
 * The handshake is done: unless the kernel took the records over, they go
 * into the wire buffer from now on.  OpenSSL has nothing left to send
 * (no tickets), so the write side can change hands here.
 */
static int
wire_begin(struct tls *t)
{
	BIO *w;

	t->ktls_tx = BIO_get_ktls_send(SSL_get_wbio(t->ssl)) > 0;
	if (t->ktls_tx)
		return 1;
	if ((w = tls_ctx_wire(t->c, &t->wire)) == NULL) {
		tls_set_err(t->err, sizeof(t->err), "wire buffer");
		return TLS_ERROR;
	}
	SSL_set0_wbio(t->ssl, w);	/* drops its socket reference */
	return 1;
}

int
tls_handshake(struct tls *t)
{
	int r;

	if (t->done)
		return 1;
	/* now_ms(), the relay's clock: tls_session.c puts this deadline in
	 * its table (DL_SECURE) as it is, for its poll timeout. */
	if (t->deadline == 0)
		t->deadline = now_ms() + TLS_HANDSHAKE_MS;
	for (;;) {
		if (now_ms() >= t->deadline) {
			snprintf(t->err, sizeof(t->err),
			    "handshake not done in %d ms", TLS_HANDSHAKE_MS);
			return TLS_ERROR;
		}
		ERR_clear_error();
		errno = 0;
		if ((r = SSL_do_handshake(t->ssl)) == 1) {
			t->done = 1;
			(void)prefix_drained(t);
			return wire_begin(t);
		}
		r = map_error(t, r, "handshake");
		if (r == TLS_WANT_READ && prefix_drained(t))
			continue;
		if (r == 0) {
			snprintf(t->err, sizeof(t->err),
			    "the client closed during the handshake");
			return TLS_ERROR;
		}
		return r;
	}
}

int64_t
tls_deadline(const struct tls *t)
{
	return t->deadline;
}

ssize_t
tls_read(struct tls *t, void *buf, size_t len)
{
	size_t n, total = 0;
	int r;

	t->more = 0;
	while (total < len) {
		ERR_clear_error();
		errno = 0;
		n = 0;
		if ((r = SSL_read_ex(t->ssl, (char *)buf + total, len - total,
		    &n)) == 1) {
			total += n;
			continue;
		}
		r = map_error(t, r, "read");
		/* An end or error after data: it comes again next time. */
		return total > 0 ? (ssize_t)total : r;
	}
	t->more = 1;
	return (ssize_t)total;
}

/* Send what the wire buffer holds: 1 when it is empty, 0 when the socket
 * took less, TLS_ERROR. */
int
tls_flush(struct tls *t)
{
	ssize_t n;

	while (buf_len(&t->wire) > 0) {
		n = send(t->fd, buf_ptr(&t->wire), buf_len(&t->wire),
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			snprintf(t->err, sizeof(t->err), "send: %s",
			    strerror(errno));
			return TLS_ERROR;
		}
		buf_consume(&t->wire, (size_t)n);
	}
	return 1;
}

size_t
tls_unsent(const struct tls *t)
{
	return buf_len(&t->wire);
}

ssize_t
tls_write(struct tls *t, const void *buf, size_t len)
{
	size_t n, k, total = 0;
	ssize_t w;
	int r;

	if (len == 0)
		return 0;
	if (t->ktls_tx) {
		/* The kernel makes the records: a plain send. */
		w = send(t->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w >= 0)
			return w;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return TLS_WANT_WRITE;
		snprintf(t->err, sizeof(t->err), "send: %s", strerror(errno));
		return TLS_ERROR;
	}
	/* A record at a time while the wire buffer has room for a whole
	 * one: the BIO then never refuses, and SSL_write_ex takes all. */
	while (total < len && buf_space(&t->wire) >= TLS_RECORD_MAX) {
		k = len - total < TLS_PLAIN_MAX ? len - total : TLS_PLAIN_MAX;
		ERR_clear_error();
		errno = 0;
		n = 0;
		if ((r = SSL_write_ex(t->ssl, (const char *)buf + total, k,
		    &n)) != 1) {
			r = map_error(t, r, "write");
			if (r == TLS_WANT_WRITE && total > 0)
				break;
			return r == 0 ? TLS_ERROR : r;
		}
		total += n;
	}
	if (total == 0)
		return TLS_WANT_WRITE;	/* the wire buffer is full */
	return (ssize_t)total;
}

/* A read may go on without the socket: decrypted bytes in the current
 * record, or a last read that stopped at the caller's limit. */
size_t
tls_pending(const struct tls *t)
{
	int n = SSL_pending(t->ssl);

	return n > 0 ? (size_t)n : (size_t)t->more;
}

int
tls_shutdown(struct tls *t)
{
	int r;

	if (t->shut)
		return 1;
	ERR_clear_error();
	errno = 0;
	if ((r = SSL_shutdown(t->ssl)) >= 0) {
		/* 0: our close_notify is out (or in the wire buffer); the
		 * peer's is not awaited. */
		t->shut = 1;
		return tls_flush(t) == TLS_ERROR ? TLS_ERROR : 1;
	}
	return map_error(t, r, "shutdown");
}

void
tls_get_info(const struct tls *t, struct tls_info *info)
{
	const char *sni;

	memset(info, 0, sizeof(*info));
	strlcpy(info->version, SSL_get_version(t->ssl), sizeof(info->version));
	strlcpy(info->cipher, SSL_get_cipher_name(t->ssl),
	    sizeof(info->cipher));
	if ((sni = SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name)) !=
	    NULL)
		(void)log_safe(info->sni, sizeof(info->sni), sni, strlen(sni));
	info->ktls_tx = t->ktls_tx;
	info->ktls_rx = BIO_get_ktls_recv(SSL_get_rbio(t->ssl)) > 0;
	info->resumed = SSL_session_reused(t->ssl);
}

const char *
tls_error(const struct tls *t)
{
	return t->err[0] != '\0' ? t->err : "no error";
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);	/* and its BIOs */
	BIO_free(t->sock);	/* our own reference */
	buf_free(&t->wire);
	free(t);
}

/* Idle: the wire buffer's pages back, and the heap's free pages (OpenSSL
 * gave its record buffers back to malloc; after the handshake much more:
 * the transcript, the key exchange, the certificate's encoding). */
void
tls_trim(struct tls *t)
{
	if (t != NULL) {
		(void)buf_trim(&t->wire);
		/* OpenSSL's record buffers, when nothing is in them. */
		(void)SSL_free_buffers(t->ssl);
	}
	(void)malloc_trim(0);
}

/* The random generator seeded (and, after a fork, reseeded) before the
 * relay is confined; later reseeds use getrandom(2), which the filter
 * allows. */
void
tls_seed(void)
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		ERR_clear_error();
	OPENSSL_cleanse(b, sizeof(b));
}

const struct tls_ops tls_openssl_ops = {
	.ctx_new_mem = tls_ctx_new_mem,
	.ctx_free = tls_ctx_free,
	.ctx_warm = tls_ctx_warm,
	.conn_new = tls_new,
	.prefix = tls_prefix,
	.handshake = tls_handshake,
	.deadline = tls_deadline,
	.read = tls_read,
	.write = tls_write,
	.flush = tls_flush,
	.unsent = tls_unsent,
	.pending = tls_pending,
	.shutdown = tls_shutdown,
	.info = tls_get_info,
	.error = tls_error,
	.trim = tls_trim,
	.seed = tls_seed,
	.free = tls_free,
};
