/*
 * tls_heap.c - the heap made ready for the forks of a daemon with TLS:
 * every free hole in it taken (malloc'd and kept) before a session is
 * forked.  Building the TLS context leaves hundreds of small free chunks
 * between the objects every session then shares; a session that
 * allocated into one, or freed next to one (malloc links free chunks to
 * each other), would copy the page it is in, and the handshake's
 * allocations touch dozens of them.  With no holes, a session's
 * allocations come from fresh pages at the top of the heap.  The holes
 * are memory the listener has anyway.
 *
 * Apart from tls_session.c (a relay's way into TLS) because it runs in
 * the process that forks, never in the relay, and is about malloc's free
 * chunks, not TLS's steps.
 */
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include "telnetd.h"

/* The request sizes tried: one per 16-byte size class of glibc's small
 * chunks (its tcache, fast and small bins, up to about 1 KiB), and at
 * most this many holes of each size per pass. */
enum {
	SMALL_FIRST = 8,
	SMALL_LAST = 1032,
	SMALL_STEP = 16,
	HOLES_PER_SIZE = 1024,
};

/* Take blocks of size bytes while malloc finds them below the top chunk;
 * how many it took. */
static size_t
take_holes(size_t size, size_t max)
{
	size_t n = 0;
	char *top, *p;

	while (n < max) {
		top = (char *)sbrk(0) - mallinfo2().keepcost;
		if ((p = malloc(size)) == NULL)
			break;
		if (p >= top) {
			free(p);	/* from the top: none of that size */
			break;
		}
		n++;			/* a hole: kept */
	}
	return n;
}

void
tls_heap_settle(void)
{
	struct mallinfo2 mi;
	size_t size, pass;

	for (pass = 0; pass < 2; pass++) {
		/* Every small size class (malloc's caches and bins take
		 * exact sizes), then the large holes, halving. */
		for (size = SMALL_FIRST; size <= SMALL_LAST;
		    size += SMALL_STEP)
			(void)take_holes(size, HOLES_PER_SIZE);
		mi = mallinfo2();
		size = mi.fordblks > mi.keepcost ? mi.fordblks - mi.keepcost :
		    0;
		for (; size > SMALL_LAST; size /= 2)
			(void)take_holes(size, HOLES_PER_SIZE);
	}
}
