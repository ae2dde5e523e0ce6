/*
 * tls_sign.c - the signer: the one process that holds the TLS private key.
 * It answers one signature request per channel (one channel per
 * connection, so one per handshake), and only for the exact bytes TLS
 * signs in a server handshake:
 *
 *  - TLS 1.3 CertificateVerify (RFC 8446 section 4.4.3): 64 spaces, the
 *    context string "TLS 1.3, server CertificateVerify", a zero byte and
 *    the transcript hash (SHA-256 or SHA-384: the TLS 1.3 suites' hashes);
 *  - TLS 1.2 ServerKeyExchange (RFC 8422 section 5.4): client random,
 *    server random, then ECParameters (named_curve) and the ECDHE point of
 *    that curve's exact length.  Our server also speaks TLS 1.3, so its
 *    server random ends in the downgrade sentinel "DOWNGRD\1" (RFC 8446
 *    section 4.1.3); content without it is refused.
 *
 * So a compromised relay can get one signature per connection, over a TLS
 * server handshake, with a scheme the key may use: never the key, never a
 * signature over a certificate, a message of another protocol or a raw
 * private-key operation.  The checks are pure functions (tests/test_tls_sign.c);
 * the key operations below them use OpenSSL.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "telnetd.h"
#include "tls.h"

#define TLS13_CV_CONTEXT	"TLS 1.3, server CertificateVerify"
#define TLS13_CV_PAD		64
#define TLS12_RANDOMS		64	/* client_random, server_random */
#define TLS_NAMED_CURVE		3	/* ECCurveType named_curve */
static const unsigned char downgrade_tls12[8] = {
	'D', 'O', 'W', 'N', 'G', 'R', 'D', 0x01,
};

size_t
ks_scheme_hash_len(uint32_t scheme)
{
	switch (scheme) {
	case TLS_SIG_RSA_PKCS1_SHA256:
	case TLS_SIG_ECDSA_SHA256:
	case TLS_SIG_RSA_PSS_SHA256:
		return 32;
	case TLS_SIG_RSA_PKCS1_SHA384:
	case TLS_SIG_ECDSA_SHA384:
	case TLS_SIG_RSA_PSS_SHA384:
		return 48;
	case TLS_SIG_RSA_PKCS1_SHA512:
	case TLS_SIG_ECDSA_SHA512:
	case TLS_SIG_RSA_PSS_SHA512:
		return 64;
	default:
		return 0;
	}
}

/* The ECDHE point length of a named group (RFC 8446 section 4.2.7),
 * 0 for a group the signer does not know. */
static size_t
group_point_len(unsigned int group)
{
	switch (group) {
	case 0x0017: return 65;		/* secp256r1, uncompressed */
	case 0x0018: return 97;		/* secp384r1 */
	case 0x0019: return 133;	/* secp521r1 */
	case 0x001d: return 32;		/* x25519 */
	case 0x001e: return 56;		/* x448 */
	default: return 0;
	}
}

enum ks_content
ks_content_kind(const unsigned char *buf, size_t len)
{
	static const char ctx[] = TLS13_CV_CONTEXT;
	const size_t head = TLS13_CV_PAD + sizeof(ctx);	/* with the NUL */
	size_t i, plen;
	unsigned int group;

	if (buf == NULL)
		return KS_CONTENT_BAD;
	if (len == head + 32 || len == head + 48) {
		for (i = 0; i < TLS13_CV_PAD; i++)
			if (buf[i] != 0x20)
				return KS_CONTENT_BAD;
		if (memcmp(buf + TLS13_CV_PAD, ctx, sizeof(ctx)) != 0)
			return KS_CONTENT_BAD;
		return KS_CONTENT_TLS13_CV;
	}
	/* randoms, curve_type, group (2), point length (1), point */
	if (len < TLS12_RANDOMS + 4)
		return KS_CONTENT_BAD;
	if (memcmp(buf + TLS12_RANDOMS - sizeof(downgrade_tls12),
	    downgrade_tls12, sizeof(downgrade_tls12)) != 0)
		return KS_CONTENT_BAD;
	if (buf[TLS12_RANDOMS] != TLS_NAMED_CURVE)
		return KS_CONTENT_BAD;
	group = (unsigned int)buf[TLS12_RANDOMS + 1] << 8 |
	    buf[TLS12_RANDOMS + 2];
	plen = buf[TLS12_RANDOMS + 3];
	if (plen == 0 || plen != group_point_len(group) ||
	    len != TLS12_RANDOMS + 4 + plen)
		return KS_CONTENT_BAD;
	/* The NIST curves' points are uncompressed (RFC 8422 5.4.1). */
	if (group >= 0x0017 && group <= 0x0019 &&
	    buf[TLS12_RANDOMS + 4] != 0x04)
		return KS_CONTENT_BAD;
	return KS_CONTENT_TLS12_SKE;
}

