/*
 * pack.c - OpenSSL's allocations from the few source files whose objects
 * every TLS session writes, packed into pages of their own.
 *
 * Why: a --listen relay is a fork of the listener and shares its heap
 * page by page until it writes one.  A handshake writes a handful of the
 * listener's long-lived OpenSSL objects: the reference count of each
 * method it fetches (a key manager, a signature, a key exchange, a MAC,
 * a KDF: up and down again), the random
 * generators' state (reseeded after the fork), the per-thread error
 * state and the SSL_CTX's reference count.  In malloc's heap those
 * objects lie among thousands that nothing writes (name maps, property
 * strings, hash tables), so a session copied a page for each.  Found
 * with an allocator that put every OpenSSL allocation on a page of its
 * own and a diff of a relay's pages against its parent's.  Allocated
 * here instead, they share a few pages: with nolock.c, a session's relay
 * copies 24 of the listener's pages instead of 31 (test_tls_memory.py)
 * and an idle TLS session adds 186 KiB instead of 211 (make bench).
 * Chosen by source file, not line, so that an OpenSSL update moves
 * nothing out by accident; a file that changes role costs memory, never
 * correctness.  Ciphers and digests (evp_enc.c, digest.c) stay in the
 * heap: the SSL_CTX fetches some 150 of them and a handshake writes three
 * or four, so packing them all cost more pages than it saved (measured).
 *
 * The pack is one reserved region with a bump pointer and a free list per
 * 16-byte size class; what does not fit (large blocks, a full region)
 * goes to malloc.  Its state is static because OpenSSL's allocator hook
 * (CRYPTO_set_mem_functions) takes no context; tls-helper is one thread
 * (nolock.c says why that holds).
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tls.h"

#define PACK_SIZE	((size_t)256 * 1024)	/* reserved; untouched pages cost nothing */
#define PACK_MAX	2048		/* larger blocks go to malloc */
#define PACK_ALIGN	16
#define PACK_CLASSES	(PACK_MAX / PACK_ALIGN)

struct pack_hdr {
	size_t size;		/* the size class, a multiple of PACK_ALIGN */
	size_t pad;		/* keeps the block 16-byte aligned */
};

struct pack {
	char *base;
	size_t used;
	void *free[PACK_CLASSES + 1];	/* by size / PACK_ALIGN */
};

static struct pack pack;

/* The files, relative to OpenSSL's source tree, with their lengths. */
#define HOT(f)	{ f, sizeof(f) - 1 }
static const struct {
	const char *name;
	size_t len;
} hot_files[] = {
	/* fetched methods: their reference counts */
	HOT("crypto/evp/keymgmt_meth.c"), HOT("crypto/evp/signature.c"),
	HOT("crypto/evp/exchange.c"), HOT("crypto/evp/kdf_meth.c"),
	HOT("crypto/evp/mac_meth.c"), HOT("crypto/evp/evp_rand.c"),
	HOT("crypto/evp/asymcipher.c"), HOT("crypto/evp/kem.c"),
	/* the random generators and their AES contexts */
	HOT("providers/implementations/rands/drbg.c"),
	HOT("providers/implementations/rands/drbg_ctr.c"),
	HOT("providers/implementations/ciphers/cipher_aes.c"),
	/* the thread's error state; the SSL_CTX */
	HOT("crypto/err/err.c"), HOT("ssl/ssl_lib.c"),
};

/* Whether FILE (as OpenSSL passes it, "../crypto/...") ends in a hot
 * file's path at a directory boundary. */
static int
hot(const char *file)
{
	size_t i, n, m;

	if (file == NULL)
		return 0;
	n = strlen(file);
	for (i = 0; i < sizeof(hot_files) / sizeof(hot_files[0]); i++) {
		m = hot_files[i].len;
		if (n >= m && memcmp(file + n - m, hot_files[i].name, m) == 0 &&
		    (n == m || file[n - m - 1] == '/'))
			return 1;
	}
	return 0;
}

static int
in_pack(const void *p)
{
	return pack.base != NULL && (const char *)p >= pack.base &&
	    (const char *)p < pack.base + PACK_SIZE;
}

static void *
pack_alloc(size_t n)
{
	size_t size = (n + PACK_ALIGN - 1) / PACK_ALIGN * PACK_ALIGN;
	struct pack_hdr *h;
	void *p;

	if (size == 0)
		size = PACK_ALIGN;
	if (size > PACK_MAX)
		return NULL;
	if ((p = pack.free[size / PACK_ALIGN]) != NULL) {
		memcpy(&pack.free[size / PACK_ALIGN], p, sizeof(void *));
		return p;
	}
	if (pack.base == NULL) {
		p = mmap(NULL, PACK_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		pack.base = p;
	}
	if (PACK_SIZE - pack.used < sizeof(*h) + size)
		return NULL;
	h = (struct pack_hdr *)(void *)(pack.base + pack.used);
	h->size = size;
	pack.used += sizeof(*h) + size;
	return h + 1;
}

static size_t
pack_size(const void *p)
{
	return ((const struct pack_hdr *)p - 1)->size;
}

static void
pack_free(void *p)
{
	size_t c = pack_size(p) / PACK_ALIGN;

	memcpy(p, &pack.free[c], sizeof(void *));
	pack.free[c] = p;
}

static void *
hook_malloc(size_t n, const char *file, int line)
{
	void *p;

	(void)line;
	if (hot(file) && (p = pack_alloc(n)) != NULL)
		return p;
	return malloc(n);
}

static void *
hook_realloc(void *p, size_t n, const char *file, int line)
{
	void *q;
	size_t old;

	if (p == NULL)
		return hook_malloc(n, file, line);
	if (!in_pack(p))
		return realloc(p, n);
	if (n == 0) {
		pack_free(p);
		return NULL;
	}
	old = pack_size(p);
	if (n <= old)
		return p;
	if ((q = hook_malloc(n, file, line)) == NULL)
		return NULL;
	memcpy(q, p, old);
	pack_free(p);
	return q;
}

static void
hook_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p != NULL && in_pack(p))
		pack_free(p);
	else
		free(p);
}

int
tls_pack_init(void)
{
	return CRYPTO_set_mem_functions(hook_malloc, hook_realloc,
	    hook_free) == 1 ? 0 : -1;
}
