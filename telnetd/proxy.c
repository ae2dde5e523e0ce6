/*
 * proxy.c - the PROXY protocol header (HAProxy's doc/proxy-protocol.txt,
 * versions 1 and 2) that a load balancer sends before the client's bytes,
 * and the sources trusted to send one (--proxy-from).  Pure: bytes in, a
 * verdict and addresses out; peer.c reads the socket.
 *
 * Strict on purpose: whatever does not match the specification exactly is
 * refused (section 2.1: "any sequence which does not exactly match the
 * protocol must be discarded and cause the receiver to abort the
 * connection"), and a header is refused as soon as its first bytes show it
 * cannot become one, so a proxy sending something else is told at once.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "proxy.h"

static const unsigned char v1_sig[6] = { 'P', 'R', 'O', 'X', 'Y', ' ' };
static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* v2: the 13th and 14th bytes (2.2). */
#define V2_VERSION	0x20
#define V2_CMD_LOCAL	0x0
#define V2_CMD_PROXY	0x1
#define V2_AF_UNSPEC	0x0
#define V2_AF_INET	0x1
#define V2_AF_INET6	0x2
#define V2_AF_UNIX	0x3
#define V2_PROTO_STREAM	0x1
#define V2_INET_LEN	12	/* 2 * 4 + 2 * 2 */
#define V2_INET6_LEN	36	/* 2 * 16 + 2 * 2 */
#define V2_TLV_HDR	3	/* type, length (2 bytes) */

#define V1_TOKENS	6	/* PROXY TCP4 src dst sport dport */
#define V1_ADDR_MAX	45	/* ffff:...:ffff:255.255.255.255 */

static void
set_inet(struct sockaddr_storage *ss, socklen_t *len, const void *a,
    uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	memcpy(&sin->sin_addr, a, 4);
	*len = sizeof(*sin);
}

static void
set_inet6(struct sockaddr_storage *ss, socklen_t *len, const void *a,
    uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a, 16);
	*len = sizeof(*sin6);
}

/* A decimal number of at most 5 digits without a leading zero. */
static int
v1_number(const unsigned char *p, size_t n, unsigned long max,
    unsigned long *v)
{
	size_t i;

	if (n == 0 || n > 5 || (p[0] == '0' && n > 1))
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned long)(p[i] - '0');
	}
	return *v <= max ? 0 : -1;
}

/* IPv4 as exactly four decimal numbers 0..255, no leading zeros. */
static int
v1_inet(const unsigned char *p, size_t n, unsigned char out[4])
{
	size_t i = 0, start;
	unsigned long v;
	int k;

	for (k = 0; k < 4; k++) {
		start = i;
		while (i < n && p[i] != '.')
			i++;
		if (i - start > 3 || v1_number(p + start, i - start, 255,
		    &v) == -1)
			return -1;
		out[k] = (unsigned char)v;
		if (k < 3) {
			if (i == n)
				return -1;
			i++;	/* the dot */
		}
	}
	return i == n ? 0 : -1;
}