int
ks_scheme_allowed(enum ks_key_type key, uint32_t scheme,
    enum ks_content content)
{
	switch (key) {
	case KS_KEY_RSA:
		switch (scheme) {
		case TLS_SIG_RSA_PSS_SHA256:
		case TLS_SIG_RSA_PSS_SHA384:
		case TLS_SIG_RSA_PSS_SHA512:
			return content != KS_CONTENT_BAD;
		case TLS_SIG_RSA_PKCS1_SHA256:
		case TLS_SIG_RSA_PKCS1_SHA384:
		case TLS_SIG_RSA_PKCS1_SHA512:
			/* RFC 8446 4.4.3: never PKCS #1 v1.5 in TLS 1.3. */
			return content == KS_CONTENT_TLS12_SKE;
		default:
			return 0;
		}
	case KS_KEY_EC_P256:
	case KS_KEY_EC_P384:
	case KS_KEY_EC_P521:
		if (scheme != TLS_SIG_ECDSA_SHA256 &&
		    scheme != TLS_SIG_ECDSA_SHA384 &&
		    scheme != TLS_SIG_ECDSA_SHA512)
			return 0;
		if (content == KS_CONTENT_TLS12_SKE)
			return 1;
		/* RFC 8446 4.2.3: in TLS 1.3 the scheme names the curve. */
		if (content == KS_CONTENT_TLS13_CV)
			return (key == KS_KEY_EC_P256 &&
			    scheme == TLS_SIG_ECDSA_SHA256) ||
			    (key == KS_KEY_EC_P384 &&
			    scheme == TLS_SIG_ECDSA_SHA384) ||
			    (key == KS_KEY_EC_P521 &&
			    scheme == TLS_SIG_ECDSA_SHA512);
		return 0;
	default:
		return 0;
	}
}

int
ks_request_check(struct ks_state *st, const struct ks_sign *req,
    size_t msglen, const char **why)
{
	enum ks_content content;

	*why = NULL;
	if (msglen < KS_SIGN_LEN(0) || req->type != KS_SIGN) {
		*why = "not a signature request";
		return -1;
	}
	if (req->len > KS_DATA_MAX || msglen != KS_SIGN_LEN(req->len)) {
		*why = "bad request length";
		return -1;
	}
	if (st->signed_once) {
		*why = "second signature request";
		return -1;
	}
	if (ks_scheme_hash_len(req->scheme) == 0) {
		*why = "unknown signature scheme";
		return -1;
	}
	if ((content = ks_content_kind(req->data, req->len)) ==
	    KS_CONTENT_BAD) {
		*why = "content is not a TLS server handshake signature";
		return -1;
	}
	if (!ks_scheme_allowed(st->key, req->scheme, content)) {
		*why = "scheme not allowed for this key and content";
		return -1;
	}
	st->signed_once = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The key (OpenSSL)                                                    */

struct ks_key {
	EVP_PKEY *pkey;
	enum ks_key_type type;
	char *chain;		/* the chain file's text, as checked */
	size_t chainlen;
};

/* The first OpenSSL error as text, or fallback. */
static void
ossl_why(char *why, size_t whysz, const char *what, const char *file)
{
	unsigned long e = ERR_peek_last_error();
	char buf[160];

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		strlcpy(buf, "no PEM data", sizeof(buf));
	snprintf(why, whysz, "%s %s: %s", what, file, buf);
	ERR_clear_error();
}

static enum ks_key_type
pkey_type(EVP_PKEY *pk, int *rsa_bits)
{
	char group[32];

	*rsa_bits = 0;
	if (EVP_PKEY_is_a(pk, "RSA")) {
		*rsa_bits = EVP_PKEY_get_bits(pk);
		return KS_KEY_RSA;
	}
	if (EVP_PKEY_is_a(pk, "EC") &&
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) == 1) {
		if (strcmp(group, "prime256v1") == 0)
			return KS_KEY_EC_P256;
		if (strcmp(group, "secp384r1") == 0)
			return KS_KEY_EC_P384;
		if (strcmp(group, "secp521r1") == 0)
			return KS_KEY_EC_P521;
	}
	return KS_KEY_NONE;
}

