/*
 * tls_session.c - a relay's way into TLS; once TLS is up, the
 * record layer behind the net-I/O seam is tls_session_io.c's.  No
 * OpenSSL here: TLS is reached through the session's struct tls_ops
 * (tls.c's, in tls-helper); a plain session has no struct tls_session and
 * never calls in.
 *
 * The steps before TELNET (the session state S_SECURING):
 *
 *   SNIFF	both on one port (auto modes): the client's first bytes,
 *		peeked: a TLS handshake record (0x16 0x03) is TLS from the
 *		first byte; anything else is a TELNET client, offered
 *		START_TLS.  A client that sends nothing within
 *		tls_sniff_wait_ms() of its round trip is a TELNET client
 *		waiting for the server to speak (a TLS client always speaks
 *		first: its ClientHello leaves with the connection).
 *   OFFER	START_TLS (draft-altman-telnet-starttls-02): DO START_TLS
 *		alone, with every other option refused meanwhile (nothing
 *		of the terminal or the environment crosses in clear), until
 *		WILL (the engine sends FOLLOWS), the client's FOLLOWS (TLS
 *		begins right after its IAC SE: the rest of that read is the
 *		handshake's), or WONT / no answer within
 *		--negotiation-timeout: then the session goes on in plain,
 *		or with a -required mode gets one line and the close.
 *   HANDSHAKE	the TLS handshake, step by step, within TLS_HANDSHAKE_MS
 *		(after START_TLS, once our FOLLOWS is out: that too must
 *		leave within TLS_HANDSHAKE_MS of the client's FOLLOWS);
 *		a failure closes the connection (never plain after it).
 *
 * Then every option is forgotten (draft section 3.1, 6), the whole policy
 * applies and negotiate_begin() asks again, inside TLS: S_NEGOTIATING.
 * Client data that came in clear before TLS is dropped: an attacker on
 * the path must not be able to type into the session it cannot read.
 *
 * datapath.c calls in here (the rest of the read after FOLLOWS, bytes
 * only its read sees: tls_session_prefix()); a refusal is queued with
 * relay_reply() (netqueue.c), so nothing here calls back into the reads
 * and writes.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"
#include "tls_session.h"

/* How much of the stack below the loop's frame tls_up() hands back: a
 * multiple of every page size Linux uses, so the window starts on a page. */
#define STACK_TRIM	((uintptr_t)256 * 1024)

/* A client silent through the first-bytes wait gets this long at least
 * to answer DO START_TLS (one round trip, a slow start): a raw client that
 * answers nothing then has its program in under 2 s (SPEC.md). */
#define OFFER_ANSWER_MIN_MS	200

/* A lone 0x16 from the client: looked at again this often. */
#define SNIFF_AGAIN_MS	10

/* While START_TLS is offered, nothing else is agreed. */
static const struct telnet_policy offer_policy[] = {
	{ TELOPT_STARTTLS, 0, 1 },
	{ -1, 0, 0 },
};

static int
required(const struct tls_session *ts)
{
	return ts->mode == TLS_MODE_STARTTLS_REQUIRED ||
	    ts->mode == TLS_MODE_AUTO_REQUIRED;
}

/* The round trip the kernel measured so far (the handshake's), for the
 * silent client's bound; before confinement (getsockopt is not allowed
 * after it). */
static int
sniff_wait(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		ti.tcpi_rtt = 0;
	return tls_sniff_wait_ms(ti.tcpi_rtt);
}