static int
v1_inet6(const unsigned char *p, size_t n, unsigned char out[16])
{
	char buf[V1_ADDR_MAX + 1];

	if (n == 0 || n > V1_ADDR_MAX)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

/* The line before CRLF, printable ASCII: "PROXY TCP4 a b p q". */
static enum proxy_status
v1_line(const unsigned char *p, size_t n, struct proxy_header *h,
    const char **why)
{
	const unsigned char *tok[V1_TOKENS];
	size_t len[V1_TOKENS], i, start = 0, ntok = 0;
	unsigned char src[16], dst[16];
	unsigned long sport, dport;
	int six;

	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != ' ')
			continue;
		if (ntok == V1_TOKENS) {
			*why = "v1: too many fields";
			return PROXY_BAD;
		}
		tok[ntok] = p + start;
		len[ntok++] = i - start;
		if (i == start) {
			*why = "v1: empty field (two spaces, or a space "
			    "before CRLF)";
			return PROXY_BAD;
		}
		start = i + 1;
		/* UNKNOWN: whatever follows is ignored (2.1). */
		if (ntok == 2 && len[1] == 7 &&
		    memcmp(tok[1], "UNKNOWN", 7) == 0) {
			h->local = 1;
			return PROXY_DONE;
		}
	}
	if (ntok < 2 || len[1] != 4 || (memcmp(tok[1], "TCP4", 4) != 0 &&
	    memcmp(tok[1], "TCP6", 4) != 0)) {
		*why = "v1: protocol is not TCP4, TCP6 or UNKNOWN";
		return PROXY_BAD;
	}
	if (ntok != V1_TOKENS) {
		*why = "v1: too few fields";
		return PROXY_BAD;
	}
	six = tok[1][3] == '6';
	if (six ? v1_inet6(tok[2], len[2], src) == -1 ||
	    v1_inet6(tok[3], len[3], dst) == -1 :
	    v1_inet(tok[2], len[2], src) == -1 ||
	    v1_inet(tok[3], len[3], dst) == -1) {
		*why = six ? "v1: bad IPv6 address" : "v1: bad IPv4 address";
		return PROXY_BAD;
	}
	if (v1_number(tok[4], len[4], 65535, &sport) == -1 ||
	    v1_number(tok[5], len[5], 65535, &dport) == -1) {
		*why = "v1: bad port";
		return PROXY_BAD;
	}
	if (six) {
		set_inet6(&h->src, &h->srclen, src, (uint16_t)sport);
		set_inet6(&h->dst, &h->dstlen, dst, (uint16_t)dport);
	} else {
		set_inet(&h->src, &h->srclen, src, (uint16_t)sport);
		set_inet(&h->dst, &h->dstlen, dst, (uint16_t)dport);
	}
	return PROXY_DONE;
}

static enum proxy_status
parse_v1(const unsigned char *p, size_t n, struct proxy_header *h,
    const char **why)
{
	size_t i;

	h->version = 1;
	for (i = 0; i < n && i < PROXY_V1_MAX; i++) {
		if (p[i] == '\r') {
			if (i + 2 > PROXY_V1_MAX)
				break;			/* LF would be too late */
			if (i + 1 == n)
				return PROXY_MORE;	/* LF may follow */
			if (p[i + 1] != '\n') {
				*why = "v1: CR without LF";
				return PROXY_BAD;
			}
			h->len = i + 2;
			return v1_line(p, i, h, why);
		}
		if (p[i] < 0x20 || p[i] > 0x7e) {
			*why = p[i] == '\n' ? "v1: LF without CR" :
			    "v1: a byte that is not printable ASCII";
			return PROXY_BAD;
		}
	}
	if (i + 1 >= PROXY_V1_MAX) {
		*why = "v1: no CRLF within 107 bytes";
		return PROXY_BAD;
	}
	return PROXY_MORE;
}

/* The TLVs after the addresses: each must fit; their contents are not
 * used (2.2: a receiver may skip them). */
static int
v2_tlvs(const unsigned char *p, size_t n)
{
	size_t i = 0, vlen;

	while (i < n) {
		if (n - i < V2_TLV_HDR)
			return -1;
		vlen = (size_t)p[i + 1] << 8 | p[i + 2];
		if (vlen > n - i - V2_TLV_HDR)
			return -1;
		i += V2_TLV_HDR + vlen;
	}
	return 0;
}

static enum proxy_status
parse_v2(const unsigned char *p, size_t n, struct proxy_header *h,
    const char **why)
{
	unsigned int cmd, fam, proto;
	size_t len, alen = 0;
	const unsigned char *a;

	h->version = 2;
	if (n < PROXY_V2_HDR)
		return PROXY_MORE;
	if ((p[12] & 0xf0) != V2_VERSION) {
		*why = "v2: version is not 2";
		return PROXY_BAD;
	}
	cmd = p[12] & 0x0f;
	fam = p[13] >> 4;
	proto = p[13] & 0x0f;
	if (cmd != V2_CMD_LOCAL && cmd != V2_CMD_PROXY) {
		*why = "v2: unknown command";
		return PROXY_BAD;
	}
	if (fam > V2_AF_UNIX || proto > 2) {
		*why = "v2: unknown address family or protocol";
		return PROXY_BAD;
	}
	len = (size_t)p[14] << 8 | p[15];
	if (len > PROXY_V2_LEN_MAX) {
		*why = "v2: header longer than 1024 bytes";
		return PROXY_BAD;
	}
	if (n < PROXY_V2_HDR + len)
		return PROXY_MORE;
	h->len = PROXY_V2_HDR + len;
	a = p + PROXY_V2_HDR;
	/* LOCAL: the proxy's own connection (a health check); the address
	 * block is skipped unread.  Families other than TCP over IPv4 and
	 * IPv6 fall back to the real endpoints too (2.2: "UNSPEC mode"). */
	if (cmd == V2_CMD_LOCAL || proto != V2_PROTO_STREAM ||
	    (fam != V2_AF_INET && fam != V2_AF_INET6)) {
		h->local = 1;
		return PROXY_DONE;
	}
	alen = fam == V2_AF_INET ? V2_INET_LEN : V2_INET6_LEN;
	if (len < alen) {
		*why = "v2: address block too short";
		return PROXY_BAD;
	}
	if (v2_tlvs(a + alen, len - alen) == -1) {
		*why = "v2: malformed TLV";
		return PROXY_BAD;
	}
	if (fam == V2_AF_INET) {
		set_inet(&h->src, &h->srclen, a, (uint16_t)(a[8] << 8 | a[9]));
		set_inet(&h->dst, &h->dstlen, a + 4,
		    (uint16_t)(a[10] << 8 | a[11]));
	} else {
		set_inet6(&h->src, &h->srclen, a,
		    (uint16_t)(a[32] << 8 | a[33]));
		set_inet6(&h->dst, &h->dstlen, a + 16,
		    (uint16_t)(a[34] << 8 | a[35]));
	}
	return PROXY_DONE;
}

