/*
 * test_tls_sign.c - the signer's checks (telnetd/tls_sign.c): what content
 * it signs (the TLS 1.3 server CertificateVerify input, a TLS 1.2 ECDHE
 * ServerKeyExchange with the downgrade sentinel), with which scheme for
 * which key, one signature per channel; and the key itself: loading and
 * matching, signatures that verify with the certificate's key, and the
 * relay's request over a socketpair (tls_key_ask against ks_serve).
 * The keys come from tests/tls/make-test-ca.sh, run into a temporary
 * directory.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "telnetd.h"
#include "tls.h"

#define CV_CTX	"TLS 1.3, server CertificateVerify"

static char dir[64];

/* The TLS 1.3 CertificateVerify input for a transcript hash of hlen. */
static size_t
tls13_content(unsigned char *buf, size_t hlen, const char *ctx)
{
	size_t n = 0, i;

	memset(buf, 0x20, 64);
	n = 64;
	memcpy(buf + n, ctx, strlen(ctx) + 1);
	n += strlen(ctx) + 1;
	for (i = 0; i < hlen; i++)
		buf[n++] = (unsigned char)(0xa0 + i);
	return n;
}

/* A TLS 1.2 ServerKeyExchange: randoms (the server's ending in the
 * downgrade sentinel), named curve GROUP, a point of PLEN bytes. */
static size_t
tls12_content(unsigned char *buf, unsigned group, size_t plen, int sentinel)
{
	static const unsigned char dg[8] = "DOWNGRD\x01";
	size_t n, i;

	for (i = 0; i < 64; i++)
		buf[i] = (unsigned char)i;
	if (sentinel)
		memcpy(buf + 56, dg, 8);
	buf[64] = 3;
	buf[65] = (unsigned char)(group >> 8);
	buf[66] = (unsigned char)group;
	buf[67] = (unsigned char)plen;
	n = 68;
	for (i = 0; i < plen; i++)
		buf[n++] = (unsigned char)(i + 1);
	if (plen > 0 && group >= 0x17 && group <= 0x19)
		buf[68] = 4;
	return n;
}

static void
test_hash_len(void **state)
{
	(void)state;
	assert_int_equal(ks_scheme_hash_len(TLS_SIG_RSA_PSS_SHA256), 32);
	assert_int_equal(ks_scheme_hash_len(TLS_SIG_RSA_PKCS1_SHA384), 48);
	assert_int_equal(ks_scheme_hash_len(TLS_SIG_ECDSA_SHA512), 64);
	assert_int_equal(ks_scheme_hash_len(0x0201), 0);	/* SHA-1 */
	assert_int_equal(ks_scheme_hash_len(0x0203), 0);
	assert_int_equal(ks_scheme_hash_len(0x0809), 0);	/* rsa_pss_pss */
	assert_int_equal(ks_scheme_hash_len(0x0807), 0);	/* ed25519 */
	assert_int_equal(ks_scheme_hash_len(0), 0);
}

static void
test_content_tls13(void **state)
{
	unsigned char buf[600];
	size_t n, i;

	(void)state;
	n = tls13_content(buf, 32, CV_CTX);
	assert_int_equal(n, 130);
	assert_int_equal(ks_content_kind(buf, n), KS_CONTENT_TLS13_CV);
	n = tls13_content(buf, 48, CV_CTX);
	assert_int_equal(ks_content_kind(buf, n), KS_CONTENT_TLS13_CV);
	/* SHA-512 is no TLS 1.3 suite's hash; 20 bytes is SHA-1. */
	assert_int_equal(ks_content_kind(buf, tls13_content(buf, 64, CV_CTX)),
	    KS_CONTENT_BAD);
	assert_int_equal(ks_content_kind(buf, tls13_content(buf, 20, CV_CTX)),
	    KS_CONTENT_BAD);
	/* The client's context: a signature it could use as a client. */
	assert_int_equal(ks_content_kind(buf, tls13_content(buf, 32,
	    "TLS 1.3, client CertificateVerify")), KS_CONTENT_BAD);
	/* Every byte of the padding and of the context string matters. */
	n = tls13_content(buf, 32, CV_CTX);
	for (i = 0; i < 64 + sizeof(CV_CTX); i++) {
		buf[i] ^= 0x01;
		assert_int_equal(ks_content_kind(buf, n), KS_CONTENT_BAD);
		buf[i] ^= 0x01;
	}
	assert_int_equal(ks_content_kind(buf, n), KS_CONTENT_TLS13_CV);
	/* One byte short or long of either length. */
	assert_int_equal(ks_content_kind(buf, n - 1), KS_CONTENT_BAD);
	assert_int_equal(ks_content_kind(buf, n + 1), KS_CONTENT_BAD);
	assert_int_equal(ks_content_kind(NULL, 0), KS_CONTENT_BAD);
}