int
tls_session_new(struct session *s, const struct tls_start *st)
{
	struct tls_session *ts;
	struct tls_ctx *ctx = st->ctx;
	char why[256];

	if ((ts = calloc(1, sizeof(*ts))) == NULL) {
		log_warn("TLS session");
		return -1;
	}
	ts->ops = st->ops;
	ts->mode = st->mode;
	ts->t0 = now_ms();
	ts->chan = st->chan;
	/* inetd mode: the certificates the signer checked, made into a
	 * context here (a --listen daemon made it once, before forking). */
	if (ctx == NULL && (ctx = ts->ops->ctx_new_mem(st->chain,
	    st->chainlen, why, sizeof(why))) == NULL) {
		log_warnx("TLS certificates: %s", why);
		free(ts);
		return -1;
	}
	if ((ts->t = ts->ops->conn_new(ctx, s->net.fd, st->chan)) == NULL) {
		log_warnx("TLS: cannot make a connection object");
		free(ts);
		return -1;
	}
	ts->ops->seed();
	switch (ts->mode) {
	case TLS_MODE_IMPLICIT:
		ts->step = TS_HANDSHAKE;
		ts->how = TLS_HOW_IMPLICIT;
		break;
	case TLS_MODE_AUTO:
	case TLS_MODE_AUTO_REQUIRED:
		ts->step = TS_SNIFF;
		ts->sniff_ms = sniff_wait(s->net.fd);
		break;
	default:
		ts->step = TS_OFFER;
		break;
	}
	ts->hs_events = POLLIN;
	s->tls = ts;
	s->state = S_SECURING;
	return 0;
}

/* DO START_TLS alone; the answer within --negotiation-timeout of the
 * connection (a client silent through the first-bytes wait has used some
 * of it, but gets OFFER_ANSWER_MIN_MS at least). */
static void
offer(struct session *s, int64_t now)
{
	int64_t dl = s->tls->t0 + s->cfg->neg_timeout_ms;

	s->tls->step = TS_OFFER;
	telnet_set_policy(s->t, offer_policy);
	(void)telnet_request_remote(s->t, TELOPT_STARTTLS, 1);
	s->dl[DL_SECURE] = dl > now + OFFER_ANSWER_MIN_MS ? dl :
	    now + OFFER_ANSWER_MIN_MS;
	log_trace(s, DBG_OPTIONS, "send DO START_TLS");
}

void
tls_session_begin(struct session *s)
{
	int64_t now = now_ms();

	switch (s->tls->step) {
	case TS_OFFER:
		offer(s, now);
		break;
	case TS_SNIFF:
		s->tls->sniff_until = now + s->tls->sniff_ms;
		s->dl[DL_SECURE] = s->tls->sniff_until;
		break;
	default:
		break;
	}
}

/* TELNET without TLS from here on: the whole policy, the opening
 * requests. */
static void
go_plain(struct session *s)
{
	s->tls->step = TS_PLAIN;
	s->dl[DL_SECURE] = 0;
	telnet_set_policy(s->t, negotiate_policy);
	s->state = S_NEGOTIATING;
	negotiate_begin(s);
}

/* A -required mode: one line, then the close (as a refused start). */
static void
refuse(struct session *s, const char *why)
{
	static const unsigned char msg[] = "\r\ntelnetd: this server "
	    "requires TLS (START_TLS, or TLS from the first byte); "
	    "connection closed.\r\n";

	log_info("refused: %s (--tls=%s)", why, tls_mode_name(s->tls->mode));
	s->dl[DL_SECURE] = 0;
	relay_reply(s, msg, sizeof(msg) - 1);
	/* Final: a WILL START_TLS after this (still read while the line
	 * drains) is refused, not answered with a FOLLOWS for a handshake
	 * that will never run. */
	telnet_set_policy(s->t, NULL);
	/* No program will run: the pty side ends before it began, and the
	 * line is flushed (within FLUSH_TIMEOUT_MS) as any drain is. */
	pty_done(s);
}

static void
start_refused(struct session *s, const char *why)
{
	if (required(s->tls))
		refuse(s, why);
	else {
		log_trace(s, DBG_OPTIONS, "%s: plain TELNET", why);
		go_plain(s);
	}
}

/* The handshake's own deadline (tls.c) starts with its first step; until
 * then (START_TLS: our FOLLOWS still queued behind what the client has not
 * read) this one bounds the wait. */
static void
begin_handshake(struct session *s, enum tls_how how)
{
	s->tls->step = TS_HANDSHAKE;
	s->tls->how = how;
	s->dl[DL_SECURE] = now_ms() + TLS_HANDSHAKE_MS;
}

/* The engine's events while START_TLS is offered (everything else is
 * refused by the policy: what is left is the option's own answer and
 * the FOLLOWS; commands and data are the relay's as ever). */