enum proxy_status
proxy_parse(const unsigned char *p, size_t n, struct proxy_header *h,
    const char **why)
{
	size_t k;

	memset(h, 0, sizeof(*h));
	*why = NULL;
	if (n == 0)
		return PROXY_MORE;
	/* Which version, from as many bytes as there are (2.2, "a receiver
	 * may be configured to support both"). */
	k = n < sizeof(v1_sig) ? n : sizeof(v1_sig);
	if (memcmp(p, v1_sig, k) == 0)
		return k < sizeof(v1_sig) ? PROXY_MORE : parse_v1(p, n, h, why);
	k = n < sizeof(v2_sig) ? n : sizeof(v2_sig);
	if (memcmp(p, v2_sig, k) == 0)
		return k < sizeof(v2_sig) ? PROXY_MORE : parse_v2(p, n, h, why);
	*why = "no PROXY protocol signature";
	return PROXY_BAD;
}

int
proxy_prefix_parse(const char *s, struct proxy_prefix *pf, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long bits;
	unsigned int max, i;

	memset(pf, 0, sizeof(*pf));
	if (alen == 0 || alen >= sizeof(buf)) {
		*why = "expected ADDR or ADDR/BITS";
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, pf->addr) == 1) {
		pf->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, pf->addr) == 1) {
		pf->family = AF_INET6;
		max = 128;
	} else {
		*why = "not a numeric IPv4 or IPv6 address";
		return -1;
	}
	pf->bits = max;
	if (slash != NULL) {
		const unsigned char *b = (const unsigned char *)slash + 1;

		if (v1_number(b, strlen(slash + 1), max, &bits) == -1) {
			*why = max == 32 ? "prefix length is not 0..32" :
			    "prefix length is not 0..128";
			return -1;
		}
		pf->bits = (unsigned int)bits;
	}
	/* Host bits must be zero: 10.0.0.1/8 is a typing error. */
	for (i = pf->bits; i < max; i++)
		if (pf->addr[i / 8] & (0x80 >> (i % 8))) {
			*why = "address has bits set past the prefix length";
			return -1;
		}
	return 0;
}

static int
prefix_match(const struct proxy_prefix *pf, int family,
    const unsigned char *a)
{
	unsigned int whole = pf->bits / 8, rest = pf->bits % 8;

	if (pf->family != family || memcmp(pf->addr, a, whole) != 0)
		return 0;
	return rest == 0 ||
	    ((pf->addr[whole] ^ a[whole]) & (0xff00 >> rest) & 0xff) == 0;
}

int
proxy_trusted(const struct proxy_prefix *pf, size_t n,
    const struct sockaddr *sa, socklen_t len)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const unsigned char *a;
	int family;
	size_t i;

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		family = AF_INET;
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6)) {
		family = AF_INET6;
		a = (const unsigned char *)
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			family = AF_INET;
			a += sizeof(mapped);
		}
	} else
		return 0;
	for (i = 0; i < n; i++)
		if (prefix_match(&pf[i], family, a))
			return 1;
	return 0;
}
