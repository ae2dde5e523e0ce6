/*
 * tls.h - TELNET over TLS: the relay's TLS endpoint (tls.c,
 * tls_ctx.c), the signer that alone holds the private key (tls_sign.c)
 * and the narrow request between them (tls_key.c on the relay's side).
 *
 * The relay runs the handshake and the record layer; the one signature a
 * handshake needs (TLS 1.3 CertificateVerify, or the TLS 1.2
 * ServerKeyExchange) is asked of the signer over a SOCK_SEQPACKET socket:
 * one KS_SIGN request with the signature scheme and the exact bytes TLS
 * signs, one KS_SIGNATURE reply.  The signer checks that the bytes are the
 * fixed TLS format for the scheme (ks_request_check) and signs at most once
 * per channel, so a compromised relay can neither read the key nor turn
 * the signer into a general signing oracle.  Design: TLS-DESIGN.md.
 */
#ifndef TELNETD_TLS_H
#define TELNETD_TLS_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

/* TLS SignatureScheme code points (RFC 8446 section 4.2.3) the signer
 * knows.  SHA-1 and the rsa_pss_pss_* schemes (RSASSA-PSS keys) are not
 * among them. */
#define TLS_SIG_RSA_PKCS1_SHA256	0x0401
#define TLS_SIG_RSA_PKCS1_SHA384	0x0501
#define TLS_SIG_RSA_PKCS1_SHA512	0x0601
#define TLS_SIG_ECDSA_SHA256		0x0403	/* ecdsa_secp256r1_sha256 */
#define TLS_SIG_ECDSA_SHA384		0x0503	/* ecdsa_secp384r1_sha384 */
#define TLS_SIG_ECDSA_SHA512		0x0603	/* ecdsa_secp521r1_sha512 */
#define TLS_SIG_RSA_PSS_SHA256		0x0804	/* rsa_pss_rsae_sha256 */
#define TLS_SIG_RSA_PSS_SHA384		0x0805
#define TLS_SIG_RSA_PSS_SHA512		0x0806

/* The kinds of key the signer serves. */
enum ks_key_type {
	KS_KEY_NONE = 0,
	KS_KEY_RSA,
	KS_KEY_EC_P256,
	KS_KEY_EC_P384,
	KS_KEY_EC_P521,
};

/* Bounds of the request and reply. */
#define KS_DATA_MAX	512	/* the signed content: TLS 1.3 needs at most
				   146 bytes, a TLS 1.2 ECDHE ServerKeyExchange
				   at most 68 + 133 */
#define KS_SIG_MAX	1024	/* RSA up to 8192 bits; ECDSA P-521: 139 */
#define KS_RSA_BITS_MIN	2048
#define KS_RSA_BITS_MAX	8192
#define KS_TIMEOUT_MS	5000	/* the relay waits this long for a reply */

enum ks_type {
	KS_SIGN = 0x4b530001,		/* relay -> signer */
	KS_SIGNATURE = 0x4b530002,	/* signer -> relay */
};

/* Sent with only len bytes of data: KS_SIGN_LEN(len) bytes. */
struct ks_sign {
	uint32_t type;		/* KS_SIGN */
	uint32_t scheme;	/* TLS_SIG_* */
	uint32_t len;
	unsigned char data[KS_DATA_MAX];
};
#define KS_SIGN_LEN(n)	(offsetof(struct ks_sign, data) + (size_t)(n))

struct ks_signature {
	uint32_t type;		/* KS_SIGNATURE */
	int32_t error;		/* 0, or an errno value: no signature */
	uint32_t len;
	unsigned char sig[KS_SIG_MAX];
};
#define KS_SIGNATURE_LEN(n) (offsetof(struct ks_signature, sig) + (size_t)(n))

/* What the signer has: the key's type, and what it has done. */
struct ks_state {
	enum ks_key_type key;
	int signed_once;	/* one signature per channel (= per handshake) */
};

/* What the content is, as recognised by ks_request_check. */
enum ks_content {
	KS_CONTENT_BAD = 0,
	KS_CONTENT_TLS13_CV,	/* TLS 1.3 server CertificateVerify */
	KS_CONTENT_TLS12_SKE,	/* TLS 1.2 ECDHE ServerKeyExchange params */
};

/* tls_sign.c: the checks (pure: no key, no I/O). */
/* The scheme's hash length (32, 48, 64), 0 for an unknown scheme. */
size_t ks_scheme_hash_len(uint32_t scheme);
/* Which content buf[0..len) is: the fixed TLS 1.3 CertificateVerify
 * input, a TLS 1.2 ECDHE ServerKeyExchange (randoms and named-group
 * parameters, with the TLS 1.3 server's downgrade sentinel), or bad. */
