/*
 * tls_key_sign.c - the signature operation of tls_key.c's provider: it
 * collects the exact bytes TLS signs (TLS 1.3 CertificateVerify content,
 * TLS 1.2 ServerKeyExchange params, RFC 8446 4.4.3 and RFC 5246 7.4.3)
 * with the digest and the padding asked for, and sends them to the
 * signer as one KS_SIGN request (tls_key_ask); the reply is the
 * signature.  Apart from tls_key.c (the provider and its key objects)
 * because this is the relay's half of the signer's protocol: what it
 * agrees to here is what the signer's checks in tls_sign.c expect.
 */
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "telnetd.h"
#include "tls.h"
#include "tls_openssl.h"

struct rsig {
	struct tls_rkey *key;
	EVP_MD_CTX *mdctx;	/* unused: the signer hashes; kept NULL */
	char md[16];		/* "SHA256" */
	int pss;		/* RSA: PSS (1) or PKCS #1 v1.5 (0) */
	int saltlen_ok;		/* PSS salt length = digest length */
	size_t len;
	int over;		/* content over KS_DATA_MAX */
	unsigned char data[KS_DATA_MAX];
};

/* ------------------------------------------------------------------ */
/* Asking the signer                                                     */

ssize_t
tls_key_ask(int chan, uint32_t scheme, const unsigned char *data, size_t len,
    unsigned char *sig, size_t sigmax)
{
	struct ks_sign req;
	struct ks_signature rep;
	struct pollfd pfd;
	ssize_t n;
	int fd, r;

	if (chan < 0 || len > KS_DATA_MAX)
		return -1;
	memset(&req, 0, sizeof(req));
	req.type = KS_SIGN;
	req.scheme = scheme;
	req.len = (uint32_t)len;
	memcpy(req.data, data, len);
	if (ps_send(chan, &req, KS_SIGN_LEN(len), -1) == -1)
		return -1;
	/* A blocking wait in the middle of a handshake step: one round
	 * trip to a local process (the signature itself: about 1 ms for
	 * RSA-2048), bounded. */
	pfd.fd = chan;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, KS_TIMEOUT_MS);
	while (r == -1 && errno == EINTR);
	if (r <= 0)
		return -1;
	n = ps_recv(chan, &rep, sizeof(rep), &fd);
	if (fd != -1)
		close(fd);
	if (n < (ssize_t)KS_SIGNATURE_LEN(0) || rep.type != KS_SIGNATURE ||
	    rep.error != 0 || rep.len > KS_SIG_MAX ||
	    (size_t)n != KS_SIGNATURE_LEN(rep.len) || rep.len > sigmax ||
	    rep.len == 0)
		return -1;
	memcpy(sig, rep.sig, rep.len);
	return (ssize_t)rep.len;
}

/* ------------------------------------------------------------------ */
/* Signature: collect the content, ask the signer                        */

static void *
sig_newctx(void *provctx, const char *propq)
{
	(void)provctx;
	(void)propq;
	return calloc(1, sizeof(struct rsig));
}

static void
sig_freectx(void *ctx)
{
	struct rsig *s = ctx;

	if (s == NULL)
		return;
	EVP_MD_CTX_free(s->mdctx);
	free(s);
}

static void *
sig_dupctx(void *ctx)
{
	struct rsig *s = ctx, *d;

	if ((d = malloc(sizeof(*d))) == NULL)
		return NULL;
	memcpy(d, s, sizeof(*d));
	d->mdctx = NULL;
	return d;
}

static int
set_md(struct rsig *s, const char *name)
{
	static const char *const ok[][2] = {
		{ "SHA256", "SHA2-256" }, { "SHA384", "SHA2-384" },
		{ "SHA512", "SHA2-512" },
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcasecmp(name, ok[i][0]) == 0 ||
		    strcasecmp(name, ok[i][1]) == 0) {
			strlcpy(s->md, ok[i][0], sizeof(s->md));
			return 1;
		}
	return 0;
}

/* Whether p is the value given as number or as name: the padding and
 * the salt length come as either (OpenSSL's EVP layer sends both). */
static int
param_is(const OSSL_PARAM *p, int number, const char *name)
{
	const char *str;
	int v;

	if (p->data_type == OSSL_PARAM_INTEGER)
		return OSSL_PARAM_get_int(p, &v) == 1 && v == number;
	return OSSL_PARAM_get_utf8_string_ptr(p, &str) == 1 &&
	    strcmp(str, name) == 0;
}

/* MGF1's digest: only the signature's own. */
static int
check_mgf1(const struct rsig *s, const OSSL_PARAM *p)
{
	struct rsig tmp;
	const char *str;

	memset(&tmp, 0, sizeof(tmp));
	return OSSL_PARAM_get_utf8_string_ptr(p, &str) == 1 &&
	    set_md(&tmp, str) && strcmp(tmp.md, s->md) == 0;
}