static void
test_content_tls12(void **state)
{
	static const struct { unsigned group; size_t plen; } ok[] = {
		{ 0x0017, 65 }, { 0x0018, 97 }, { 0x0019, 133 },
		{ 0x001d, 32 }, { 0x001e, 56 },
	};
	unsigned char buf[600];
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = tls12_content(buf, ok[i].group, ok[i].plen, 1);
		assert_int_equal(ks_content_kind(buf, n), KS_CONTENT_TLS12_SKE);
		/* Every other point length of the same group is refused
		 * (the length byte and the content agree). */
		for (len = 1; len < 255; len++)
			if (len != ok[i].plen)
				assert_int_equal(ks_content_kind(buf,
				    tls12_content(buf, ok[i].group, len, 1)),
				    KS_CONTENT_BAD);
		n = tls12_content(buf, ok[i].group, ok[i].plen, 1);
		/* Content longer or shorter than its own length byte. */
		assert_int_equal(ks_content_kind(buf, n - 1), KS_CONTENT_BAD);
		assert_int_equal(ks_content_kind(buf, n + 1), KS_CONTENT_BAD);
		/* No downgrade sentinel: not our TLS 1.3 server's. */
		n = tls12_content(buf, ok[i].group, ok[i].plen, 0);
		assert_int_equal(ks_content_kind(buf, n), KS_CONTENT_BAD);
	}
	/* Not a named curve; an unknown group; a compressed NIST point. */
	n = tls12_content(buf, 0x0017, 65, 1);
	buf[64] = 1;
	assert_int_equal(ks_content_kind(buf, n), KS_CONTENT_BAD);
	n = tls12_content(buf, 0x0100, 65, 1);		/* ffdhe2048 */
	assert_int_equal(ks_content_kind(buf, n), KS_CONTENT_BAD);
	n = tls12_content(buf, 0x0017, 65, 1);
	buf[68] = 2;
	assert_int_equal(ks_content_kind(buf, n), KS_CONTENT_BAD);
	/* Anything of any length that is neither form. */
	memset(buf, 0x41, sizeof(buf));
	for (len = 0; len <= sizeof(buf); len++)
		assert_int_equal(ks_content_kind(buf, len), KS_CONTENT_BAD);
}

