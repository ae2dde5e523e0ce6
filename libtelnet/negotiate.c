/*
 * negotiate.c - option negotiation for both sides: the RFC 1143 Q method
 * on WILL/WONT/DO/DONT received and on the caller's requests, the
 * probe that asks without ever letting an option on, TIMING-MARK (RFC
 * 860), which is a question rather than a state, and the state queries.
 */
#include <string.h>

#include "telnet_int.h"

static void
emit_option(struct telnet *t, unsigned char opt, int local, int enabled,
    int refused)
{
	struct telnet_event ev;

	telnet_ev_init(&ev, TELNET_EV_OPTION);
	ev.u.option.opt = opt;
	ev.u.option.local = local;
	ev.u.option.enabled = enabled;
	ev.u.option.refused = refused;
	/* START_TLS agreed (the server's view is the peer's side, the
	 * client's its own): FOLLOWS goes out at once, before the caller
	 * hears of it, so nothing it asks for can come between
	 * (starttls.c). */
	if (opt == TELOPT_STARTTLS && enabled && local == t->is_client)
		telnet_starttls_agreed(t);
	telnet_emit(t, &ev);
}

static void
emit_tm(struct telnet *t, int local, int enabled)
{
	struct telnet_event ev;

	telnet_ev_init(&ev, TELNET_EV_TM);
	ev.u.tm.local = local;
	ev.u.tm.enabled = enabled;
	telnet_emit(t, &ev);
}

static void
send_neg(struct telnet *t, unsigned char verb, unsigned char opt)
{
	unsigned char b[3];

	b[0] = TELNET_IAC;
	b[1] = verb;
	b[2] = opt;
	telnet_emit_send(t, b, sizeof(b), 0);
}

/* ------------------------------------------------------------------ */
/* RFC 1143 section 7: the Q method.  "him" is the peer's side (WILL and
 * WONT received, DO and DONT sent); "us" is ours (DO and DONT received,
 * WILL and WONT sent).  The two sides are the same machine with the verbs
 * swapped, so one function serves both.                               */

struct side {
	unsigned char *state, *queue;
	int ok;			/* policy allows enabling */
	int local;		/* 1 = our side */
	unsigned char yes, no;	/* verbs we send: DO/DONT or WILL/WONT */
};

static void
side_of(struct telnet *t, unsigned char opt, int local, struct side *s)
{
	struct telnet_opt *o = &t->opts[opt];

	s->local = local;
	if (local) {
		s->state = &o->us;
		s->queue = &o->usq;
		s->ok = o->local_ok;
		s->yes = TELNET_WILL;
		s->no = TELNET_WONT;
	} else {
		s->state = &o->him;
		s->queue = &o->himq;
		s->ok = o->remote_ok;
		s->yes = TELNET_DO;
		s->no = TELNET_DONT;
	}
}

/* The peer asks for the option to be on (WILL for him, DO for us). */
static void
q_recv_yes(struct telnet *t, unsigned char opt, int local)
{
	struct side s;

	side_of(t, opt, local, &s);
	switch (*s.state) {
	case TELNET_Q_NO:
		if (s.ok) {
			*s.state = TELNET_Q_YES;
			send_neg(t, s.yes, opt);
			emit_option(t, opt, local, 1, 0);
		} else
			send_neg(t, s.no, opt);
		break;
	case TELNET_Q_YES:
		break;		/* already on: never acknowledge (RFC 854) */
	case TELNET_Q_WANTNO:
		/* RFC 1143: our "no" answered by "yes" is an error in both
		 * queue states; with OPPOSITE queued we wanted it back on
		 * anyway. */
		telnet_emit_error(t, TELNET_ERR_PROTOCOL, opt,
		    "refusal answered by an acceptance");
		if (*s.queue == 0)
			*s.state = TELNET_Q_NO;
		else {
			*s.state = TELNET_Q_YES;
			*s.queue = 0;
			emit_option(t, opt, local, 1, 0);
		}
		break;
	case TELNET_Q_WANTYES:
		if (*s.queue == 0) {
			*s.state = TELNET_Q_YES;
			emit_option(t, opt, local, 1, 0);
		} else {
			*s.state = TELNET_Q_WANTNO;
			*s.queue = 0;
			send_neg(t, s.no, opt);
		}
		break;
	}
}

/* The peer says the option is off (WONT for him, DONT for us). */
static void
q_recv_no(struct telnet *t, unsigned char opt, int local)
{
	struct side s;

	side_of(t, opt, local, &s);
	switch (*s.state) {
	case TELNET_Q_NO:
		break;
	case TELNET_Q_YES:
		*s.state = TELNET_Q_NO;
		send_neg(t, s.no, opt);
		emit_option(t, opt, local, 0, 0);
		break;
	case TELNET_Q_WANTNO:
		if (*s.queue == 0)
			*s.state = TELNET_Q_NO;
		else {
			*s.state = TELNET_Q_WANTYES;
			*s.queue = 0;
			send_neg(t, s.yes, opt);
		}
		break;
	case TELNET_Q_WANTYES:
		*s.state = TELNET_Q_NO;
		*s.queue = 0;
		emit_option(t, opt, local, 0, 1);
		break;
	}
}

