/*
 * tls_key.c - the relay's stand-in for the private key: a small OpenSSL 3
 * provider, built into the daemon, whose RSA and EC keys hold only the
 * certificate's public key and a channel to the signer (tls_sign.c).
 * Here: the provider and its key management; its signature operation,
 * which asks the signer, is tls_key_sign.c.
 *
 * OpenSSL 3 has no private-key callback in libssl (BoringSSL's
 * SSL_PRIVATE_KEY_METHOD is not there); RSA_METHOD and EC_KEY_METHOD are
 * deprecated and would hand the signer a raw RSA private operation for
 * RSA-PSS (the padding is done before the method is called).  A provider
 * is the supported way: libssl signs through EVP_DigestSign, which for a
 * key of ours lands in tls_key_sign.c's digest_sign_* with the exact
 * bytes TLS signs (TLS 1.3 CertificateVerify content, TLS 1.2
 * ServerKeyExchange params), the digest and the padding.  Those go to the
 * signer as one KS_SIGN request; its reply is the signature.
 *
 * The provider's algorithms carry "provider=telnetd-remote";
 * tls_key_provider_load sets the library context's default query to
 * "?provider=default", so nothing but our own keys ever lands here.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "telnetd.h"
#include "tls.h"
#include "tls_openssl.h"

/* Our import parameter: the channel to the signer. */
#define PARAM_CHAN	"telnetd-signer-channel"

/* ------------------------------------------------------------------ */
/* Key management                                                        */

static void *
km_new(void *provctx)
{
	struct tls_rkey *k = calloc(1, sizeof(*k));

	(void)provctx;
	if (k != NULL)
		k->chan = -1;
	return k;
}

static void
km_free(void *kd)
{
	struct tls_rkey *k = kd;

	if (k == NULL)
		return;
	EVP_PKEY_free(k->pub);
	free(k);
}

static int
km_has(const void *kd, int selection)
{
	const struct tls_rkey *k = kd;

	if (k == NULL || k->pub == NULL)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && k->chan < 0)
		return 0;
	return 1;
}

static int
km_match(const void *a, const void *b, int selection)
{
	const struct tls_rkey *x = a, *y = b;

	(void)selection;
	return x->pub != NULL && y->pub != NULL &&
	    EVP_PKEY_eq(x->pub, y->pub) == 1;
}

/* The public key from params, made by the default provider. */
static int
km_import_common(struct tls_rkey *k, const char *type,
    const OSSL_PARAM params[])
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
	struct tls_rkey *k = kd;

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
	struct tls_rkey *k = kd;
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
	struct tls_rkey *k = kd;

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

#define KM_COMMON \
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_NEW, km_new), \
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_FREE, km_free), \
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_HAS, km_has), \
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_MATCH, km_match), \
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_EXPORT, km_export), \
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_GET_PARAMS, km_get_params), \
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, km_gettable_params)

static const OSSL_DISPATCH km_rsa[] = {
	KM_COMMON,
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_IMPORT, km_import_rsa),
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_IMPORT_TYPES, km_import_types_rsa),
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_EXPORT_TYPES, km_export_types_rsa),
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, km_opname_rsa),
	{ 0, NULL },
};

static const OSSL_DISPATCH km_ec[] = {
	KM_COMMON,
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_IMPORT, km_import_ec),
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_IMPORT_TYPES, km_import_types_ec),
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_EXPORT_TYPES, km_export_types_ec),
	TLS_KEY_FN(OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, km_opname_ec),
	{ 0, NULL },
};

/* ------------------------------------------------------------------ */
/* The provider                                                          */

static const OSSL_ALGORITHM prov_keymgmt[] = {
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", TLS_KEY_PROPS, km_rsa,
	    "RSA key whose signatures the signer makes" },
	{ "EC:id-ecPublicKey:1.2.840.10045.2.1", TLS_KEY_PROPS, km_ec,
	    "EC key whose signatures the signer makes" },
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
		return tls_key_signatures();
	default:
		return NULL;
	}
}

static const OSSL_DISPATCH prov_fns[] = {
	TLS_KEY_FN(OSSL_FUNC_PROVIDER_QUERY_OPERATION, prov_query),
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
		if (OSSL_PROVIDER_add_builtin(libctx, TLS_KEY_PROVIDER,
		    prov_init) != 1)
			return -1;
		registered = 1;
	}
	if ((*ours = OSSL_PROVIDER_load(libctx, TLS_KEY_PROVIDER)) == NULL ||
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
	    (c = EVP_PKEY_CTX_new_from_name(libctx, type, TLS_KEY_PROPS)) ==
	    NULL ||
	    EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &pk, EVP_PKEY_KEYPAIR, all) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(all);
	OSSL_PARAM_free(pubp);
	return pk;
}
