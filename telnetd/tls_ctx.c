/*
 * tls_ctx.c - the relay's TLS context: the certificate chain, the
 * settings every connection inherits, the wire buffer's BIO method and
 * the warm-up handshake.  Apart from tls.c (one connection) because a
 * context is made once per daemon (--listen: before it forks, so every
 * session shares its pages) and a connection once per session; tls.c
 * reaches the context only through tls_ctx_ssl() and tls_ctx_wire(), and
 * reports OpenSSL's errors with this file's tls_set_err(), so the calls
 * between the two go one way.  Only tls-helper links it.
 *
 * Settings: TLS 1.2 and 1.3 only; the library's and the system's cipher
 * defaults (Debian: DEFAULT at security level 2); no renegotiation, no
 * compression; no session tickets or cache (every relay is a process of
 * its own, so no other connection could resume with them, and a resumed
 * handshake would skip the certificate); the record buffers given back
 * once the session is idle (tls_trim: an idle session keeps few pages).
 * SSL_OP_ENABLE_KTLS hands the record layer to the kernel after the
 * handshake where the kernel has the "tls" ULP and the cipher suits it;
 * otherwise OpenSSL's record layer does the work (tls_get_info says
 * which).
 *
 * The private key is never here: the certificate's key object is one of
 * tls_key.c's, which asks the signer for the one signature.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "telnetd.h"
#include "tls.h"
#include "tls_openssl.h"

#define TLS_CHAIN_MAX	10	/* certificates in a chain file */
/* Read ahead: what one read(2) takes from the socket. */
#define TLS_READ_AHEAD	((size_t)4 * TLS_RECORD_MAX)

struct tls_ctx {
	SSL_CTX *ssl;
	EVP_PKEY *pub;		/* the leaf certificate's key */
	OSSL_PROVIDER *ours, *dflt;	/* tls_key.c's provider, the default */
	BIO_METHOD *wire_meth;	/* the wire buffer's BIO */
};

void
tls_set_err(char *dst, size_t dstsz, const char *what)
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
 * first), sends nothing itself.  Its data is the connection's buffer.   */

static int
wire_write(BIO *b, const char *data, size_t len, size_t *written)
{
	struct buffer *wire = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (buf_append(wire, data, len) == -1) {
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
	const struct buffer *wire = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;	/* tls_flush() sends, in the poll loop */
	case BIO_CTRL_WPENDING:
	case BIO_CTRL_PENDING:
		return (long)buf_len(wire);
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

BIO *
tls_ctx_wire(struct tls_ctx *c, struct buffer *wire)
{
	BIO *w;

	if ((w = BIO_new(c->wire_meth)) != NULL)
		BIO_set_data(w, wire);
	return w;
}

/* ------------------------------------------------------------------ */
/* The context                                                           */

/* The rest of the file after the leaf: the chain sent after it. */
static int
ctx_add_chain(struct tls_ctx *c, BIO *in, char *why, size_t whysz)
{
	X509 *x;
	int n = 0;

	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
		if (++n > TLS_CHAIN_MAX || SSL_CTX_add0_chain_cert(c->ssl,
		    x) != 1) {
			X509_free(x);
			snprintf(why, whysz, "more than %d certificates in "
			    "the chain", TLS_CHAIN_MAX);
			return -1;
		}
	}
	ERR_clear_error();	/* the end of the PEM data */
	return 0;
}

static int
ctx_wire_method(struct tls_ctx *c, char *why, size_t whysz)
{
	if ((c->wire_meth = BIO_meth_new(BIO_get_new_index() |
	    BIO_TYPE_SOURCE_SINK, "telnetd wire")) == NULL ||
	    BIO_meth_set_write_ex(c->wire_meth, wire_write) != 1 ||
	    BIO_meth_set_ctrl(c->wire_meth, wire_ctrl) != 1 ||
	    BIO_meth_set_create(c->wire_meth, wire_create) != 1) {
		tls_set_err(why, whysz, "BIO method");
		return -1;
	}
	return 0;
}

/* The settings the top of this file describes. */
static int
ctx_settings(struct tls_ctx *c, char *why, size_t whysz)
{
	if (SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(c->ssl, 0) != 1) {
		tls_set_err(why, whysz, "protocol versions");
		return -1;
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
	return 0;
}

static struct tls_ctx *
ctx_from_bio(BIO *in, char *why, size_t whysz)
{
	struct tls_ctx *c;
	X509 *leaf;

	if ((leaf = PEM_read_bio_X509(in, NULL, NULL, NULL)) == NULL) {
		tls_set_err(why, whysz, "no certificate");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		X509_free(leaf);
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	if (tls_key_provider_load(NULL, &c->ours, &c->dflt) == -1) {
		tls_set_err(why, whysz, "cannot load the key provider");
		goto fail;
	}
	if ((c->ssl = SSL_CTX_new_ex(NULL, NULL, TLS_server_method())) ==
	    NULL || SSL_CTX_use_certificate(c->ssl, leaf) != 1) {
		tls_set_err(why, whysz, "certificate");
		goto fail;
	}
	if (ctx_add_chain(c, in, why, whysz) == -1)
		goto fail;
	if ((c->pub = X509_get_pubkey(leaf)) == NULL) {
		tls_set_err(why, whysz, "certificate key");
		goto fail;
	}
	if (ctx_wire_method(c, why, whysz) == -1 ||
	    ctx_settings(c, why, whysz) == -1)
		goto fail;
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

SSL *
tls_ctx_ssl(struct tls_ctx *c, int chan)
{
	SSL *ssl;
	EVP_PKEY *key = NULL;

	if ((ssl = SSL_new(c->ssl)) == NULL ||
	    (key = tls_key_remote(NULL, c->pub, chan)) == NULL ||
	    SSL_use_PrivateKey(ssl, key) != 1) {
		SSL_free(ssl);
		ssl = NULL;
	}
	EVP_PKEY_free(key);	/* the SSL holds its reference */
	return ssl;
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
	BIO *bs = NULL, *bc = NULL;
	unsigned char b = 'x';
	size_t n;
	int i, rs = 0, rc = 0, ok = -1;

	if ((cctx = SSL_CTX_new_ex(NULL, NULL, TLS_client_method())) == NULL ||
	    (srv = tls_ctx_ssl(c, chan)) == NULL ||
	    (cli = SSL_new(cctx)) == NULL ||
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
	BIO_free(bs);
	BIO_free(bc);
	return ok;
}