enum ks_content ks_content_kind(const unsigned char *buf, size_t len);
/* 1 when a key of this type may sign with scheme for this content. */
int ks_scheme_allowed(enum ks_key_type key, uint32_t scheme,
    enum ks_content content);
/* The whole check of one request of msglen bytes: type, length, scheme,
 * content, and one signature per channel (st->signed_once is set when
 * it passes).  0, or -1 with *why. */
int ks_request_check(struct ks_state *st, const struct ks_sign *req,
    size_t msglen, const char **why);

/* tls_sign.c: the key itself (OpenSSL; in the signer process only). */
struct ks_key;
/* Load the PEM key file and check that it matches the first certificate
 * of the PEM chain file.  NULL with a one-line reason in why[0..whysz). */
struct ks_key *ks_key_load(const char *keyfile, const char *chainfile,
    char *why, size_t whysz);
enum ks_key_type ks_key_type(const struct ks_key *k);
/* The chain file's text as it was read and checked (PEM). */
const char *ks_key_chain(const struct ks_key *k, size_t *len);
void ks_key_free(struct ks_key *k);
/* Sign a checked request: the signature's length, or -1. */
ssize_t ks_key_sign(const struct ks_key *k, uint32_t scheme,
    const unsigned char *data, size_t len, unsigned char *sig, size_t sigmax);
/* One message on a channel: 1 signed, 0 EOF, -1 refused (logged; a
 * request that fails the checks, or any after the one signature). */
int ks_answer(const struct ks_key *k, struct ks_state *st, int chan);
/* Serve one channel until the relay closes it (0): one signature; a
 * second request or one that fails the checks is refused and ends it
 * (-1, logged).  The channel is not closed here. */
int ks_serve(const struct ks_key *k, int chan);

/* tls_signer.c: the signer process (tls-helper signer CERT KEY).  Its
 * control socket (SOCK_SEQPACKET) first carries a struct ks_ready from
 * the signer (the key loaded and matching, or why not), then channels
 * from the daemon: a struct ks_channel each with the channel's descriptor
 * attached (SCM_RIGHTS), one per connection.  Every channel gets at most
 * one signature and is closed after it.  When the control socket closes
 * the signer takes no more channels and exits once the last is closed. */
#define KS_CHANNELS_MAX	1024	/* channels served at once */
#define KS_CHAIN_MAX	((size_t)64 * 1024)	/* the chain file, PEM */
#define KS_READY	0x4b530003
#define KS_CHANNEL	0x4b530004
/* Sent with the chain's text after it (chainlen bytes, when error is 0):
 * the certificates the relays present are the ones checked against the
 * key, whatever the file holds by then. */
struct ks_ready {
	uint32_t type;		/* KS_READY */
	int32_t error;		/* 0, or 1 with why */
	char why[256];
	uint32_t chainlen;
};
#define KS_READY_MAX	(sizeof(struct ks_ready) + KS_CHAIN_MAX)
/* The signer reads its key and chain and answers READY at once; a signer
 * stuck on its files (a hung network mount) must not hold the daemon's
 * start or a SIGHUP reload for longer than this. */
#define KS_READY_TIMEOUT_MS	10000
struct ks_channel {
	uint32_t type;		/* KS_CHANNEL, + the descriptor */
};
/* Load the files, report on ctl, then (when uid is not -1) give up root:
 * the empty root directory, gid and uid, no_new_privs; serve.  The exit
 * status: 0 after the control socket closed and every channel ended, 1
 * when the files are bad. */
int ks_signer_run(const char *chainfile, const char *keyfile, int ctl,
    uid_t uid, gid_t gid);
/* The daemon's side of a signer. */
struct ks_signer {
	pid_t pid;		/* -1: none */
	int ctl;		/* its control socket */
	char *chain;		/* the chain it checked (PEM), chainlen bytes */
	size_t chainlen;
};
/* Start tls-helper signer (fork and exec of HELPER; it runs as uid/gid
 * once the key is loaded, or stays as it is with uid -1) and wait for its
 * ready message: 0, or -1 with why.  log_stderr: the signer gets our
 * standard error for its log lines too (--listen's; in inetd mode it is
 * the client's socket). */
int ks_signer_start(const char *helper, const char *chainfile,
    const char *keyfile, uid_t uid, gid_t gid, int log_stderr,
    struct ks_signer *sg, char *why, size_t whysz);
/* No more channels: its control socket closed (it ends once its channels
 * are done), the chain freed.  Not waited for. */
void ks_signer_stop(struct ks_signer *sg);
/* Hand a new channel to the signer: the relay's end in *relay (close-on-
 * exec), the signer's end sent over ctl and closed here.  0 or -1. */
int ks_signer_channel(int ctl, int *relay);
/* Check the chain and key files as the daemon's start does: 0, or -1
 * with why.  Loads and frees the key (run it in a process of its own). */
int ks_check_files(const char *chainfile, const char *keyfile, char *why,
    size_t whysz);

