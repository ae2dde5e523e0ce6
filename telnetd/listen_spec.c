/*
 * listen_spec.c - one --listen value, [ADDR:]PORT[,tls=MODE], checked and
 * added to the config's addresses: a numeric IPv4 address, an IPv6 one in
 * brackets, or none (every address); a port number or a service name
 * from /etc/services; refused when it could not be bound beside an
 * address given before it.  The sockets are opened later
 * (listen_socket.c).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telnetd.h"

/* TLS: "[ADDR:]PORT,tls=MODE" sets the address's mode and
 * returns "[ADDR:]PORT" (in a buffer of its own); without the suffix the
 * address takes --tls's mode. */
static const char *
parse_listen_tls(struct listen_spec *ls, const char *arg)
{
	static char buf[128];
	const char *comma = strchr(arg, ',');

	ls->tls = TLS_MODE_DEFAULT;
	if (comma == NULL)
		return arg;
	if (strncmp(comma, ",tls=", 5) != 0)
		usage_error("--listen=%s: after the port only ,tls=MODE",
		    arg_safe(arg));
	if (tls_mode_parse(comma + 5, &ls->tls) == -1)
		usage_error("--listen=%s: unknown TLS mode (off, starttls, "
		    "starttls-required, implicit, auto, auto-required)",
		    arg_safe(arg));
	if ((size_t)(comma - arg) >= sizeof(buf))
		usage_error("--listen: address too long");
	memcpy(buf, arg, (size_t)(comma - arg));
	buf[comma - arg] = '\0';
	return buf;
}

/* 4 or 6 and the address's bytes; 0 for none (every address). */
static int
spec_family(const struct listen_spec *ls, unsigned char *bin)
{
	if (ls->addr[0] == '\0')
		return 0;
	if (inet_pton(AF_INET, ls->addr, bin) == 1)
		return 4;
	return inet_pton(AF_INET6, ls->addr, bin) == 1 ? 6 : -1;
}

/*
 * Two addresses on one port that the kernel will not bind both of: the
 * same address, or one that is every address of the other's family (no
 * ADDR is every address of both; the IPv6 sockets are v6only, so 0.0.0.0
 * and :: do not meet).  Found at start, such a pair would be a listener
 * that exits 1 after binding the first, or one that serves the second
 * without its IPv4 half ("one of the two is enough", listen_open()).
 */
static int
specs_overlap(const struct listen_spec *a, const struct listen_spec *b)
{
	static const unsigned char any[sizeof(struct in6_addr)];
	unsigned char ba[sizeof(struct in6_addr)], bb[sizeof(struct in6_addr)];
	int fa, fb;
	size_t len;

	if (strcmp(a->port, b->port) != 0)
		return 0;
	fa = spec_family(a, ba);
	fb = spec_family(b, bb);
	if (fa == 0 || fb == 0)
		return 1;
	if (fa != fb)
		return 0;
	len = fa == 4 ? sizeof(struct in_addr) : sizeof(struct in6_addr);
	return memcmp(ba, bb, len) == 0 || memcmp(ba, any, len) == 0 ||
	    memcmp(bb, any, len) == 0;
}

/* ls, just parsed from arg, against the addresses given before it. */
static void
listen_spec_unique(const struct config *cfg, const struct listen_spec *ls,
    const char *arg)
{
	const struct listen_spec *o;
	size_t i;

	for (i = 0; i < cfg->nlisten; i++) {
		o = &cfg->listen[i];
		if (!specs_overlap(o, ls))
			continue;
		if (strchr(o->addr, ':') != NULL)
			usage_error("--listen=%s: [%s]:%s is already given",
			    arg_safe(arg), o->addr, o->port);
		usage_error("--listen=%s: %s:%s is already given",
		    arg_safe(arg), o->addr[0] ? o->addr : "*", o->port);
	}
}

void
listen_spec_parse(struct config *cfg, const char *arg)
{
	struct listen_spec *ls;
	const char *port, *colon;
	size_t alen;
	unsigned char addrbuf[sizeof(struct in6_addr)];
	char *end;
	long n;

	if (cfg->nlisten >= MAX_LISTEN)
		usage_error("--listen: at most %d addresses", MAX_LISTEN);
	ls = &cfg->listen[cfg->nlisten];
	if (arg == NULL)
		usage_error("--listen needs a value");
	arg = parse_listen_tls(ls, arg);
	if (arg[0] == '[') {
		const char *rb = strchr(arg, ']');

		if (rb == NULL || rb[1] != ':')
			usage_error("--listen=%s: expected [ADDR]:PORT",
			    arg_safe(arg));
		alen = (size_t)(rb - arg - 1);
		if (alen >= sizeof(ls->addr))
			usage_error("--listen: address too long");
		memcpy(ls->addr, arg + 1, alen);
		ls->addr[alen] = '\0';
		if (inet_pton(AF_INET6, ls->addr, addrbuf) != 1)
			usage_error("--listen=%s: not an IPv6 address",
			    arg_safe(arg));
		port = rb + 2;
	} else if ((colon = strrchr(arg, ':')) != NULL) {
		if (strchr(arg, ':') != colon)
			usage_error("--listen=%s: write IPv6 addresses as "
			    "[ADDR]:PORT", arg_safe(arg));
		alen = (size_t)(colon - arg);
		if (alen >= sizeof(ls->addr))
			usage_error("--listen: address too long");
		memcpy(ls->addr, arg, alen);
		ls->addr[alen] = '\0';
		if (alen > 0 && strcmp(ls->addr, "*") != 0 &&
		    inet_pton(AF_INET, ls->addr, addrbuf) != 1)
			usage_error("--listen=%s: not a numeric IPv4 address",
			    arg_safe(arg));
		if (strcmp(ls->addr, "*") == 0)
			ls->addr[0] = '\0';
		port = colon + 1;
	} else {
		ls->addr[0] = '\0';
		port = arg;
	}
	if (*port == '\0')
		usage_error("--listen=%s: no port", arg_safe(arg));
	/* A number is digits only (strtol would take " 23" and "+23");
	 * anything else is a service name. */
	errno = 0;
	n = strtol(port, &end, 10);
	if (port[strspn(port, "0123456789")] != '\0') {
		struct servent *se;

		nss_builtin_only("services");
		if ((se = getservbyname(port, "tcp")) == NULL)
			usage_error("--listen=%s: bad port", arg_safe(arg));
		n = ntohs((uint16_t)se->s_port);
	} else if (errno != 0 || n < 1 || n > 65535)
		usage_error("--listen=%s: port out of range", arg_safe(arg));
	snprintf(ls->port, sizeof(ls->port), "%ld", n);
	listen_spec_unique(cfg, ls, arg);
	cfg->nlisten++;
	cfg->standalone = 1;
}