void
tls_session_event(struct session *s, const struct telnet_event *ev)
{
	switch (ev->type) {
	case TELNET_EV_OPTION:
		if (ev->u.option.opt != TELOPT_STARTTLS || ev->u.option.local)
			break;
		if (!ev->u.option.enabled)
			start_refused(s, "the client refused START_TLS");
		else {
			/* Its FOLLOWS is due now; the handshake's deadline
			 * covers a slow one. */
			s->dl[DL_SECURE] = now_ms() + TLS_HANDSHAKE_MS;
			log_trace(s, DBG_OPTIONS, "START_TLS agreed: FOLLOWS "
			    "sent");
		}
		break;
	case TELNET_EV_STARTTLS:
		/* Typed in clear before TLS: never the program's. */
		buf_reset(&s->in);
		s->nspan = 0;
		s->span_len = 0;
		log_trace(s, DBG_OPTIONS, "START_TLS: FOLLOWS from the "
		    "client, TLS begins");
		begin_handshake(s, TLS_HOW_STARTTLS);
		break;
	case TELNET_EV_NEGOTIATE:
		log_trace(s, DBG_OPTIONS, "recv %s %s (START_TLS first)",
		    telnet_cmd_name(ev->u.negotiate.verb),
		    telnet_opt_name(ev->u.negotiate.opt));
		break;
	default:
		break;
	}
}

void
tls_session_prefix(struct session *s, const unsigned char *p, size_t n)
{
	if (s->tls->step != TS_HANDSHAKE)
		return;
	if (s->tls->ops->prefix(s->tls->t, p, n) == -1) {
		log_info("TLS: %zu bytes after START_TLS FOLLOWS, more than "
		    "a ClientHello; closed", n);
		s->state = S_CLOSED;
	}
}

/* An OFFER that got no answer in time; or START_TLS agreed and our
 * FOLLOWS sent, but none from the client: the engine answers nothing
 * after its FOLLOWS (draft section 3), so there is no going back to plain
 * TELNET: the connection closes. */
void
tls_session_check(struct session *s, int64_t now)
{
	if (s->state != S_SECURING || s->tls->step != TS_OFFER ||
	    s->dl[DL_SECURE] == 0 || now < s->dl[DL_SECURE])
		return;
	if (telnet_starttls_state(s->t) == TELNET_TLS_FOLLOWS_SENT) {
		log_info("START_TLS agreed, but no FOLLOWS from the client "
		    "within %d ms; closed", TLS_HANDSHAKE_MS);
		s->dl[DL_SECURE] = 0;
		s->state = S_CLOSED;
		return;
	}
	start_refused(s, "no answer to DO START_TLS");
}

int
tls_session_own(const struct session *s)
{
	return ts_owns_net(s->tls);
}

short
tls_session_events(const struct session *s)
{
	if (s->tls->step == TS_SNIFF)
		return s->tls->sniff_more ? 0 : POLLIN;
	return s->tls->hs_events;
}

/* The client's first bytes, peeked (auto modes). */
static void
sniff_step(struct session *s, short revents, int64_t now)
{
	unsigned char b[2];
	ssize_t n;

	if (revents != 0 || s->tls->sniff_more) {
		n = recv(s->net.fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			s->state = S_CLOSED;	/* gone before a word */
			return;
		}
		s->tls->sniff_more = 0;
		if (n > 0) {
			switch (tls_sniff(b, (size_t)n)) {
			case TLS_SNIFF_TLS:
				log_trace(s, DBG_OPTIONS, "first bytes: TLS");
				begin_handshake(s, TLS_HOW_IMPLICIT);
				return;
			case TLS_SNIFF_TELNET:
				log_trace(s, DBG_OPTIONS, "first bytes: "
				    "TELNET");
				offer(s, now);
				return;
			case TLS_SNIFF_MORE:
				/* A lone 0x16: look again in a moment
				 * (POLLIN would say "readable" at once). */
				s->tls->sniff_more = 1;
				break;
			}
		}
	}
	if (now >= s->tls->sniff_until) {
		log_trace(s, DBG_OPTIONS, "silent for %d ms: TELNET",
		    s->tls->sniff_ms);
		offer(s, now);
		return;
	}
	s->dl[DL_SECURE] = s->tls->sniff_more && now + SNIFF_AGAIN_MS <
	    s->tls->sniff_until ? now + SNIFF_AGAIN_MS : s->tls->sniff_until;
}

