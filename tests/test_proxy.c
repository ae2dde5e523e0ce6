/*
 * test_proxy.c - the PROXY protocol header parser (telnetd/proxy.c), the
 * trusted-source prefixes, and the reader that takes a header off a socket
 * (telnetd/peer.c).
 *
 * The parser cases are a table: {name, bytes, expected verdict, header
 * length, source address and port, "local"}.  Every case also runs on each
 * prefix of its bytes: a prefix of a header that is whole in the row must
 * be PROXY_MORE (the bytes seen so far all belong to it), and a prefix of a
 * bad one must be PROXY_MORE or PROXY_BAD, never PROXY_DONE.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "telnetd.h"

#define SIG2 "\r\n\r\n\0\r\nQUIT\n"	/* 12 bytes */

struct pcase {
	const char *name;
	const char *bytes;
	size_t len;		/* of bytes */
	enum proxy_status want;
	size_t hdrlen;		/* PROXY_DONE: the header's length */
	int local;
	const char *src;	/* PROXY_DONE, not local: the client */
	unsigned int sport;
	const char *dst;
	unsigned int dport;
};

#define B(s)	s, sizeof(s) - 1
#define V1(s)	B(s)

static const struct pcase cases[] = {
	/* --- version 1 ------------------------------------------------ */
	{ "v1 tcp4", V1("PROXY TCP4 192.0.2.7 198.51.100.1 56324 23\r\n"),
	  PROXY_DONE, 44, 0, "192.0.2.7", 56324, "198.51.100.1", 23 },
	{ "v1 tcp4, telnet after it",
	  V1("PROXY TCP4 192.0.2.7 198.51.100.1 56324 23\r\n\xff\xfd\x18hi"),
	  PROXY_DONE, 44, 0, "192.0.2.7", 56324, "198.51.100.1", 23 },
	{ "v1 tcp4 longest",
	  V1("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"),
	  PROXY_DONE, 56, 0, "255.255.255.255", 65535, "255.255.255.255",
	  65535 },
	{ "v1 tcp4 zeros", V1("PROXY TCP4 0.0.0.0 10.0.0.1 0 0\r\n"),
	  PROXY_DONE, 33, 0, "0.0.0.0", 0, "10.0.0.1", 0 },
	{ "v1 tcp6", V1("PROXY TCP6 2001:db8::7 2001:db8::1 40000 23\r\n"),
	  PROXY_DONE, 45, 0, "2001:db8::7", 40000, "2001:db8::1", 23 },
	{ "v1 tcp6 longest",
	  V1("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
	  PROXY_DONE, 104, 0, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535 },
	{ "v1 unknown", V1("PROXY UNKNOWN\r\n"), PROXY_DONE, 15, 1, NULL, 0, NULL, 0 },
	{ "v1 unknown, telnet after it", V1("PROXY UNKNOWN\r\n\xff\xfb\x01"),
	  PROXY_DONE, 15, 1, NULL, 0, NULL, 0 },
	{ "v1 unknown, addresses ignored",
	  V1("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
	  PROXY_DONE, 107, 1, NULL, 0, NULL, 0 },
	{ "v1 unknown, anything after the word",
	  V1("PROXY UNKNOWN whatever  it says\r\n"), PROXY_DONE, 33, 1, NULL, 0, NULL, 0 },
	{ "v1 lf without cr",
	  V1("PROXY TCP4 192.0.2.7 198.51.100.1 56324 23\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 cr without lf",
	  V1("PROXY TCP4 192.0.2.7 198.51.100.1 56324 23\rX"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 cr inside", V1("PROXY TCP4 192.0.2.7\r 198.51.100.1"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 two spaces",
	  V1("PROXY TCP4  192.0.2.7 198.51.100.1 56324 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 space before crlf",
	  V1("PROXY TCP4 192.0.2.7 198.51.100.1 56324 23 \r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 too few fields", V1("PROXY TCP4 192.0.2.7 198.51.100.1 56324\r\n"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 too many fields",
	  V1("PROXY TCP4 192.0.2.7 198.51.100.1 56324 23 1\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 only the word", V1("PROXY \r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 unknown protocol",
	  V1("PROXY UDP4 192.0.2.7 198.51.100.1 56324 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 lower case protocol",
	  V1("PROXY tcp4 192.0.2.7 198.51.100.1 56324 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 lower case word",
	  V1("proxy TCP4 192.0.2.7 198.51.100.1 56324 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 leading zero in address",
	  V1("PROXY TCP4 192.0.02.7 198.51.100.1 56324 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 octet over 255",
	  V1("PROXY TCP4 192.0.2.256 198.51.100.1 56324 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 three octets", V1("PROXY TCP4 192.0.2 198.51.100.1 56324 23\r\n"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 five octets",
	  V1("PROXY TCP4 192.0.2.7.1 198.51.100.1 56324 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 empty octet",
	  V1("PROXY TCP4 192..2.7 198.51.100.1 56324 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 bad destination",
	  V1("PROXY TCP4 192.0.2.7 198.51.100.x 56324 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 ipv6 in tcp4", V1("PROXY TCP4 2001:db8::7 2001:db8::1 1 2\r\n"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 ipv4 in tcp6", V1("PROXY TCP6 192.0.2.7 198.51.100.1 1 2\r\n"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 bad ipv6", V1("PROXY TCP6 2001:db8:::7 2001:db8::1 1 2\r\n"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 port over 65535",
	  V1("PROXY TCP4 192.0.2.7 198.51.100.1 65536 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 port with leading zero",
	  V1("PROXY TCP4 192.0.2.7 198.51.100.1 56324 023\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 port not a number",
	  V1("PROXY TCP4 192.0.2.7 198.51.100.1 telnet 23\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 port signed", V1("PROXY TCP4 192.0.2.7 198.51.100.1 +5 23\r\n"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 control byte", V1("PROXY TCP4 192.0.2.7\t198.51.100.1 1 2\r\n"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 nul byte", V1("PROXY UNKNOWN\0\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 high byte", V1("PROXY UNKNOWN \xc3\xa9\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	/* 105 bytes and a CR LF: 107, the longest; one more is too many. */
	{ "v1 107 bytes",
	  V1("PROXY UNKNOWN 0123456789012345678901234567890123456789"
	     "012345678901234567890123456789012345678901234567890\r\n"),
	  PROXY_DONE, 107, 1, NULL, 0, NULL, 0 },
	{ "v1 108 bytes",
	  V1("PROXY UNKNOWN 0123456789012345678901234567890123456789"
	     "0123456789012345678901234567890123456789012345678901\r\n"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 no crlf in 107 bytes",
	  V1("PROXY UNKNOWN 0123456789012345678901234567890123456789"
	     "01234567890123456789012345678901234567890123456789012"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	/* --- not a header at all -------------------------------------- */
	{ "telnet", B("\xff\xfd\x18\xff\xfd\x1f"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "http", B("GET / HTTP/1.0\r\n\r\n"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "almost v1", B("PROXX TCP4"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "almost v2", B("\r\n\r\n\0\r\nQUIX\n\x21\x11\0\x0c"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v1 without its space", B("PROXYTCP4 1.2.3.4 1.2.3.4 1 2\r\n"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	/* --- version 2 ------------------------------------------------ */
	{ "v2 tcp4",
	  B(SIG2 "\x21\x11\x00\x0c" "\xc0\x00\x02\x07" "\xc6\x33\x64\x01"
	    "\xdc\x04" "\x00\x17"),
	  PROXY_DONE, 28, 0, "192.0.2.7", 56324, "198.51.100.1", 23 },
	{ "v2 tcp4, telnet after it",
	  B(SIG2 "\x21\x11\x00\x0c" "\xc0\x00\x02\x07" "\xc6\x33\x64\x01"
	    "\xdc\x04" "\x00\x17" "\xff\xfd\x18"),
	  PROXY_DONE, 28, 0, "192.0.2.7", 56324, "198.51.100.1", 23 },
	{ "v2 tcp6",
	  B(SIG2 "\x21\x21\x00\x24"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"
	    "\x9c\x40" "\x00\x17"),
	  PROXY_DONE, 52, 0, "2001:db8::7", 40000, "2001:db8::1", 23 },
	{ "v2 tcp4 with tlvs",
	  B(SIG2 "\x21\x11\x00\x1c" "\xc0\x00\x02\x07" "\xc6\x33\x64\x01"
	    "\xdc\x04" "\x00\x17"
	    "\x01\x00\x06" "telnet"		/* ALPN */
	    "\x04\x00\x00"			/* NOOP, empty */
	    "\x05\x00\x01" "u"			/* UNIQUE_ID */
	    "\xff\xfd\x18"),
	  PROXY_DONE, 44, 0, "192.0.2.7", 56324, "198.51.100.1", 23 },
	{ "v2 local, no addresses", B(SIG2 "\x20\x00\x00\x00"), PROXY_DONE,
	  16, 1, NULL, 0, NULL, 0 },
	{ "v2 local, addresses skipped",
	  B(SIG2 "\x20\x11\x00\x0c" "\xc0\x00\x02\x07" "\xc6\x33\x64\x01"
	    "\xdc\x04" "\x00\x17" "\xff"),
	  PROXY_DONE, 28, 1, NULL, 0, NULL, 0 },
	{ "v2 local, garbage block skipped",
	  B(SIG2 "\x20\x00\x00\x03" "\x01\x00\x09"), PROXY_DONE, 19, 1, NULL, 0, NULL, 0 },
	{ "v2 proxy unspec", B(SIG2 "\x21\x00\x00\x00"), PROXY_DONE, 16, 1, NULL, 0, NULL, 0 },
	{ "v2 proxy udp4",
	  B(SIG2 "\x21\x12\x00\x0c" "\xc0\x00\x02\x07" "\xc6\x33\x64\x01"
	    "\xdc\x04" "\x00\x17"),
	  PROXY_DONE, 28, 1, NULL, 0, NULL, 0 },
	{ "v2 proxy inet, unspec protocol",
	  B(SIG2 "\x21\x10\x00\x00"), PROXY_DONE, 16, 1, NULL, 0, NULL, 0 },
	{ "v2 version 1", B(SIG2 "\x11\x11\x00\x0c" "\xc0\x00\x02\x07"
	    "\xc6\x33\x64\x01" "\xdc\x04" "\x00\x17"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 version 3", B(SIG2 "\x31\x11\x00\x00"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 command 2", B(SIG2 "\x22\x11\x00\x00"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 family 4", B(SIG2 "\x21\x41\x00\x00"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 protocol 3", B(SIG2 "\x21\x13\x00\x00"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 tcp4 block too short",
	  B(SIG2 "\x21\x11\x00\x08" "\xc0\x00\x02\x07" "\xc6\x33\x64\x01"),
	  PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 tcp6 block too short",
	  B(SIG2 "\x21\x21\x00\x0c" "\xc0\x00\x02\x07" "\xc6\x33\x64\x01"
	    "\xdc\x04" "\x00\x17"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 tlv past the end",
	  B(SIG2 "\x21\x11\x00\x10" "\xc0\x00\x02\x07" "\xc6\x33\x64\x01"
	    "\xdc\x04" "\x00\x17" "\x01\x00\x02" "t"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 tlv header cut",
	  B(SIG2 "\x21\x11\x00\x0e" "\xc0\x00\x02\x07" "\xc6\x33\x64\x01"
	    "\xdc\x04" "\x00\x17" "\x01\x00"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	/* The length alone says it is too long: no need to wait for it. */
	{ "v2 length 1025", B(SIG2 "\x21\x11\x04\x01"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
	{ "v2 length 65535", B(SIG2 "\x21\x11\xff\xff"), PROXY_BAD, 0, 0, NULL, 0, NULL, 0 },
};

static void
check_addr(const struct sockaddr_storage *ss, socklen_t len, const char *addr,
    unsigned int port)
{
	char host[INET6_ADDRSTRLEN];
	unsigned int p;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		assert_int_equal(len, sizeof(*sin));
		assert_non_null(inet_ntop(AF_INET, &sin->sin_addr, host,
		    sizeof(host)));
		p = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		assert_int_equal(ss->ss_family, AF_INET6);
		assert_int_equal(len, sizeof(*sin6));
		assert_non_null(inet_ntop(AF_INET6, &sin6->sin6_addr, host,
		    sizeof(host)));
		p = ntohs(sin6->sin6_port);
	}
	assert_string_equal(host, addr);
	assert_int_equal(p, port);
}

static void
run_case(const struct pcase *c)
{
	struct proxy_header h;
	const char *why = NULL;
	enum proxy_status st;
	size_t n;

	st = proxy_parse((const unsigned char *)c->bytes, c->len, &h, &why);
	if (st != c->want)
		fail_msg("%s: got %d (%s), want %d", c->name, st,
		    why ? why : "-", c->want);
	if (st == PROXY_BAD) {
		assert_non_null(why);
	} else if (st == PROXY_DONE) {
		assert_int_equal(h.len, c->hdrlen);
		assert_int_equal(h.local, c->local);
		assert_int_equal(h.version, c->bytes[0] == 'P' ? 1 : 2);
		if (!c->local) {
			check_addr(&h.src, h.srclen, c->src, c->sport);
			check_addr(&h.dst, h.dstlen, c->dst, c->dport);
		}
	}
	/* Every prefix: a header cut short is MORE, never DONE. */
	for (n = 0; n < c->len; n++) {
		st = proxy_parse((const unsigned char *)c->bytes, n, &h, &why);
		if (c->want == PROXY_DONE && n < c->hdrlen &&
		    st != PROXY_MORE)
			fail_msg("%s: prefix of %zu bytes: got %d (%s), want "
			    "MORE", c->name, n, st, why ? why : "-");
		if (c->want == PROXY_DONE && n >= c->hdrlen &&
		    (st != PROXY_DONE || h.len != c->hdrlen))
			fail_msg("%s: %zu bytes: got %d, want DONE", c->name,
			    n, st);
		if (c->want == PROXY_BAD && st == PROXY_DONE)
			fail_msg("%s: prefix of %zu bytes is DONE", c->name,
			    n);
	}
}

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* v2 with TLVs filling the longest accepted length, then one more. */
static void
test_v2_length_bound(void **state)
{
	unsigned char buf[PROXY_V2_HDR + PROXY_V2_LEN_MAX + 8];
	struct proxy_header h;
	const char *why;
	size_t len;

	(void)state;
	for (len = PROXY_V2_LEN_MAX - 2; len <= PROXY_V2_LEN_MAX + 1; len++) {
		size_t tlv = len - 12 - 3;

		memset(buf, 0, sizeof(buf));
		memcpy(buf, SIG2, 12);
		buf[12] = 0x21;
		buf[13] = 0x11;
		buf[14] = (unsigned char)(len >> 8);
		buf[15] = (unsigned char)len;
		memcpy(buf + 16, "\x7f\x00\x00\x01\x7f\x00\x00\x01\x00\x01"
		    "\x00\x17", 12);
		buf[28] = 0x04;		/* NOOP filling the rest */
		buf[29] = (unsigned char)(tlv >> 8);
		buf[30] = (unsigned char)tlv;
		if (len <= PROXY_V2_LEN_MAX) {
			assert_int_equal(proxy_parse(buf, 16 + len, &h, &why),
			    PROXY_DONE);
			assert_int_equal(h.len, 16 + len);
			assert_int_equal(proxy_parse(buf, 15 + len, &h, &why),
			    PROXY_MORE);
		} else {
			assert_int_equal(proxy_parse(buf, 16, &h, &why),
			    PROXY_BAD);
		}
	}
}

/* --- --proxy-from prefixes ----------------------------------------------- */

static void
test_prefix_parse(void **state)
{
	static const struct {
		const char *s;
		int ok, family;
		unsigned int bits;
	} t[] = {
		{ "192.0.2.1", 1, AF_INET, 32 },
		{ "10.0.0.0/8", 1, AF_INET, 8 },
		{ "0.0.0.0/0", 1, AF_INET, 0 },
		{ "::1", 1, AF_INET6, 128 },
		{ "fe80::/10", 1, AF_INET6, 10 },
		{ "2001:db8::/32", 1, AF_INET6, 32 },
		{ "10.0.0.1/8", 0, 0, 0 },		/* host bits set */
		{ "fe80::1/10", 0, 0, 0 },
		{ "10.0.0.0/33", 0, 0, 0 },
		{ "2001:db8::/129", 0, 0, 0 },
		{ "10.0.0.0/08", 0, 0, 0 },
		{ "10.0.0.0/", 0, 0, 0 },
		{ "10.0.0.0/x", 0, 0, 0 },
		{ "10.0.0.0/-1", 0, 0, 0 },
		{ "/8", 0, 0, 0 },
		{ "", 0, 0, 0 },
		{ "proxy.example", 0, 0, 0 },
		{ "10.0.0", 0, 0, 0 },
		{ "[::1]", 0, 0, 0 },
	};
	struct proxy_prefix pf;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why = NULL;
		if (proxy_prefix_parse(t[i].s, &pf, &why) != (t[i].ok ? 0 : -1))
			fail_msg("%s: want %s (%s)", t[i].s,
			    t[i].ok ? "ok" : "refused", why ? why : "-");
		if (t[i].ok) {
			assert_int_equal(pf.family, t[i].family);
			assert_int_equal(pf.bits, t[i].bits);
		} else {
			assert_non_null(why);
		}
	}
}

static void
addr(struct sockaddr_storage *ss, socklen_t *len, const char *s)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &((struct sockaddr_in *)ss)->sin_addr)) {
		ss->ss_family = AF_INET;
		*len = sizeof(struct sockaddr_in);
	} else {
		assert_int_equal(inet_pton(AF_INET6, s,
		    &((struct sockaddr_in6 *)ss)->sin6_addr), 1);
		ss->ss_family = AF_INET6;
		*len = sizeof(struct sockaddr_in6);
	}
}

static void
test_trusted(void **state)
{
	static const char *const from[] = {
		"10.0.0.0/8", "192.0.2.7", "fe80::/10", "2001:db8::/32",
		"198.51.100.128/25",
	};
	static const struct {
		const char *a;
		int yes;
	} t[] = {
		{ "10.1.2.3", 1 }, { "10.255.255.255", 1 }, { "11.0.0.1", 0 },
		{ "9.255.255.255", 0 }, { "192.0.2.7", 1 }, { "192.0.2.8", 0 },
		{ "::ffff:10.1.2.3", 1 },	/* IPv4 on an IPv6 socket */
		{ "::ffff:192.0.2.8", 0 },
		{ "::10.1.2.3", 0 },		/* compatible, not mapped */
		{ "fe80::1", 1 }, { "febf::1", 1 }, { "fec0::1", 0 },
		{ "2001:db8:ffff::1", 1 }, { "2001:db9::1", 0 },
		{ "198.51.100.128", 1 }, { "198.51.100.255", 1 },
		{ "198.51.100.127", 0 }, { "::1", 0 }, { "127.0.0.1", 0 },
	};
	struct proxy_prefix pf[5];
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(proxy_prefix_parse(from[i], &pf[i], &why), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		addr(&ss, &len, t[i].a);
		if (proxy_trusted(pf, 5, (struct sockaddr *)&ss, len) !=
		    t[i].yes)
			fail_msg("%s: want %s", t[i].a,
			    t[i].yes ? "trusted" : "not trusted");
	}
	/* No sources: nothing is trusted; /0 trusts a whole family. */
	addr(&ss, &len, "10.1.2.3");
	assert_int_equal(proxy_trusted(pf, 0, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(proxy_prefix_parse("0.0.0.0/0", &pf[0], &why), 0);
	assert_int_equal(proxy_trusted(pf, 1, (struct sockaddr *)&ss, len), 1);
	addr(&ss, &len, "2001:db8::1");
	assert_int_equal(proxy_trusted(pf, 1, (struct sockaddr *)&ss, len), 0);
}

/* --- the reader (peer.c) on a socket pair ---------------------------------- */

static const char v1hdr[] = "PROXY TCP4 192.0.2.7 198.51.100.1 56324 23\r\n";
static const char telnet[] = "\xff\xfd\x18\xff\xfb\x01 and some data";

static void
sock_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void
put(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

/* What is left in the socket after the header: the client's bytes. */
static void
check_rest(int fd, const char *want, size_t n)
{
	char buf[256];
	ssize_t got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	assert_int_equal(got, (ssize_t)n);
	assert_memory_equal(buf, want, n);
}

static void
test_read_whole(void **state)
{
	struct proxy_reader r;
	struct proxy_header h;
	const char *why;
	char both[sizeof(v1hdr) + sizeof(telnet)];
	int sv[2];

	(void)state;
	sock_pair(sv);
	memcpy(both, v1hdr, sizeof(v1hdr) - 1);
	memcpy(both + sizeof(v1hdr) - 1, telnet, sizeof(telnet) - 1);
	put(sv[1], both, sizeof(v1hdr) + sizeof(telnet) - 2);
	r.have = 0;
	assert_int_equal(proxy_read(&r, sv[0], &h, &why), PROXY_DONE);
	assert_int_equal(h.len, sizeof(v1hdr) - 1);
	check_addr(&h.src, h.srclen, "192.0.2.7", 56324);
	check_rest(sv[0], telnet, sizeof(telnet) - 1);
	close(sv[0]);
	close(sv[1]);
}

/* The header in pieces, each a read of its own: MORE until the last;
 * every byte before it is taken, none after it. */
static void
test_read_pieces(void **state)
{
	static const char v2[] = SIG2 "\x21\x11\x00\x0c" "\xc0\x00\x02\x07"
	    "\xc6\x33\x64\x01" "\xdc\x04" "\x00\x17";
	const struct {
		const char *hdr;
		size_t len;
	} t[] = { { v1hdr, sizeof(v1hdr) - 1 }, { v2, sizeof(v2) - 1 } };
	struct proxy_reader r;
	struct proxy_header h;
	const char *why;
	size_t i, cut;
	int sv[2];

	(void)state;
	for (i = 0; i < 2; i++) {
		for (cut = 1; cut < t[i].len; cut++) {
			sock_pair(sv);
			r.have = 0;
			assert_int_equal(proxy_read(&r, sv[0], &h, &why),
			    PROXY_MORE);	/* nothing there yet */
			put(sv[1], t[i].hdr, cut);
			assert_int_equal(proxy_read(&r, sv[0], &h, &why),
			    PROXY_MORE);
			assert_int_equal(r.have, cut);
			put(sv[1], t[i].hdr + cut, t[i].len - cut);
			put(sv[1], telnet, sizeof(telnet) - 1);
			assert_int_equal(proxy_read(&r, sv[0], &h, &why),
			    PROXY_DONE);
			assert_int_equal(h.len, t[i].len);
			check_addr(&h.src, h.srclen, "192.0.2.7", 56324);
			check_rest(sv[0], telnet, sizeof(telnet) - 1);
			close(sv[0]);
			close(sv[1]);
		}
	}
}

static void
test_read_eof_and_bad(void **state)
{
	struct proxy_reader r;
	struct proxy_header h;
	const char *why;
	int sv[2];

	(void)state;
	/* Truncated: part of a header, then the proxy hangs up. */
	sock_pair(sv);
	r.have = 0;
	put(sv[1], v1hdr, 20);
	assert_int_equal(proxy_read(&r, sv[0], &h, &why), PROXY_MORE);
	close(sv[1]);
	assert_int_equal(proxy_read(&r, sv[0], &h, &why), PROXY_BAD);
	assert_non_null(strstr(why, "closed"));
	close(sv[0]);
	/* Not a header: refused on the first read. */
	sock_pair(sv);
	r.have = 0;
	put(sv[1], telnet, sizeof(telnet) - 1);
	assert_int_equal(proxy_read(&r, sv[0], &h, &why), PROXY_BAD);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_v2_length_bound),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_trusted),
		cmocka_unit_test(test_read_whole),
		cmocka_unit_test(test_read_pieces),
		cmocka_unit_test(test_read_eof_and_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
