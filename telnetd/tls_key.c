/*
 * tls_key.c - the relay's stand-in for the private key: a small OpenSSL 3
 * provider, built into the daemon, whose RSA and EC keys hold only the
 * certificate's public key and a channel to the signer (tls_sign.c).
 *
 * OpenSSL 3 has no private-key callback in libssl (BoringSSL's
 * SSL_PRIVATE_KEY_METHOD is not there); RSA_METHOD and EC_KEY_METHOD are
 * deprecated and would hand the signer a raw RSA private operation for
 * RSA-PSS (the padding is done before the method is called).  A provider
 * is the supported way: libssl signs through EVP_DigestSign, which for a
 * key of ours lands in digest_sign_* below with the exact bytes TLS signs
 * (TLS 1.3 CertificateVerify content, TLS 1.2 ServerKeyExchange params),
 * the digest and the padding.  Those go to the signer as one KS_SIGN
 * request; its reply is the signature.
 *
 * The provider's algorithms carry "provider=telnetd-remote"; tls.c sets
 * the library context's default query to "?provider=default", so nothing
 * but our own keys ever lands here.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>

#include "telnetd.h"
#include "tls.h"

#define PROV_NAME	"telnetd-remote"
#define PROV_PROPS	"provider=" PROV_NAME
/* Our import parameter: the channel to the signer. */
#define PARAM_CHAN	"telnetd-signer-channel"

struct rkey {
	EVP_PKEY *pub;		/* the certificate's key (default provider) */
	int chan;		/* -1: public only */
	int is_rsa;
};

struct rsig {
	struct rkey *key;
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
/* Key management                                                        */

static void *
km_new(void *provctx)
{
	struct rkey *k = calloc(1, sizeof(*k));

	(void)provctx;
	if (k != NULL)
		k->chan = -1;
	return k;
}

static void
km_free(void *kd)
{
	struct rkey *k = kd;

	if (k == NULL)
		return;
	EVP_PKEY_free(k->pub);
	free(k);
}

static int
km_has(const void *kd, int selection)
{
	const struct rkey *k = kd;

	if (k == NULL || k->pub == NULL)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && k->chan < 0)
		return 0;
	return 1;
}

static int
km_match(const void *a, const void *b, int selection)
{
	const struct rkey *x = a, *y = b;

	(void)selection;
	return x->pub != NULL && y->pub != NULL &&
	    EVP_PKEY_eq(x->pub, y->pub) == 1;
}

/* The public key from params, made by the default provider. */
static int
km_import_common(struct rkey *k, const char *type, const OSSL_PARAM params[])
{
	const OSSL_PARAM *p;
	EVP_PKEY_CTX *c;
	EVP_PKEY *pub = NULL;
	int chan;

	if ((p = OSSL_PARAM_locate_const(params, PARAM_CHAN)) != NULL) {
		if (OSSL_PARAM_get_int(p, &chan) != 1)
			return 0;
		k->chan = chan;
	}
	if ((c = EVP_PKEY_CTX_new_from_name(NULL, type,
	    "provider=default")) == NULL)
		return 0;
	if (EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &pub, EVP_PKEY_PUBLIC_KEY,
	    (OSSL_PARAM *)(uintptr_t)params) != 1) {
		EVP_PKEY_CTX_free(c);
		return 0;
	}
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(k->pub);
	k->pub = pub;
	return 1;
}

static int
km_import_rsa(void *kd, int selection, const OSSL_PARAM params[])
{
	struct rkey *k = kd;

	(void)selection;
	k->is_rsa = 1;
	return km_import_common(k, "RSA", params);
}

static int
km_import_ec(void *kd, int selection, const OSSL_PARAM params[])
{
	(void)selection;
	return km_import_common(kd, "EC", params);
}

static const OSSL_PARAM *
km_import_types_rsa(int selection)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
		OSSL_PARAM_int(PARAM_CHAN, NULL),
		OSSL_PARAM_END,
	};

	(void)selection;
	return t;
}

static const OSSL_PARAM *
km_import_types_ec(int selection)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
		OSSL_PARAM_int(PARAM_CHAN, NULL),
		OSSL_PARAM_END,
	};

	(void)selection;
	return t;
}

/* Only ever the public half: a private export would let OpenSSL move the
 * key to a provider that cannot sign with it. */
static int
km_export(void *kd, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct rkey *k = kd;
	OSSL_PARAM *params = NULL;
	int ret;

	if (k->pub == NULL || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY))
		return 0;
	if (EVP_PKEY_todata(k->pub, EVP_PKEY_PUBLIC_KEY, &params) != 1)
		return 0;
	ret = cb(params, cbarg);
	OSSL_PARAM_free(params);
	return ret;
}

