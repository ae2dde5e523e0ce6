/*
 * proxy.h - the PROXY protocol, versions 1 and 2, as HAProxy's
 * doc/proxy-protocol.txt defines it: the header parser and the trusted
 * sources (proxy.c, pure: no I/O, no globals), and the reader that takes a
 * header off a socket (peer.c).
 */
#ifndef PROXY_H
#define PROXY_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define PROXY_V1_MAX		107	/* longest v1 line, CRLF included (2.1) */
#define PROXY_V2_HDR		16	/* signature, version, family, length */
#define PROXY_V2_LEN_MAX	1024	/* v2 addresses and TLVs accepted */
#define PROXY_BUF_MAX		(PROXY_V2_HDR + PROXY_V2_LEN_MAX)
#define PROXY_FROM_MAX		16	/* --proxy-from options */
#define PROXY_TIMEOUT_MS	3000	/* --proxy-timeout default */
#define PROXY_TIMEOUT_MAX_MS	60000
#define PROXY_PENDING_MAX	1024	/* listener: headers awaited at once */

enum proxy_status {
	PROXY_MORE = 0,		/* a header, not complete yet */
	PROXY_DONE,		/* a whole header */
	PROXY_BAD,		/* not a valid header: close the connection */
};

struct proxy_header {
	int version;		/* 1 or 2 */
	/* v1 UNKNOWN, v2 LOCAL, or an address family other than TCP over
	 * IPv4 or IPv6: the connection's own addresses stand. */
	int local;
	size_t len;		/* bytes of the header */
	struct sockaddr_storage src, dst;	/* the client, the proxy's
						 * address it connected to */
	socklen_t srclen, dstlen;
};

/*
 * The first n bytes of a connection from a proxy.  PROXY_MORE: all n
 * belong to a header that has not ended (so a reader may take them off the
 * socket).  PROXY_DONE: h->len bytes (at most n) are the header; what
 * follows is the client's.  PROXY_BAD: *why says what is wrong.
 */
enum proxy_status proxy_parse(const unsigned char *p, size_t n,
    struct proxy_header *h, const char **why);

/* A trusted source: --proxy-from=ADDR[/BITS]. */
struct proxy_prefix {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];	/* network order, bits past the prefix 0 */
	unsigned int bits;
};

/* Parse ADDR or ADDR/BITS (IPv4 or IPv6, numeric).  -1 with *why. */
int proxy_prefix_parse(const char *s, struct proxy_prefix *pf,
    const char **why);
/* 1 when the address is in one of the n prefixes (an IPv4-mapped IPv6
 * address counts as the IPv4 address). */
int proxy_trusted(const struct proxy_prefix *pf, size_t n,
    const struct sockaddr *sa, socklen_t len);

/* peer.c: taking the header off the socket, one read at a time. */
struct proxy_reader {
	size_t have;			/* header bytes read so far */
	unsigned char buf[PROXY_BUF_MAX];
};
/* Reads what the socket has, without waiting and never past the header
 * (the bytes after it stay for the session).  PROXY_MORE: wait for more
 * input.  PROXY_BAD with *why also for EOF and errors. */
enum proxy_status proxy_read(struct proxy_reader *r, int fd,
    struct proxy_header *h, const char **why);

#endif /* PROXY_H */