/* We ask for the option on or off.  An option leaving YES is reported off
 * at once: from here on we act as if it were off. */
static int
q_request(struct telnet *t, unsigned char opt, int local, int enable)
{
	struct side s;

	/* TIMING-MARK is a question, not a state (see telnet_negotiate()):
	 * asking for it goes through telnet_send_do_tm.  Nothing is asked
	 * once START_TLS's FOLLOWS is out (starttls.c). */
	if (opt == TELOPT_TM || telnet_tls_frozen(t))
		return -1;
	side_of(t, opt, local, &s);
	if (enable) {
		if (!s.ok)
			return -1;
		switch (*s.state) {
		case TELNET_Q_NO:
			*s.state = TELNET_Q_WANTYES;
			send_neg(t, s.yes, opt);
			return 0;
		case TELNET_Q_WANTNO:
			if (*s.queue)
				return -1;	/* already queued */
			*s.queue = 1;
			return 0;
		case TELNET_Q_WANTYES:
			if (*s.queue == 0)
				return -1;	/* already negotiating */
			*s.queue = 0;
			return 0;
		default:
			return -1;		/* already on */
		}
	}
	switch (*s.state) {
	case TELNET_Q_YES:
		*s.state = TELNET_Q_WANTNO;
		send_neg(t, s.no, opt);
		emit_option(t, opt, local, 0, 0);
		return 0;
	case TELNET_Q_WANTNO:
		if (*s.queue == 0)
			return -1;
		*s.queue = 0;
		return 0;
	case TELNET_Q_WANTYES:
		if (*s.queue)
			return -1;
		*s.queue = 1;
		return 0;
	default:
		return -1;			/* already off */
	}
}

int
telnet_request_local(struct telnet *t, unsigned char opt, int enable)
{
	return q_request(t, opt, 1, enable);
}

int
telnet_request_remote(struct telnet *t, unsigned char opt, int enable)
{
	return q_request(t, opt, 0, enable);
}

/*
 * Ask about an option without ever letting it on: the request goes out
 * (DO or WILL) with the opposite already queued, as RFC 1143 section 7
 * words it for "the user changes his mind" (WANTYES with OPPOSITE).  An
 * acceptance is then answered DONT (WONT) at once and the option passes
 * through WANTNO back to NO; a refusal ends it in NO.  It is never YES
 * on this side, so the policy is not asked and no OPTION event says it
 * was on; the caller learns the answer from the NEGOTIATE event.
 */
int
telnet_probe(struct telnet *t, unsigned char opt, int local)
{
	struct side s;

	if (opt == TELOPT_TM || telnet_tls_frozen(t))
		return -1;
	side_of(t, opt, local, &s);
	if (*s.state != TELNET_Q_NO)
		return -1;
	*s.state = TELNET_Q_WANTYES;
	*s.queue = 1;
	send_neg(t, s.yes, opt);
	return 0;
}

void
telnet_send_do_tm(struct telnet *t)
{
	if (!telnet_tls_frozen(t))
		send_neg(t, TELNET_DO, TELOPT_TM);
}

/*
 * A received WILL/WONT/DO/DONT.  TIMING-MARK is not a state but a
 * question (RFC 860): DO TM is answered WILL TM (or WONT TM) at once, in
 * order with our output, and the option stays off; a WILL/WONT TM is the
 * answer to our DO TM and is reported, never answered.
 */
void
telnet_negotiate(struct telnet *t, unsigned char verb, unsigned char opt)
{
	struct telnet_event ev;

	telnet_ev_init(&ev, TELNET_EV_NEGOTIATE);
	ev.u.negotiate.verb = verb;
	ev.u.negotiate.opt = opt;
	telnet_emit(t, &ev);

	/* START_TLS: after our FOLLOWS nothing is answered (starttls.c). */
	if (telnet_tls_frozen(t))
		return;
	if (opt == TELOPT_TM) {
		switch (verb) {
		case TELNET_DO:
			send_neg(t, t->opts[opt].local_ok ? TELNET_WILL :
			    TELNET_WONT, opt);
			emit_tm(t, 1, t->opts[opt].local_ok);
			break;
		case TELNET_WILL:
		case TELNET_WONT:
			emit_tm(t, 0, verb == TELNET_WILL);
			break;
		default:
			break;
		}
		return;
	}
	switch (verb) {
	case TELNET_WILL:
		q_recv_yes(t, opt, 0);
		break;
	case TELNET_WONT:
		q_recv_no(t, opt, 0);
		break;
	case TELNET_DO:
		q_recv_yes(t, opt, 1);
		break;
	case TELNET_DONT:
		q_recv_no(t, opt, 1);
		break;
	}
}

enum telnet_q
telnet_local_state(const struct telnet *t, unsigned char opt)
{
	return (enum telnet_q)t->opts[opt].us;
}

enum telnet_q
telnet_remote_state(const struct telnet *t, unsigned char opt)
{
	return (enum telnet_q)t->opts[opt].him;
}

int
telnet_local_enabled(const struct telnet *t, unsigned char opt)
{
	return t->opts[opt].us == TELNET_Q_YES;
}

int
telnet_remote_enabled(const struct telnet *t, unsigned char opt)
{
	return t->opts[opt].him == TELNET_Q_YES;
}