static void
test_scheme_allowed(void **state)
{
	const enum ks_content c13 = KS_CONTENT_TLS13_CV;
	const enum ks_content c12 = KS_CONTENT_TLS12_SKE;

	(void)state;
	/* RSA: PSS always, PKCS #1 v1.5 only in TLS 1.2 (RFC 8446 4.4.3). */
	assert_true(ks_scheme_allowed(KS_KEY_RSA, TLS_SIG_RSA_PSS_SHA256, c13));
	assert_true(ks_scheme_allowed(KS_KEY_RSA, TLS_SIG_RSA_PSS_SHA512, c12));
	assert_false(ks_scheme_allowed(KS_KEY_RSA, TLS_SIG_RSA_PKCS1_SHA256,
	    c13));
	assert_true(ks_scheme_allowed(KS_KEY_RSA, TLS_SIG_RSA_PKCS1_SHA384,
	    c12));
	assert_false(ks_scheme_allowed(KS_KEY_RSA, TLS_SIG_ECDSA_SHA256, c12));
	assert_false(ks_scheme_allowed(KS_KEY_RSA, 0x0201, c12));
	assert_false(ks_scheme_allowed(KS_KEY_RSA, TLS_SIG_RSA_PSS_SHA256,
	    KS_CONTENT_BAD));
	/* ECDSA: in TLS 1.3 the scheme names the key's curve. */
	assert_true(ks_scheme_allowed(KS_KEY_EC_P256, TLS_SIG_ECDSA_SHA256,
	    c13));
	assert_false(ks_scheme_allowed(KS_KEY_EC_P256, TLS_SIG_ECDSA_SHA384,
	    c13));
	assert_true(ks_scheme_allowed(KS_KEY_EC_P256, TLS_SIG_ECDSA_SHA384,
	    c12));
	assert_true(ks_scheme_allowed(KS_KEY_EC_P384, TLS_SIG_ECDSA_SHA384,
	    c13));
	assert_true(ks_scheme_allowed(KS_KEY_EC_P521, TLS_SIG_ECDSA_SHA512,
	    c13));
	assert_false(ks_scheme_allowed(KS_KEY_EC_P384, TLS_SIG_RSA_PSS_SHA384,
	    c13));
	assert_false(ks_scheme_allowed(KS_KEY_EC_P256, 0x0203, c12));
	assert_false(ks_scheme_allowed(KS_KEY_NONE, TLS_SIG_ECDSA_SHA256, c12));
}

static void
test_request_check(void **state)
{
	struct ks_state st;
	struct ks_sign req;
	const char *why;
	size_t n;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.key = KS_KEY_RSA;
	memset(&req, 0, sizeof(req));
	req.type = KS_SIGN;
	req.scheme = TLS_SIG_RSA_PSS_SHA256;
	n = tls13_content(req.data, 48, CV_CTX);
	req.len = (uint32_t)n;

	/* Short, long, wrong type, len over the bound, len not the
	 * message's. */
	assert_int_equal(ks_request_check(&st, &req, 4, &why), -1);
	assert_non_null(why);
	assert_int_equal(ks_request_check(&st, &req, KS_SIGN_LEN(n) + 1,
	    &why), -1);
	assert_int_equal(ks_request_check(&st, &req, KS_SIGN_LEN(n) - 1,
	    &why), -1);
	req.type = KS_SIGNATURE;
	assert_int_equal(ks_request_check(&st, &req, KS_SIGN_LEN(n), &why), -1);
	req.type = KS_SIGN;
	req.len = KS_DATA_MAX + 1;
	assert_int_equal(ks_request_check(&st, &req, sizeof(req), &why), -1);
	req.len = (uint32_t)n;
	/* A scheme the key may not use here. */
	req.scheme = TLS_SIG_RSA_PKCS1_SHA256;
	assert_int_equal(ks_request_check(&st, &req, KS_SIGN_LEN(n), &why), -1);
	req.scheme = 0x0809;
	assert_int_equal(ks_request_check(&st, &req, KS_SIGN_LEN(n), &why), -1);
	/* Content that is not a server handshake. */
	req.scheme = TLS_SIG_RSA_PSS_SHA256;
	req.data[0] = 'x';
	assert_int_equal(ks_request_check(&st, &req, KS_SIGN_LEN(n), &why), -1);
	req.data[0] = 0x20;
	assert_int_equal(st.signed_once, 0);
	/* The good one, once. */
	assert_int_equal(ks_request_check(&st, &req, KS_SIGN_LEN(n), &why), 0);
	assert_int_equal(st.signed_once, 1);
	assert_int_equal(ks_request_check(&st, &req, KS_SIGN_LEN(n), &why), -1);
	assert_string_equal(why, "second signature request");
}

/* ------------------------------------------------------------------ */
/* The key                                                              */

