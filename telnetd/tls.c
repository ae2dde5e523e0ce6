/*
 * tls.c - the relay's TLS endpoint (issue 15): a server handshake and the
 * record layer over a non-blocking socket, driven step by step by a poll
 * loop (TLS_WANT_READ / TLS_WANT_WRITE), with OpenSSL 3.  Only tls-helper
 * links it (the daemon reaches it through tls_openssl_ops, the table at
 * the end).
 *
 * Settings: TLS 1.2 and 1.3 only; the library's and the system's cipher
 * defaults (Debian: DEFAULT at security level 2); no renegotiation, no
 * compression; no session tickets or cache (every relay is a process of
 * its own, so no other connection could resume with them, and a resumed
 * handshake would skip the certificate); the record buffers given back
 * once the session is idle (tls_trim: an idle session keeps few pages).
 * SSL_OP_ENABLE_KTLS hands the record layer to the kernel after the
 * handshake where the kernel has
 * the "tls" ULP and the cipher suits it; otherwise OpenSSL's record layer
 * does the work (tls_get_info says which).
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
 *
 * The private key is never here: the certificate's key object is one of
 * tls_key.c's, which asks the signer for the one signature.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "telnetd.h"
#include "tls.h"

#define TLS_CHAIN_MAX	10	/* certificates in a chain file */
/* One record's plaintext at most (RFC 8446 5.1), and what a record adds
 * to it at most (header, explicit IV, MAC or tag, padding: OpenSSL's
 * SSL3_RT_MAX_ENCRYPTED_OVERHEAD is 320). */
#define TLS_PLAIN_MAX	16384
#define TLS_RECORD_MAX	(TLS_PLAIN_MAX + 512)
/* The wire buffer: records encrypted and not yet sent.  Eight full ones
 * (what the queue to the client sends at once) go out with one send(2). */
#define TLS_WIRE_RECORDS	8
#define TLS_WIRE_SIZE	((size_t)TLS_WIRE_RECORDS * TLS_RECORD_MAX)
/* Read ahead: what one read(2) takes from the socket. */
#define TLS_READ_AHEAD	((size_t)4 * TLS_RECORD_MAX)

struct tls_ctx {
	SSL_CTX *ssl;
	EVP_PKEY *pub;		/* the leaf certificate's key */
	OSSL_PROVIDER *ours, *dflt;	/* tls_key.c's provider, the default */
	BIO_METHOD *wire_meth;	/* the wire buffer's BIO */
};

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

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
set_err(char *dst, size_t dstsz, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[128];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(dst, dstsz, "%s: %s", what, buf);
	} else
		snprintf(dst, dstsz, "%s", what);
	ERR_clear_error();
}

/* ------------------------------------------------------------------ */
/* The wire buffer's BIO: takes every record whole (tls_write() makes room
 * first), sends nothing itself.                                         */

static int
wire_write(BIO *b, const char *data, size_t len, size_t *written)
{
	struct tls *t = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (buf_append(&t->wire, data, len) == -1) {
		BIO_set_retry_write(b);
		*written = 0;
		return 0;
	}
	*written = len;
	return 1;
}

static long
wire_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct tls *t = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;	/* tls_flush() sends, in the poll loop */
	case BIO_CTRL_WPENDING:
	case BIO_CTRL_PENDING:
		return (long)buf_len(&t->wire);
	default:
		return 0;
	}
}

static int
wire_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* ------------------------------------------------------------------ */
/* The context                                                           */