/* tls_key.c, tls_key_sign.c: the relay's side of the request (an OpenSSL
 * provider whose keys sign by asking the signer).  Called by tls_ctx.c. */
struct evp_pkey_st;
struct ossl_lib_ctx_st;
struct ossl_provider_st;
/* Load our provider and the default one into libctx (references in *ours
 * and *dflt), every other fetch preferring the default one. */
int tls_key_provider_load(struct ossl_lib_ctx_st *libctx,
    struct ossl_provider_st **ours, struct ossl_provider_st **dflt);
void tls_key_provider_unload(struct ossl_provider_st *ours,
    struct ossl_provider_st *dflt);
/* A private key object for the certificate's public key whose signatures
 * go over chan (not owned). */
struct evp_pkey_st *tls_key_remote(struct ossl_lib_ctx_st *libctx,
    struct evp_pkey_st *pub, int chan);
/* tls_key_sign.c: ask the signer: the signature's length, or -1. */
ssize_t tls_key_ask(int chan, uint32_t scheme, const unsigned char *data,
    size_t len, unsigned char *sig, size_t sigmax);
/* How a connection gets TLS (--tls=MODE, --listen=...,tls=MODE). */
enum tls_mode {
	TLS_MODE_OFF = 0,		/* plain TELNET; START_TLS refused */
	TLS_MODE_STARTTLS,		/* DO START_TLS first; plain allowed */
	TLS_MODE_STARTTLS_REQUIRED,	/* START_TLS or the connection ends */
	TLS_MODE_IMPLICIT,		/* TLS from the first byte (telnets) */
	TLS_MODE_AUTO,			/* first byte: TLS, or TELNET with
					   START_TLS offered */
	TLS_MODE_AUTO_REQUIRED,		/* the same; plain must START_TLS */
};
#define TLS_MODE_DEFAULT	(-1)	/* a --listen without tls=: --tls's */

/* What the command line says about TLS. */
struct tls_ops;
struct tls_config {
	const char *cert;	/* --tls-cert: the chain, leaf first (PEM) */
	const char *key;	/* --tls-key (PEM, not encrypted) */
	int mode;		/* --tls: enum tls_mode */
	int used;		/* some mode other than off, somewhere */
	const struct tls_ops *ops;	/* tls-helper's daemon: the record
					   layer (else NULL) */
};

/* tls_config.c */
/* "off", "starttls", ... -> *mode: 0, or -1 for an unknown name. */
int tls_mode_parse(const char *name, int *mode);
const char *tls_mode_name(int mode);
/* Both on one port (auto modes): what the client's first bytes, peeked
 * with MSG_PEEK, say.  A TLS record starts 0x16 (handshake) 0x03 (major
 * version); TELNET clients send IAC or text.  TLS_SNIFF_MORE: only the
 * 0x16 so far. */
enum tls_sniff {
	TLS_SNIFF_TELNET = 0,
	TLS_SNIFF_TLS,
	TLS_SNIFF_MORE,
};
enum tls_sniff tls_sniff(const unsigned char *p, size_t n);
/* How long a silent client may stay silent before it is taken for a plain
 * TELNET client, from the connection's smoothed RTT (TCP_INFO tcpi_rtt,
 * microseconds): three round trips, at least TLS_SNIFF_MIN_MS, at most
 * TLS_SNIFF_MAX_MS.  The floor is for the client's own work between its
 * connect() and its ClientHello: C-Kermit loads its CA files then (0.17 s
 * measured on an idle host), Python and OpenSSL's tools before. */
#define TLS_SNIFF_MIN_MS	500
#define TLS_SNIFF_MAX_MS	2000
int tls_sniff_wait_ms(uint32_t rtt_us);

/* tls.c (tls_ctx.c: the context): the relay's TLS endpoint, driven by a
 * poll loop. */
struct tls_ctx;		/* per daemon (or per reload): chain, settings */
struct tls;		/* per connection */

/* Results of the step functions: > 0 done / bytes, 0 EOF (close_notify
 * or a clean TCP end), or one of these. */
#define TLS_WANT_READ	(-2)	/* poll for POLLIN, call again */
#define TLS_WANT_WRITE	(-3)	/* poll for POLLOUT, call again */
#define TLS_ERROR	(-1)	/* fatal: log tls_error(), close */

#define TLS_HANDSHAKE_MS	10000	/* the handshake's deadline */
#define TLS_SNI_MAX		255
#define TLS_PREFIX_MAX		4096	/* bytes read before TLS began */
/* How the connection came to TLS, for --report. */
enum tls_how {
	TLS_HOW_NONE = 0,
	TLS_HOW_STARTTLS,	/* START_TLS (option 46) */
	TLS_HOW_IMPLICIT,	/* TLS from the first byte */
};

