/*
 * nolock.c - OpenSSL's locks taken as no-ops in tls-helper.
 *
 * Why: a --listen relay is a fork of the listener, and shares its heap
 * page by page until it writes one.  OpenSSL takes a read lock on each
 * method store, name map and random generator it consults; a read lock
 * and its unlock write the lock word, so every lock a session's
 * handshake consults costs the session a private copy of the 4 KiB heap
 * page that holds it.  Measured with an allocator that put each OpenSSL
 * allocation on a page of its own: 11 of the listener's 315 locks are
 * taken in every relay, and they sat on as many pages.
 *
 * Why it is safe: tls-helper is one thread in every process it runs as
 * (listener, monitor, relay, signer).  It is linked statically and no
 * pthread_create is linked into it (test_tls_memory.py checks), so no
 * second thread can exist to race with; OpenSSL 3.0 never starts one.
 * The linker's --wrap (Makefile) sends libssl's and libcrypto's calls
 * here; the lock objects are still made and freed by OpenSSL.
 */
#include <openssl/crypto.h>

int __wrap_CRYPTO_THREAD_read_lock(CRYPTO_RWLOCK *);
int __wrap_CRYPTO_THREAD_write_lock(CRYPTO_RWLOCK *);
int __wrap_CRYPTO_THREAD_unlock(CRYPTO_RWLOCK *);

int
__wrap_CRYPTO_THREAD_read_lock(CRYPTO_RWLOCK *lock)
{
	return lock != NULL;
}

int
__wrap_CRYPTO_THREAD_write_lock(CRYPTO_RWLOCK *lock)
{
	return lock != NULL;
}

int
__wrap_CRYPTO_THREAD_unlock(CRYPTO_RWLOCK *lock)
{
	return lock != NULL;
}