static const OSSL_PARAM *
km_export_types_rsa(int selection)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
		OSSL_PARAM_END,
	};

	(void)selection;
	return t;
}

static const OSSL_PARAM *
km_export_types_ec(int selection)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
		OSSL_PARAM_END,
	};

	(void)selection;
	return t;
}

static int
km_get_params(void *kd, OSSL_PARAM params[])
{
	struct rkey *k = kd;

	if (k->pub == NULL)
		return 0;
	/* Unknown requests stay unanswered, as the default provider does. */
	(void)EVP_PKEY_get_params(k->pub, params);
	return 1;
}

static const OSSL_PARAM *
km_gettable_params(void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
		OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
		OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
		    NULL, 0),
		OSSL_PARAM_END,
	};

	(void)provctx;
	return t;
}

static const char *
km_opname_rsa(int op)
{
	return op == OSSL_OP_SIGNATURE ? "RSA" : NULL;
}

static const char *
km_opname_ec(int op)
{
	return op == OSSL_OP_SIGNATURE ? "ECDSA" : NULL;
}

#define FN(id, f)	{ id, (void (*)(void))(f) }
#define KM_COMMON \
	FN(OSSL_FUNC_KEYMGMT_NEW, km_new), \
	FN(OSSL_FUNC_KEYMGMT_FREE, km_free), \
	FN(OSSL_FUNC_KEYMGMT_HAS, km_has), \
	FN(OSSL_FUNC_KEYMGMT_MATCH, km_match), \
	FN(OSSL_FUNC_KEYMGMT_EXPORT, km_export), \
	FN(OSSL_FUNC_KEYMGMT_GET_PARAMS, km_get_params), \
	FN(OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, km_gettable_params)

static const OSSL_DISPATCH km_rsa[] = {
	KM_COMMON,
	FN(OSSL_FUNC_KEYMGMT_IMPORT, km_import_rsa),
	FN(OSSL_FUNC_KEYMGMT_IMPORT_TYPES, km_import_types_rsa),
	FN(OSSL_FUNC_KEYMGMT_EXPORT_TYPES, km_export_types_rsa),
	FN(OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, km_opname_rsa),
	{ 0, NULL },
};

static const OSSL_DISPATCH km_ec[] = {
	KM_COMMON,
	FN(OSSL_FUNC_KEYMGMT_IMPORT, km_import_ec),
	FN(OSSL_FUNC_KEYMGMT_IMPORT_TYPES, km_import_types_ec),
	FN(OSSL_FUNC_KEYMGMT_EXPORT_TYPES, km_export_types_ec),
	FN(OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, km_opname_ec),
	{ 0, NULL },
};

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

static int
sig_set_ctx_params(void *ctx, const OSSL_PARAM params[])
{
	struct rsig *s = ctx;
	const OSSL_PARAM *p;
	const char *str;
	int v;

	if (params == NULL)
		return 1;
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_DIGEST)) != NULL) {
		if (OSSL_PARAM_get_utf8_string_ptr(p, &str) != 1 ||
		    !set_md(s, str))
			return 0;
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
		if (p->data_type == OSSL_PARAM_INTEGER) {
			if (OSSL_PARAM_get_int(p, &v) != 1)
				return 0;
			if (v == RSA_PKCS1_PSS_PADDING)
				s->pss = 1;
			else if (v == RSA_PKCS1_PADDING)
				s->pss = 0;
			else
				return 0;
		} else if (OSSL_PARAM_get_utf8_string_ptr(p, &str) == 1) {
			if (strcmp(str, OSSL_PKEY_RSA_PAD_MODE_PSS) == 0)
				s->pss = 1;
			else if (strcmp(str, OSSL_PKEY_RSA_PAD_MODE_PKCSV15) == 0)
				s->pss = 0;
			else
				return 0;
		} else
			return 0;
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL) {
		/* The signer uses a salt as long as the digest (RFC 8446
		 * 4.2.3), so that is the only length agreed to. */
		if (p->data_type == OSSL_PARAM_INTEGER) {
			if (OSSL_PARAM_get_int(p, &v) != 1 ||
			    v != RSA_PSS_SALTLEN_DIGEST)
				return 0;
		} else if (OSSL_PARAM_get_utf8_string_ptr(p, &str) != 1 ||
		    strcmp(str, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST) != 0)
			return 0;
		s->saltlen_ok = 1;
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) != NULL) {
		struct rsig tmp;

		memset(&tmp, 0, sizeof(tmp));
		if (OSSL_PARAM_get_utf8_string_ptr(p, &str) != 1 ||
		    !set_md(&tmp, str) || strcmp(tmp.md, s->md) != 0)
			return 0;
	}
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
	struct rkey *k = provkey;

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
	FN(OSSL_FUNC_SIGNATURE_NEWCTX, sig_newctx),
	FN(OSSL_FUNC_SIGNATURE_FREECTX, sig_freectx),
	FN(OSSL_FUNC_SIGNATURE_DUPCTX, sig_dupctx),
	FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, sig_digest_init),
	FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, sig_digest_update),
	FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, sig_digest_final),
	FN(OSSL_FUNC_SIGNATURE_DIGEST_SIGN, sig_digest_sign),
	FN(OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, sig_set_ctx_params),
	FN(OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, sig_settable_ctx_params),
	FN(OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, sig_get_ctx_params),
	FN(OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, sig_gettable_ctx_params),
	{ 0, NULL },
};