struct tls_info {
	char version[16];	/* "TLSv1.3" */
	char cipher[64];	/* "TLS_AES_256_GCM_SHA384" */
	char sni[TLS_SNI_MAX + 1];	/* "" when none */
	int ktls_tx, ktls_rx;	/* the kernel does the record layer */
	int resumed;
	enum tls_how how;	/* tls_session.c's, not the library's */
};

/* The certificate chain (PEM): read before the relay is confined.  NULL
 * with a reason in why. */
struct tls_ctx *tls_ctx_new(const char *chainfile, char *why, size_t whysz);
/* The same from the PEM text (the listener keeps the text it checked). */
struct tls_ctx *tls_ctx_new_mem(const char *pem, size_t len, char *why,
    size_t whysz);
void tls_ctx_free(struct tls_ctx *c);
/* One handshake with itself in memory, signed over chan: OpenSSL's caches
 * filled before a listener forks.  0, or -1 when it did not complete. */
int tls_ctx_warm(struct tls_ctx *c, int chan);
/* tls-helper's daemon: OpenSSL's objects that sessions write, packed
 * into pages of their own (tls/pack.c); before OpenSSL's first use. */
int tls_pack_init(void);
/* A server endpoint on the connected socket fd, signing over chan.  The
 * deadline starts now. */
struct tls *tls_new(struct tls_ctx *c, int fd, int chan);
/* Bytes already read from fd that belong to TLS (the rest of the read
 * that held IAC SB START_TLS FOLLOWS IAC SE): read before fd.  At most
 * TLS_PREFIX_MAX, before the first tls_handshake; -1 when too many. */
int tls_prefix(struct tls *t, const unsigned char *p, size_t n);
/* One handshake step: 1 when done, TLS_WANT_*, TLS_ERROR (also when the
 * deadline has passed: check with tls_deadline). */
int tls_handshake(struct tls *t);
/* ms (CLOCK_MONOTONIC) by which the handshake must be done. */
int64_t tls_deadline(const struct tls *t);
/* Records in: as many as fill buf (len bytes), 0 at the peer's end,
 * TLS_WANT_*, TLS_ERROR. */
ssize_t tls_read(struct tls *t, void *buf, size_t len);
/* Records out: how many bytes of buf were made into records (in the wire
 * buffer, or sent by the kernel with kernel TLS), TLS_WANT_WRITE when the
 * wire buffer is full (tls_flush, POLLOUT), TLS_ERROR.  What it took is
 * taken: never offer it again. */
ssize_t tls_write(struct tls *t, const void *buf, size_t len);
/* Send the wire buffer: 1 when empty, 0 when the socket is full,
 * TLS_ERROR.  tls_unsent: the bytes still in it. */
int tls_flush(struct tls *t);
size_t tls_unsent(const struct tls *t);
/* Nonzero when a read may give bytes without the socket (poll() does not
 * see them): read again before polling. */
size_t tls_pending(const struct tls *t);
/* Send close_notify (once; TLS_WANT_* when the socket is full). */
int tls_shutdown(struct tls *t);
void tls_get_info(const struct tls *t, struct tls_info *info);
/* The last error, one line for the log. */
const char *tls_error(const struct tls *t);
void tls_free(struct tls *t);
/* Idle: buffers and the heap's free pages back (t may be NULL). */
void tls_trim(struct tls *t);
/* Seed the random generator before the relay is confined. */
void tls_seed(void);
/*
 * The functions above as a table: tls-helper's daemon has it (main.c
 * finds tls_openssl_ops there), the daemon itself links no TLS library
 * and has none (TLS is served by tls-helper: see main.c).  The relay
 * (tls_session.c) calls the record layer only through it.
 */
struct tls_ops {
	struct tls_ctx *(*ctx_new_mem)(const char *pem, size_t len, char *why,
	    size_t whysz);
	void (*ctx_free)(struct tls_ctx *c);
	int (*ctx_warm)(struct tls_ctx *c, int chan);
	struct tls *(*conn_new)(struct tls_ctx *c, int fd, int chan);
	int (*prefix)(struct tls *t, const unsigned char *p, size_t n);
	int (*handshake)(struct tls *t);
	int64_t (*deadline)(const struct tls *t);
	ssize_t (*read)(struct tls *t, void *buf, size_t len);
	ssize_t (*write)(struct tls *t, const void *buf, size_t len);
	int (*flush)(struct tls *t);
	size_t (*unsent)(const struct tls *t);
	size_t (*pending)(const struct tls *t);
	int (*shutdown)(struct tls *t);
	void (*info)(const struct tls *t, struct tls_info *info);
	const char *(*error)(const struct tls *t);
	void (*trim)(struct tls *t);
	void (*seed)(void);
	void (*free)(struct tls *t);
};
extern const struct tls_ops tls_openssl_ops;

#endif /* TELNETD_TLS_H */
