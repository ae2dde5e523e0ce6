/*
 * telnet_int.h - the engine's private state, shared by its source files:
 * telnet.c (the engine object, events), receive.c (the receive parser),
 * negotiate.c (the RFC 1143 Q method), send.c (data and commands out),
 * subneg.c (subnegotiation decoders), environ.c (the ENVIRON decoders),
 * encode.c (subnegotiation encoders), starttls.c (START_TLS), names.c
 * (trace names).
 */
#ifndef TELNET_INT_H
#define TELNET_INT_H

#include <stddef.h>
#include <string.h>

#include "telnet.h"

/* Parser states of the receive side. */
enum telnet_pstate {
	PS_DATA = 0,
	PS_CR,		/* a CR was reported; an LF or NUL next is its partner */
	PS_IAC,
	PS_VERB,	/* after IAC WILL/WONT/DO/DONT, waiting for the option */
	PS_SB_OPT,	/* after IAC SB, waiting for the option */
	PS_SB,		/* inside a subnegotiation */
	PS_SB_IAC,	/* IAC inside a subnegotiation */
};

/* Per option: RFC 1143 states for both sides, the queue bits, and the
 * caller's policy. */
struct telnet_opt {
	unsigned char us, him;		/* enum telnet_q */
	unsigned char usq, himq;	/* 1 = OPPOSITE queued */
	unsigned char local_ok, remote_ok;
};

struct telnet {
	telnet_event_cb cb;
	void *ctx;
	int is_client;

	enum telnet_pstate state;
	unsigned char verb;		/* in PS_VERB */
	int cr_pending_out;		/* last byte sent was a bare CR in NVT mode */
	int synch;			/* discarding data until IAC DM */
	int in_feed;			/* telnet_feed is running */
	int stop;			/* telnet_feed returns after this event:
					 * telnet_yield, START_TLS begun */
	size_t yield_back;		/* of a DATA event: bytes not taken */
	int env_reversed;		/* old ENVIRON peer uses swapped VAR/VALUE */
	int env_reversed_known;
	enum telnet_tls tls;		/* START_TLS progress (starttls.c) */

	void (*release)(void *p, size_t size);	/* NULL: free() */
	size_t mem_size;		/* this struct and both buffers */

	/* Subnegotiation accumulation: fixed buffer, allocated once, in
	 * the same block as this struct. */
	unsigned char sb_opt;
	int sb_overflow;		/* over the limit: discard to IAC SE */
	size_t sb_len, sb_max;
	unsigned char *sb_buf;		/* sb_max bytes */
	unsigned char *dec_buf;		/* decode scratch, 2 * sb_max + 64 */
	size_t dec_max;

	struct telnet_opt opts[256];
};

/* An event to the caller's callback.  Inline, so that a DATA span goes
 * from the parser (receive.c) straight to the caller. */
static inline void
telnet_emit(struct telnet *t, const struct telnet_event *ev)
{
	t->cb(t, ev, t->ctx);
}

/* telnet.c */
void telnet_emit_error(struct telnet *t, enum telnet_error code,
    unsigned char opt, const char *msg);

/* send.c: bytes other than data (commands, negotiation, subnegotiations)
 * as a SEND event, after the NUL a pending bare CR still owes. */
void telnet_emit_send(struct telnet *t, const unsigned char *buf, size_t len,
    int urgent);

/* negotiate.c: a received WILL/WONT/DO/DONT for OPT. */
void telnet_negotiate(struct telnet *t, unsigned char verb, unsigned char opt);

/*
 * receive.c and send.c: the index of the first byte in buf[i..len) that
 * needs more than copying: IAC, and CR when the text is NVT (not BINARY).
 * *iac caches the next IAC (TELNET_IAC_UNKNOWN before the first scan) so
 * that text full of CRs is not rescanned for IAC from every CR.  Inline:
 * it is the data path's inner loop on both sides.
 */
#define TELNET_IAC_UNKNOWN ((size_t)-1)

static inline size_t
telnet_next_special(const unsigned char *buf, size_t i, size_t len, int nvt,
    size_t *iac)
{
	const unsigned char *p;
	size_t cr;

	if (*iac == TELNET_IAC_UNKNOWN || *iac < i) {
		p = memchr(buf + i, TELNET_IAC, len - i);
		*iac = p ? (size_t)(p - buf) : len;
	}
	if (!nvt || *iac == i)
		return *iac;
	p = memchr(buf + i, '\r', *iac - i);
	cr = p ? (size_t)(p - buf) : *iac;
	return cr;
}

/* An event of the given type, every other field zero: what each emitter
 * fills in before telnet_emit().  Inline: DATA events are per span. */
static inline void
telnet_ev_init(struct telnet_event *ev, enum telnet_event_type type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
}

/* subneg.c: decoding helpers shared with environ.c.  Text copies go into
 * t->dec_buf at an offset. */
struct dec {
	struct telnet *t;
	size_t pos;
};
void telnet_sb_malformed(struct telnet *t, const char *msg);
int telnet_dec_put(struct dec *d, unsigned char c);
const char *telnet_dec_ptr(const struct dec *d, size_t off);
const char *telnet_dec_copy(struct dec *d, const unsigned char *buf,
    size_t len);

/* environ.c: NEW-ENVIRON and old ENVIRON (RFC 1572, 1408, 1571). */
void telnet_sb_environ(struct telnet *t);

/* starttls.c: the option became YES on our side (local) or the peer's;
 * the peer's SB START_TLS; whether negotiation is frozen. */
void telnet_starttls_agreed(struct telnet *t);
void telnet_sb_starttls(struct telnet *t);
int telnet_tls_frozen(const struct telnet *t);

/* subneg.c: decode the accumulated subnegotiation t->sb_buf[0..sb_len) for
 * option t->sb_opt and emit the typed event (or an error). */
void telnet_subneg_dispatch(struct telnet *t);

#endif /* TELNET_INT_H */