/*
 * The handshake's stack back: OpenSSL's key exchange and certificate code
 * ran tens of KiB deep, and those pages stay with an idle session for
 * hours unless handed back.  Below the caller's frame (with a page to
 * spare) nothing is live; a page touched again later comes back zeroed.
 */
static __attribute__((noinline)) void
stack_trim(void)
{
	volatile char here;
	/* The kernel's page size, not 4 KiB: on a 16 or 64 KiB page kernel
	 * a 4 KiB-aligned start fails madvise (EINVAL). */
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t top = ((uintptr_t)&here & ~(pg - 1)) - pg;

	/* The part of the window below the stack's mapping is skipped
	 * (ENOMEM), what is mapped is discarded. */
	(void)madvise((void *)(top - STACK_TRIM), STACK_TRIM, MADV_DONTNEED);
}

/* The handshake done: everything the client said in clear forgotten, the
 * whole policy, the opening requests inside TLS. */
static void
tls_up(struct session *s)
{
	struct tls_session *ts = s->tls;
	const struct tls_info *i = &ts->info;

	ts->step = TS_UP;
	s->dl[DL_SECURE] = 0;
	ts->ops->info(ts->t, &ts->info);
	ts->info.how = ts->how;
	s->tls_up = &ts->info;
	log_info("TLS %s %s%s%s%s (%s)", i->version, i->cipher,
	    i->sni[0] ? ", SNI " : "", i->sni, i->ktls_tx ? ", kernel TLS" :
	    "", ts->how == TLS_HOW_STARTTLS ? "START_TLS" :
	    "TLS from the first byte");
	/* The one signature is made: the channel has no more use. */
	if (ts->chan != -1) {
		close(ts->chan);
		ts->chan = -1;
	}
	if (ts->how == TLS_HOW_STARTTLS)
		telnet_starttls_reset(s->t);
	telnet_set_policy(s->t, negotiate_policy);
	buf_reset(&s->in);
	/* The handshake's garbage (transcript, key exchange) back. */
	ts->ops->trim(ts->t);
	stack_trim();
	s->state = S_NEGOTIATING;
	negotiate_begin(s);
}

static void
handshake_step(struct session *s, int64_t now)
{
	struct tls_session *ts = s->tls;
	int r;

	/* Our FOLLOWS goes out whole before the first byte of TLS.  A
	 * client that does not read it (the socket full of answers queued
	 * before it) has no handshake to fail at: the wait ends here. */
	if (netq_len(&s->out) > 0) {
		if (netq_flush(&s->out, s->net.fd) == -1) {
			s->state = S_CLOSED;
			return;
		}
		if (netq_len(&s->out) > 0 && now >= s->dl[DL_SECURE]) {
			log_info("TLS handshake failed: handshake not done in "
			    "%d ms (our FOLLOWS not read)", TLS_HANDSHAKE_MS);
			s->state = S_CLOSED;
			return;
		}
		if (netq_len(&s->out) > 0) {
			ts->hs_events = POLLOUT;
			return;
		}
	}
	r = ts->ops->handshake(ts->t);

	switch (r) {
	case 1:
		tls_up(s);
		return;
	case TLS_WANT_READ:
		ts->hs_events = POLLIN;
		break;
	case TLS_WANT_WRITE:
		ts->hs_events = POLLOUT;
		break;
	default:
		log_info("TLS handshake failed: %s", ts->ops->error(ts->t));
		s->state = S_CLOSED;
		return;
	}
	/* Past it, the next step fails (tls.c checks it). */
	s->dl[DL_SECURE] = ts->ops->deadline(ts->t);
}

void
tls_session_step(struct session *s, short revents, int64_t now)
{
	if (s->tls->step == TS_SNIFF)
		sniff_step(s, revents, now);
	/* A handshake step costs little when there is nothing: it is
	 * also how the deadline is seen. */
	if (s->state == S_SECURING && s->tls->step == TS_HANDSHAKE)
		handshake_step(s, now);
}

void
tls_session_free(struct session *s)
{
	struct tls_session *ts = s->tls;

	if (ts == NULL)
		return;
	ts->ops->free(ts->t);
	if (ts->chan != -1)
		close(ts->chan);
	free(ts);
	s->tls = NULL;
	s->tls_up = NULL;
}
