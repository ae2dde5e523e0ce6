/*
 * tls_openssl.h - what the OpenSSL side of tls-helper says to itself:
 * tls.c (the record layer) and tls_ctx.c (the context) share the SSL and
 * its wire BIO; tls_key.c (the remote-key provider) and tls_key_sign.c
 * (its signatures) share the provider's name and key objects.  Included
 * by those four files only; the rest of the daemon sees struct tls_ops.
 */
#ifndef TELNETD_TLS_OPENSSL_H
#define TELNETD_TLS_OPENSSL_H

#include <stddef.h>

#include "tls.h"

/* One record's plaintext at most (RFC 8446 5.1), and what a record adds
 * to it at most (header, explicit IV, MAC or tag, padding: OpenSSL's
 * SSL3_RT_MAX_ENCRYPTED_OVERHEAD is 320). */
#define TLS_PLAIN_MAX	16384
#define TLS_RECORD_MAX	(TLS_PLAIN_MAX + 512)

/* What tls.c asks of tls_ctx.c (OpenSSL's SSL and BIO); never the other
 * way round. */
struct buffer;
struct ssl_st;
struct bio_st;
/* tls_ctx.c: a server SSL of the context whose key signs over chan, or
 * NULL; a BIO that appends each record to wire (the connection's wire
 * buffer, which tls_write() keeps room in), or NULL. */
struct ssl_st *tls_ctx_ssl(struct tls_ctx *c, int chan);
struct bio_st *tls_ctx_wire(struct tls_ctx *c, struct buffer *wire);
/* tls_ctx.c: what, and OpenSSL's last queued error, as one line in dst;
 * the error queue cleared. */
void tls_set_err(char *dst, size_t dstsz, const char *what);

/* The provider's two halves share its name, its key objects (tls_key.c's
 * key management makes them, tls_key_sign.c's signatures use them) and
 * the shape of an OSSL_DISPATCH entry; tls_key.c's provider offers
 * tls_key_sign.c's signature algorithms (an OSSL_ALGORITHM table). */
#define TLS_KEY_PROVIDER	"telnetd-remote"
#define TLS_KEY_PROPS		"provider=" TLS_KEY_PROVIDER
#define TLS_KEY_FN(id, f)	{ id, (void (*)(void))(f) }
struct tls_rkey {
	struct evp_pkey_st *pub;	/* the certificate's key (default
					   provider) */
	int chan;			/* -1: public only */
	int is_rsa;
};
struct ossl_algorithm_st;
const struct ossl_algorithm_st *tls_key_signatures(void);

#endif /* TELNETD_TLS_OPENSSL_H */