static char *
path(const char *name)
{
	static char buf[8][128];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static int
setup_ca(void **state)
{
	char cmd[256];

	(void)state;
	strlcpy(dir, "/tmp/test_tls_sign.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "bash tests/tls/make-test-ca.sh %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
teardown_ca(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Verify sig over data with the certificate's key, as the client will. */
static int
verify(const char *cert, uint32_t scheme, const unsigned char *data,
    size_t len, const unsigned char *sig, size_t siglen)
{
	FILE *f = fopen(cert, "r");
	X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	EVP_PKEY *pub = x != NULL ? X509_get0_pubkey(x) : NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const char *mdname = ks_scheme_hash_len(scheme) == 32 ? "SHA256" :
	    ks_scheme_hash_len(scheme) == 48 ? "SHA384" : "SHA512";
	int ok = 0;

	if (f != NULL)
		fclose(f);
	if (pub != NULL && md != NULL &&
	    EVP_DigestVerifyInit_ex(md, &pctx, mdname, NULL, NULL, pub,
	    NULL) == 1) {
		if (scheme >= TLS_SIG_RSA_PSS_SHA256 &&
		    scheme <= TLS_SIG_RSA_PSS_SHA512) {
			EVP_PKEY_CTX_set_rsa_padding(pctx,
			    RSA_PKCS1_PSS_PADDING);
			EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
			    RSA_PSS_SALTLEN_DIGEST);
		}
		ok = EVP_DigestVerify(md, sig, siglen, data, len) == 1;
	}
	EVP_MD_CTX_free(md);
	X509_free(x);
	return ok;
}

static void
test_key_load(void **state)
{
	char why[256];
	struct ks_key *k;

	(void)state;
	k = ks_key_load(path("rsa.key"), path("rsa-chain.pem"), why,
	    sizeof(why));
	assert_non_null(k);
	assert_int_equal(ks_key_type(k), KS_KEY_RSA);
	ks_key_free(k);
	k = ks_key_load(path("ec.key"), path("ec.pem"), why, sizeof(why));
	assert_non_null(k);
	assert_int_equal(ks_key_type(k), KS_KEY_EC_P256);
	ks_key_free(k);
	assert_null(ks_key_load(path("other.key"), path("rsa.pem"), why,
	    sizeof(why)));
	assert_non_null(strstr(why, "does not match"));
	assert_null(ks_key_load(path("ec.key"), path("rsa.pem"), why,
	    sizeof(why)));
	assert_null(ks_key_load(path("rsa.pem"), path("rsa.pem"), why,
	    sizeof(why)));
	assert_non_null(strstr(why, "key "));
	assert_null(ks_key_load(path("missing.key"), path("rsa.pem"), why,
	    sizeof(why)));
	assert_non_null(strstr(why, "No such file"));
	assert_null(ks_key_load(path("rsa.key"), path("rsa.key"), why,
	    sizeof(why)));
	assert_non_null(strstr(why, "certificate"));
	assert_int_equal(ks_check_files(path("ec-chain.pem"), path("ec.key"),
	    why, sizeof(why)), 0);
	assert_int_equal(ks_check_files(path("ec-chain.pem"),
	    path("other.key"), why, sizeof(why)), -1);
}

static void
sign_verify(const char *key, const char *cert, uint32_t scheme,
    const unsigned char *data, size_t len)
{
	unsigned char sig[KS_SIG_MAX];
	char why[256];
	struct ks_key *k = ks_key_load(key, cert, why, sizeof(why));
	ssize_t n;

	assert_non_null(k);
	n = ks_key_sign(k, scheme, data, len, sig, sizeof(sig));
	assert_true(n > 0);
	assert_true(verify(cert, scheme, data, len, sig, (size_t)n));
	/* A changed byte does not verify: it signed these bytes. */
	assert_false(verify(cert, scheme, data, len - 1, sig, (size_t)n));
	ks_key_free(k);
}

static void
test_key_sign(void **state)
{
	unsigned char buf[600];
	size_t n;

	(void)state;
	n = tls13_content(buf, 32, CV_CTX);
	sign_verify(path("rsa.key"), path("rsa.pem"), TLS_SIG_RSA_PSS_SHA256,
	    buf, n);
	sign_verify(path("ec.key"), path("ec.pem"), TLS_SIG_ECDSA_SHA256, buf,
	    n);
	n = tls12_content(buf, 0x001d, 32, 1);
	sign_verify(path("rsa.key"), path("rsa.pem"), TLS_SIG_RSA_PKCS1_SHA512,
	    buf, n);
	sign_verify(path("rsa.key"), path("rsa.pem"), TLS_SIG_RSA_PSS_SHA384,
	    buf, n);
	sign_verify(path("ec.key"), path("ec.pem"), TLS_SIG_ECDSA_SHA384, buf,
	    n);
}

/* A signer child for KEY and CERT on one end of a socketpair; the other
 * end, the relay's, in *relay.  It exits 3 when ks_serve refused (it
 * ends only that way while the relay asks), 4 otherwise. */
static pid_t
fork_signer(const char *key, const char *cert, int *relay)
{
	char why[256];
	struct ks_key *k;
	int sp[2], rc;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	if ((pid = fork()) == 0) {
		close(sp[0]);
		k = ks_key_load(key, cert, why, sizeof(why));
		rc = k != NULL && ks_serve(k, sp[1]) == -1 ? 3 : 4;
		ks_key_free(k);
		_exit(rc);
	}
	assert_true(pid > 0);
	close(sp[1]);
	*relay = sp[0];
	return pid;
}

/* Close the relay's end; the signer's exit status. */
static int
signer_status(pid_t pid, int relay)
{
	int status;

	close(relay);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The relay asks, the signer answers: one signature, then the second
 * request is refused and the service ends. */
static void
test_serve(void **state)
{
	unsigned char buf[600], sig[KS_SIG_MAX];
	int relay;
	ssize_t n;
	size_t len;
	pid_t pid;

	(void)state;
	pid = fork_signer(path("ec.key"), path("ec.pem"), &relay);
	len = tls13_content(buf, 48, CV_CTX);
	n = tls_key_ask(relay, TLS_SIG_ECDSA_SHA256, buf, len, sig,
	    sizeof(sig));
	assert_true(n > 0);
	assert_true(verify(path("ec.pem"), TLS_SIG_ECDSA_SHA256, buf, len, sig,
	    (size_t)n));
	/* One per channel. */
	assert_int_equal(tls_key_ask(relay, TLS_SIG_ECDSA_SHA256, buf, len,
	    sig, sizeof(sig)), -1);
	assert_int_equal(signer_status(pid, relay), 3);
}

/* Content the signer refuses never gets a signature, and ends it: here
 * 32 arbitrary bytes, say the digest of an X.509 certificate. */
static void
test_serve_refuses(void **state)
{
	unsigned char buf[32], sig[KS_SIG_MAX];
	int relay;
	pid_t pid;

	(void)state;
	pid = fork_signer(path("rsa.key"), path("rsa.pem"), &relay);
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(tls_key_ask(relay, TLS_SIG_RSA_PKCS1_SHA256, buf,
	    sizeof(buf), sig, sizeof(sig)), -1);
	assert_int_equal(signer_status(pid, relay), 3);
}

/* A relay that only closes: no signature was needed, a clean end. */
static void
test_serve_nothing(void **state)
{
	int relay;
	pid_t pid;

	(void)state;
	pid = fork_signer(path("rsa.key"), path("rsa.pem"), &relay);
	assert_int_equal(signer_status(pid, relay), 4);
}

/* The signer process's loop (ks_signer_run, in a child here): it says
 * it is ready, serves every channel it is given once, closes each after
 * its signature or a refused request, and ends when the control socket
 * is closed and the channels are gone. */
static pid_t
fork_service(const char *key, const char *cert, int *ctl,
    struct ks_ready *ready)
{
	struct ks_ready *r = test_malloc(KS_READY_MAX);
	int sp[2], fd;
	ssize_t n;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	if ((pid = fork()) == 0) {
		close(sp[0]);
		_exit(ks_signer_run(cert, key, sp[1], (uid_t)-1, (gid_t)-1));
	}
	close(sp[1]);
	n = ps_recv(sp[0], r, KS_READY_MAX, &fd);
	assert_true(n >= (ssize_t)sizeof(*r));
	assert_int_equal(fd, -1);
	assert_int_equal(r->type, KS_READY);
	/* The chain's text follows, as read from the file. */
	assert_int_equal((size_t)n, sizeof(*r) + r->chainlen);
	if (r->error == 0) {
		assert_true(r->chainlen > 0);
		assert_memory_equal(r + 1, "-----BEGIN CERTIFICATE-----", 27);
	}
	*ready = *r;
	test_free(r);
	*ctl = sp[0];
	return pid;
}

static void
test_signer_service(void **state)
{
	unsigned char buf[600], sig[KS_SIG_MAX];
	struct ks_ready ready;
	int ctl, c1, c2, c3, status;
	ssize_t n;
	size_t len;
	pid_t pid;

	(void)state;
	pid = fork_service(path("rsa.key"), path("rsa-chain.pem"), &ctl,
	    &ready);
	assert_int_equal(ready.error, 0);
	assert_int_equal(ks_signer_channel(ctl, &c1), 0);
	assert_int_equal(ks_signer_channel(ctl, &c2), 0);
	assert_int_equal(ks_signer_channel(ctl, &c3), 0);
	/* The second channel first: channels are independent. */
	len = tls13_content(buf, 32, CV_CTX);
	n = tls_key_ask(c2, TLS_SIG_RSA_PSS_SHA256, buf, len, sig,
	    sizeof(sig));
	assert_true(n > 0);
	assert_true(verify(path("rsa.pem"), TLS_SIG_RSA_PSS_SHA256, buf, len,
	    sig, (size_t)n));
	/* Closed after its one signature. */
	assert_int_equal(tls_key_ask(c2, TLS_SIG_RSA_PSS_SHA256, buf, len,
	    sig, sizeof(sig)), -1);
	/* A refused request gets nothing, and its channel is closed. */
	assert_int_equal(tls_key_ask(c1, TLS_SIG_RSA_PKCS1_SHA256, buf, len,
	    sig, sizeof(sig)), -1);
	assert_int_equal(tls_key_ask(c1, TLS_SIG_RSA_PSS_SHA256, buf, len,
	    sig, sizeof(sig)), -1);
	/* The third one still works after the others. */
	n = tls_key_ask(c3, TLS_SIG_RSA_PSS_SHA256, buf, len, sig,
	    sizeof(sig));
	assert_true(n > 0);
	/* No more channels; the signer ends once the last one is closed. */
	close(ctl);
	close(c1);
	close(c2);
	close(c3);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_signer_bad_files(void **state)
{
	struct ks_ready ready;
	int ctl, status;
	pid_t pid;

	(void)state;
	pid = fork_service(path("other.key"), path("rsa-chain.pem"), &ctl,
	    &ready);
	assert_int_equal(ready.error, 1);
	ready.why[sizeof(ready.why) - 1] = '\0';
	assert_non_null(strstr(ready.why, "does not match"));
	close(ctl);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_len),
		cmocka_unit_test(test_content_tls13),
		cmocka_unit_test(test_content_tls12),
		cmocka_unit_test(test_scheme_allowed),
		cmocka_unit_test(test_request_check),
		cmocka_unit_test(test_key_load),
		cmocka_unit_test(test_key_sign),
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_serve_refuses),
		cmocka_unit_test(test_serve_nothing),
		cmocka_unit_test(test_signer_service),
		cmocka_unit_test(test_signer_bad_files),
	};

	log_init(1, 0, "test_tls_sign");
	return cmocka_run_group_tests_name("tls_sign", tests, setup_ca,
	    teardown_ca);
}