/* ------------------------------------------------------------------ */
/* The provider                                                          */

static const OSSL_ALGORITHM prov_keymgmt[] = {
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", PROV_PROPS, km_rsa,
	    "RSA key whose signatures the signer makes" },
	{ "EC:id-ecPublicKey:1.2.840.10045.2.1", PROV_PROPS, km_ec,
	    "EC key whose signatures the signer makes" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM prov_signature[] = {
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", PROV_PROPS, sig_fns,
	    "RSA signatures by the signer" },
	{ "ECDSA", PROV_PROPS, sig_fns, "ECDSA signatures by the signer" },
	{ NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM *
prov_query(void *provctx, int op, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	switch (op) {
	case OSSL_OP_KEYMGMT:
		return prov_keymgmt;
	case OSSL_OP_SIGNATURE:
		return prov_signature;
	default:
		return NULL;
	}
}

static const OSSL_DISPATCH prov_fns[] = {
	FN(OSSL_FUNC_PROVIDER_QUERY_OPERATION, prov_query),
	{ 0, NULL },
};

static int
prov_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
    const OSSL_DISPATCH **out, void **provctx)
{
	(void)in;
	*out = prov_fns;
	*provctx = (void *)(uintptr_t)handle;
	return 1;
}

/*
 * Load our provider and the default one into libctx; the references go
 * to *ours and *dflt for tls_key_provider_unload.  Registering the
 * built-in is OpenSSL's process-wide state (a name may be added once), so
 * whether it was done is kept here, the one mutable static of the TLS
 * code.
 */
int
tls_key_provider_load(OSSL_LIB_CTX *libctx, OSSL_PROVIDER **ours,
    OSSL_PROVIDER **dflt)
{
	static int registered;

	*ours = *dflt = NULL;
	if (!registered) {
		if (OSSL_PROVIDER_add_builtin(libctx, PROV_NAME,
		    prov_init) != 1)
			return -1;
		registered = 1;
	}
	if ((*ours = OSSL_PROVIDER_load(libctx, PROV_NAME)) == NULL ||
	    (*dflt = OSSL_PROVIDER_load(libctx, "default")) == NULL) {
		tls_key_provider_unload(*ours, *dflt);
		*ours = *dflt = NULL;
		return -1;
	}
	/* Everything but our keys comes from the default provider. */
	if (EVP_set_default_properties(libctx, "?provider=default") != 1) {
		tls_key_provider_unload(*ours, *dflt);
		*ours = *dflt = NULL;
		return -1;
	}
	return 0;
}

void
tls_key_provider_unload(OSSL_PROVIDER *ours, OSSL_PROVIDER *dflt)
{
	if (ours != NULL)
		OSSL_PROVIDER_unload(ours);
	if (dflt != NULL)
		OSSL_PROVIDER_unload(dflt);
}

EVP_PKEY *
tls_key_remote(OSSL_LIB_CTX *libctx, EVP_PKEY *pub, int chan)
{
	OSSL_PARAM *pubp = NULL, *all = NULL;
	OSSL_PARAM extra[2];
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *pk = NULL;
	const char *type;

	if (EVP_PKEY_is_a(pub, "RSA"))
		type = "RSA";
	else if (EVP_PKEY_is_a(pub, "EC"))
		type = "EC";
	else
		return NULL;
	extra[0] = OSSL_PARAM_construct_int(PARAM_CHAN, &chan);
	extra[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_todata(pub, EVP_PKEY_PUBLIC_KEY, &pubp) != 1 ||
	    (all = OSSL_PARAM_merge(pubp, extra)) == NULL ||
	    (c = EVP_PKEY_CTX_new_from_name(libctx, type, PROV_PROPS)) == NULL ||
	    EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &pk, EVP_PKEY_KEYPAIR, all) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(all);
	OSSL_PARAM_free(pubp);
	return pk;
}