static struct tls_ctx *
ctx_from_bio(BIO *in, char *why, size_t whysz)
{
	struct tls_ctx *c;
	X509 *leaf, *x;
	int n = 0;

	if ((leaf = PEM_read_bio_X509(in, NULL, NULL, NULL)) == NULL) {
		set_err(why, whysz, "no certificate");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		X509_free(leaf);
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	if (tls_key_provider_load(NULL, &c->ours, &c->dflt) == -1) {
		set_err(why, whysz, "cannot load the key provider");
		goto fail;
	}
	if ((c->ssl = SSL_CTX_new_ex(NULL, NULL, TLS_server_method())) ==
	    NULL || SSL_CTX_use_certificate(c->ssl, leaf) != 1) {
		set_err(why, whysz, "certificate");
		goto fail;
	}
	/* The rest of the file is the chain sent after the leaf. */
	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
		if (++n > TLS_CHAIN_MAX || SSL_CTX_add0_chain_cert(c->ssl,
		    x) != 1) {
			X509_free(x);
			snprintf(why, whysz, "more than %d certificates in "
			    "the chain", TLS_CHAIN_MAX);
			goto fail;
		}
	}
	ERR_clear_error();	/* the end of the PEM data */
	if ((c->pub = X509_get_pubkey(leaf)) == NULL) {
		set_err(why, whysz, "certificate key");
		goto fail;
	}
	if ((c->wire_meth = BIO_meth_new(BIO_get_new_index() |
	    BIO_TYPE_SOURCE_SINK, "telnetd wire")) == NULL ||
	    BIO_meth_set_write_ex(c->wire_meth, wire_write) != 1 ||
	    BIO_meth_set_ctrl(c->wire_meth, wire_ctrl) != 1 ||
	    BIO_meth_set_create(c->wire_meth, wire_create) != 1) {
		set_err(why, whysz, "BIO method");
		goto fail;
	}
	if (SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(c->ssl, 0) != 1) {
		set_err(why, whysz, "protocol versions");
		goto fail;
	}
	SSL_CTX_set_options(c->ssl, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_ENABLE_KTLS |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_num_tickets(c->ssl, 0);
	SSL_CTX_set_session_cache_mode(c->ssl, SSL_SESS_CACHE_OFF);
	/* Not SSL_MODE_RELEASE_BUFFERS: it frees and allocates the record
	 * buffers around every record, bulk or not; tls_trim() gives them
	 * back once the session is idle instead. */
	SSL_CTX_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(c->ssl, 1);
	SSL_CTX_set_default_read_buffer_len(c->ssl, TLS_READ_AHEAD);
	X509_free(leaf);
	return c;
fail:
	X509_free(leaf);
	tls_ctx_free(c);
	return NULL;
}

struct tls_ctx *
tls_ctx_new(const char *chainfile, char *why, size_t whysz)
{
	struct tls_ctx *c;
	BIO *in;

	if ((in = BIO_new_file(chainfile, "r")) == NULL) {
		snprintf(why, whysz, "%s: %s", chainfile, strerror(errno));
		ERR_clear_error();
		return NULL;
	}
	c = ctx_from_bio(in, why, whysz);
	BIO_free(in);
	return c;
}

struct tls_ctx *
tls_ctx_new_mem(const char *pem, size_t len, char *why, size_t whysz)
{
	struct tls_ctx *c;
	BIO *in;

	if (len > INT32_MAX || (in = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	c = ctx_from_bio(in, why, whysz);
	BIO_free(in);
	return c;
}

void
tls_ctx_free(struct tls_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ssl);
	EVP_PKEY_free(c->pub);
	BIO_meth_free(c->wire_meth);
	tls_key_provider_unload(c->ours, c->dflt);
	free(c);
}

/*
 * One handshake with ourselves in memory (a client of our own, TLS 1.3,
 * the usual group and cipher), the signature made by the signer over
 * chan.  For a --listen daemon, before it forks sessions: OpenSSL fills
 * its caches (each algorithm's fetch for a query, cached once per library
 * context) here, in memory every relay then shares, instead of in each
 * relay's copy of those pages.  -1 when it did not complete (no harm:
 * the relays fill their own caches then).
 */
int
tls_ctx_warm(struct tls_ctx *c, int chan)
{
	SSL_CTX *cctx = NULL;
	SSL *srv = NULL, *cli = NULL;
	EVP_PKEY *key = NULL;
	BIO *bs = NULL, *bc = NULL;
	unsigned char b = 'x';
	size_t n;
	int i, rs = 0, rc = 0, ok = -1;

	if ((cctx = SSL_CTX_new_ex(NULL, NULL, TLS_client_method())) == NULL ||
	    (srv = SSL_new(c->ssl)) == NULL || (cli = SSL_new(cctx)) == NULL ||
	    (key = tls_key_remote(NULL, c->pub, chan)) == NULL ||
	    SSL_use_PrivateKey(srv, key) != 1 ||
	    BIO_new_bio_pair(&bs, 0, &bc, 0) != 1)
		goto out;
	SSL_set_bio(srv, bs, bs);
	SSL_set_bio(cli, bc, bc);
	bs = bc = NULL;
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	for (i = 0; i < 16 && (rs != 1 || rc != 1); i++) {
		if (rc != 1 && (rc = SSL_do_handshake(cli)) != 1 &&
		    SSL_get_error(cli, rc) != SSL_ERROR_WANT_READ)
			goto out;
		if (rs != 1 && (rs = SSL_do_handshake(srv)) != 1 &&
		    SSL_get_error(srv, rs) != SSL_ERROR_WANT_READ)
			goto out;
	}
	if (rs == 1 && rc == 1 && SSL_write_ex(srv, &b, 1, &n) == 1 &&
	    SSL_read_ex(cli, &b, 1, &n) == 1 && SSL_write_ex(cli, &b, 1,
	    &n) == 1 && SSL_read_ex(srv, &b, 1, &n) == 1)
		ok = 0;
out:
	ERR_clear_error();
	SSL_free(srv);
	SSL_free(cli);
	SSL_CTX_free(cctx);
	EVP_PKEY_free(key);
	BIO_free(bs);
	BIO_free(bc);
	return ok;
}

/* ------------------------------------------------------------------ */
/* A connection                                                          */

struct tls *
tls_new(struct tls_ctx *c, int fd, int chan)
{
	struct tls *t;
	EVP_PKEY *key = NULL;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->c = c;
	t->fd = fd;
	t->chan = chan;
	if (buf_init(&t->wire, TLS_WIRE_SIZE) == -1) {
		free(t);
		return NULL;
	}
	if ((t->ssl = SSL_new(c->ssl)) == NULL ||
	    (key = tls_key_remote(NULL, c->pub, chan)) == NULL ||
	    SSL_use_PrivateKey(t->ssl, key) != 1 ||
	    (t->sock = BIO_new_socket(fd, BIO_NOCLOSE)) == NULL) {
		ERR_clear_error();
		EVP_PKEY_free(key);
		tls_free(t);
		return NULL;
	}
	EVP_PKEY_free(key);	/* the SSL holds its reference */
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
		set_err(t->err, sizeof(t->err), what);
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
	if ((w = BIO_new(t->c->wire_meth)) == NULL) {
		set_err(t->err, sizeof(t->err), "wire buffer");
		return TLS_ERROR;
	}
	BIO_set_data(w, t);
	SSL_set0_wbio(t->ssl, w);	/* drops its socket reference */
	return 1;
}

int
tls_handshake(struct tls *t)
{
	int r;

	if (t->done)
		return 1;
	if (t->deadline == 0)
		t->deadline = mono_ms() + TLS_HANDSHAKE_MS;
	for (;;) {
		if (mono_ms() >= t->deadline) {
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