static int
sig_set_ctx_params(void *ctx, const OSSL_PARAM params[])
{
	struct rsig *s = ctx;
	const OSSL_PARAM *p;
	const char *str;

	if (params == NULL)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_DIGEST)) != NULL &&
	    (OSSL_PARAM_get_utf8_string_ptr(p, &str) != 1 || !set_md(s, str)))
		return 0;
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
		if (param_is(p, RSA_PKCS1_PSS_PADDING,
		    OSSL_PKEY_RSA_PAD_MODE_PSS))
			s->pss = 1;
		else if (param_is(p, RSA_PKCS1_PADDING,
		    OSSL_PKEY_RSA_PAD_MODE_PKCSV15))
			s->pss = 0;
		else
			return 0;
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL) {
		/* The signer uses a salt as long as the digest (RFC 8446
		 * 4.2.3), so that is the only length agreed to. */
		if (!param_is(p, RSA_PSS_SALTLEN_DIGEST,
		    OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST))
			return 0;
		s->saltlen_ok = 1;
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) != NULL && !check_mgf1(s, p))
		return 0;
	return 1;
}

static const OSSL_PARAM *
sig_settable_ctx_params(void *ctx, void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL,
		    0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL,
		    0),
		OSSL_PARAM_END,
	};

	(void)ctx;
	(void)provctx;
	return t;
}

static int
sig_get_ctx_params(void *ctx, OSSL_PARAM params[])
{
	(void)ctx;
	(void)params;
	return 1;
}

static const OSSL_PARAM *
sig_gettable_ctx_params(void *ctx, void *provctx)
{
	static const OSSL_PARAM t[] = { OSSL_PARAM_END };

	(void)ctx;
	(void)provctx;
	return t;
}

static int
sig_digest_init(void *ctx, const char *mdname, void *provkey,
    const OSSL_PARAM params[])
{
	struct rsig *s = ctx;
	struct tls_rkey *k = provkey;

	if (k == NULL || k->chan < 0 || k->pub == NULL)
		return 0;
	s->key = k;
	s->len = 0;
	s->over = 0;
	s->pss = 0;
	s->saltlen_ok = 0;
	if (!set_md(s, mdname != NULL ? mdname : "SHA256"))
		return 0;
	return sig_set_ctx_params(s, params);
}

static int
sig_digest_update(void *ctx, const unsigned char *data, size_t len)
{
	struct rsig *s = ctx;

	if (s->over || len > sizeof(s->data) - s->len) {
		s->over = 1;
		return 0;
	}
	memcpy(s->data + s->len, data, len);
	s->len += len;
	return 1;
}

/* The TLS scheme of what was asked: key type, padding, digest. */
static uint32_t
sig_scheme(const struct rsig *s)
{
	int h = strcmp(s->md, "SHA256") == 0 ? 0 :
	    strcmp(s->md, "SHA384") == 0 ? 1 : 2;

	if (!s->key->is_rsa)
		return TLS_SIG_ECDSA_SHA256 + 0x100 * (uint32_t)h;
	if (s->pss)
		return TLS_SIG_RSA_PSS_SHA256 + (uint32_t)h;
	return TLS_SIG_RSA_PKCS1_SHA256 + 0x100 * (uint32_t)h;
}

static int
sig_digest_final(void *ctx, unsigned char *sig, size_t *siglen,
    size_t sigsize)
{
	struct rsig *s = ctx;
	int max = EVP_PKEY_get_size(s->key->pub);
	ssize_t n;

	if (max <= 0)
		return 0;
	if (sig == NULL) {
		*siglen = (size_t)max;
		return 1;
	}
	if (s->over || (s->pss && !s->saltlen_ok))
		return 0;
	n = tls_key_ask(s->key->chan, sig_scheme(s), s->data, s->len, sig,
	    sigsize);
	if (n <= 0) {
		ERR_raise_data(ERR_LIB_USER, ERR_R_OPERATION_FAIL,
		    "the signer refused or failed");
		return 0;
	}
	*siglen = (size_t)n;
	return 1;
}

static int
sig_digest_sign(void *ctx, unsigned char *sig, size_t *siglen,
    size_t sigsize, const unsigned char *tbs, size_t tbslen)
{
	if (sig != NULL && !sig_digest_update(ctx, tbs, tbslen))
		return 0;
	return sig_digest_final(ctx, sig, siglen, sigsize);
}

static const OSSL_DISPATCH sig_fns[] = {
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_NEWCTX, sig_newctx),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_FREECTX, sig_freectx),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_DUPCTX, sig_dupctx),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, sig_digest_init),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE,
	    sig_digest_update),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, sig_digest_final),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN, sig_digest_sign),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, sig_set_ctx_params),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
	    sig_settable_ctx_params),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, sig_get_ctx_params),
	TLS_KEY_FN(OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS,
	    sig_gettable_ctx_params),
	{ 0, NULL },
};

static const OSSL_ALGORITHM sig_algorithms[] = {
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", TLS_KEY_PROPS, sig_fns,
	    "RSA signatures by the signer" },
	{ "ECDSA", TLS_KEY_PROPS, sig_fns, "ECDSA signatures by the signer" },
	{ NULL, NULL, NULL, NULL },
};

const OSSL_ALGORITHM *
tls_key_signatures(void)
{
	return sig_algorithms;
}