/*
 * One of the files, as a stream, only when it is a regular file: a FIFO
 * would hold the read (and, without O_NONBLOCK, the open) until a writer
 * came, and the start or a SIGHUP's reload with it; a directory or a
 * device is not a PEM file either (OpenSSL's own error for a directory,
 * "DECODER routines::unsupported", says nothing of that).  O_NOCTTY: a
 * terminal named here must not become ours.  A regular file's reads never
 * wait, O_NONBLOCK or not.
 */
static FILE *
open_regular(const char *path, const char *what, char *why, size_t whysz)
{
	struct stat st;
	FILE *f;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1 || fstat(fd, &st) == -1) {
		snprintf(why, whysz, "%s %s: %s", what, path, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "%s %s: not a regular file", what, path);
		close(fd);
		return NULL;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(why, whysz, "%s %s: %s", what, path, strerror(errno));
		close(fd);
	}
	return f;
}

/* The chain file read whole (at most KS_CHAIN_MAX bytes): the relay's
 * certificates are this text, so they always match the key checked here,
 * whatever happens to the file afterwards. */
static char *
read_chain(const char *chainfile, size_t *len, char *why, size_t whysz)
{
	char *buf;
	size_t n = 0, r;
	FILE *f;

	if ((f = open_regular(chainfile, "certificate", why, whysz)) == NULL)
		return NULL;
	if ((buf = malloc(KS_CHAIN_MAX + 1)) == NULL) {
		fclose(f);
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	while (n <= KS_CHAIN_MAX &&
	    (r = fread(buf + n, 1, KS_CHAIN_MAX + 1 - n, f)) > 0)
		n += r;
	if (ferror(f) || n > KS_CHAIN_MAX) {
		snprintf(why, whysz, "certificate %s: %s", chainfile,
		    ferror(f) ? strerror(errno) : "over 64 KiB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static X509 *
first_cert(const char *chain, size_t len, const char *chainfile, char *why,
    size_t whysz)
{
	X509 *x = NULL;
	BIO *b;

	if ((b = BIO_new_mem_buf(chain, (int)len)) != NULL) {
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if (x == NULL)
		ossl_why(why, whysz, "certificate", chainfile);
	return x;
}

struct ks_key *
ks_key_load(const char *keyfile, const char *chainfile, char *why,
    size_t whysz)
{
	struct ks_key *k = NULL;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	char *chain;
	size_t chainlen = 0;
	FILE *f;
	int bits;

	if ((chain = read_chain(chainfile, &chainlen, why, whysz)) == NULL)
		return NULL;
	if ((x = first_cert(chain, chainlen, chainfile, why, whysz)) ==
	    NULL) {
		free(chain);
		return NULL;
	}
	if ((f = open_regular(keyfile, "key", why, whysz)) == NULL)
		goto out;
	/* No passphrase prompt: a daemon has no one to ask. */
	pk = PEM_read_PrivateKey(f, NULL, NULL, (void *)(uintptr_t)"");
	fclose(f);
	if (pk == NULL) {
		ossl_why(why, whysz, "key", keyfile);
		goto out;
	}
	if (X509_check_private_key(x, pk) != 1) {
		ERR_clear_error();
		snprintf(why, whysz, "key %s does not match the certificate "
		    "in %s", keyfile, chainfile);
		goto out;
	}
	switch (pkey_type(pk, &bits)) {
	case KS_KEY_NONE:
		snprintf(why, whysz, "key %s: only RSA and ECDSA P-256, "
		    "P-384 and P-521 keys are supported", keyfile);
		goto out;
	case KS_KEY_RSA:
		if (bits < KS_RSA_BITS_MIN || bits > KS_RSA_BITS_MAX) {
			snprintf(why, whysz, "key %s: RSA key of %d bits "
			    "(%d..%d)", keyfile, bits, KS_RSA_BITS_MIN,
			    KS_RSA_BITS_MAX);
			goto out;
		}
		break;
	default:
		break;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	k->type = pkey_type(pk, &bits);
	k->pkey = pk;
	k->chain = chain;
	k->chainlen = chainlen;
	pk = NULL;
	chain = NULL;
out:
	EVP_PKEY_free(pk);
	X509_free(x);
	free(chain);
	return k;
}

const char *
ks_key_chain(const struct ks_key *k, size_t *len)
{
	*len = k->chainlen;
	return k->chain;
}

enum ks_key_type
ks_key_type(const struct ks_key *k)
{
	return k->type;
}

void
ks_key_free(struct ks_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->chain);
	free(k);
}

static const char *
scheme_md(uint32_t scheme)
{
	switch (ks_scheme_hash_len(scheme)) {
	case 32: return "SHA256";
	case 48: return "SHA384";
	case 64: return "SHA512";
	default: return NULL;
	}
}

ssize_t
ks_key_sign(const struct ks_key *k, uint32_t scheme,
    const unsigned char *data, size_t len, unsigned char *sig, size_t sigmax)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	const char *mdname = scheme_md(scheme);
	size_t siglen = sigmax;
	ssize_t ret = -1;

	if (mdname == NULL || (md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit_ex(md, &pctx, mdname, NULL, NULL, k->pkey,
	    NULL) != 1)
		goto out;
	if (scheme >= TLS_SIG_RSA_PSS_SHA256 &&
	    scheme <= TLS_SIG_RSA_PSS_SHA512) {
		/* RFC 8446 4.2.3: MGF1 with the same hash, salt as long as
		 * the hash. */
		if (EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
		    RSA_PSS_SALTLEN_DIGEST) != 1)
			goto out;
	} else if (k->type == KS_KEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		goto out;
	if (EVP_DigestSign(md, sig, &siglen, data, len) != 1)
		goto out;
	ret = (ssize_t)siglen;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	return ret;
}

int
ks_check_files(const char *chainfile, const char *keyfile, char *why,
    size_t whysz)
{
	struct ks_key *k = ks_key_load(keyfile, chainfile, why, whysz);

	if (k == NULL)
		return -1;
	ks_key_free(k);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Serving one channel                                                   */

/*
 * One message on a channel: the first request that passes the checks is
 * signed (1); EOF is 0; a request that fails them, or any after the
 * signature, is answered EPERM, logged, and -1.
 */
int
ks_answer(const struct ks_key *k, struct ks_state *st, int chan)
{
	struct ks_sign req;
	struct ks_signature rep;
	const char *why;
	ssize_t n, sl;
	int fd;

	st->key = k->type;
	why = NULL;
	n = ps_recv(chan, &req, sizeof(req), &fd);
	/* A relay never sends a descriptor (ps_recv closed any past the
	 * first): one attached is a relay taken over. */
	if (fd != -1) {
		close(fd);
		why = "a descriptor attached";
	}
	if (n == 0 && why == NULL)
		return 0;
	memset(&rep, 0, sizeof(rep));
	rep.type = KS_SIGNATURE;
	if (why != NULL || n < 0 ||
	    ks_request_check(st, &req, (size_t)n, &why) == -1) {
		log_warnx("signer: request refused: %s",
		    why == NULL ? strerror(errno) : why);
		rep.error = EPERM;
		(void)ps_send(chan, &rep, KS_SIGNATURE_LEN(0), -1);
		return -1;
	}
	if ((sl = ks_key_sign(k, req.scheme, req.data, req.len, rep.sig,
	    sizeof(rep.sig))) < 0) {
		log_warnx("signer: signing failed");
		rep.error = EIO;
		sl = 0;
	}
	rep.len = (uint32_t)sl;
	if (ps_send(chan, &rep, KS_SIGNATURE_LEN(rep.len), -1) == -1) {
		log_warn("signer: reply");
		return -1;
	}
	return 1;
}

int
ks_serve(const struct ks_key *k, int chan)
{
	struct ks_state st;
	int r;

	memset(&st, 0, sizeof(st));
	while ((r = ks_answer(k, &st, chan)) == 1)
		;
	return r;
}
