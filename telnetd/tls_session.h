/*
 * tls_session.h - the state of a relay's TLS, private to tls_session.c
 * (the way in: the first bytes, START_TLS, the handshake) and
 * tls_session_io.c (the record layer once it is up).  Everything else
 * asks through the functions telnetd.h declares.
 */
#ifndef TELNETD_TLS_SESSION_H
#define TELNETD_TLS_SESSION_H

#include <stdint.h>

#include "tls.h"

enum tls_step {
	TS_SNIFF,		/* auto: the first bytes decide */
	TS_OFFER,		/* DO START_TLS out, the answer awaited */
	TS_HANDSHAKE,
	TS_UP,			/* TLS carries the session */
	TS_PLAIN,		/* START_TLS refused (an offered mode) */
};

struct tls_session {
	const struct tls_ops *ops;
	struct tls *t;
	int mode;		/* enum tls_mode */
	int64_t t0;		/* ms: the relay began */
	enum tls_step step;
	enum tls_how how;
	int chan;		/* the signer channel, until the handshake */
	int sniff_ms;		/* auto: how long a silent client may be */
	int64_t sniff_until;
	int sniff_more;		/* auto: a lone 0x16 so far */
	short hs_events;	/* what the handshake waits for */
	int want_write;		/* a read needs the socket writable */
	struct tls_info info;	/* once up */
};

/* Both files ask the step these two questions: here, so that neither
 * calls the other for them.  TLS carries the session: the record layer
 * is in use. */
static inline int
ts_is_up(const struct tls_session *ts)
{
	return ts->step == TS_UP;
}

/* The first bytes or the handshake are being looked at: the socket is
 * tls_session.c's, not TELNET's. */
static inline int
ts_owns_net(const struct tls_session *ts)
{
	return ts->step == TS_SNIFF || ts->step == TS_HANDSHAKE;
}

#endif /* TELNETD_TLS_SESSION_H */
