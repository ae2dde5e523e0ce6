/*
 * telnet.c - the engine's core: the receive parser, RFC 1143 option
 * negotiation for both sides, and data encoding.
 *
 * The parser is a byte-driven state machine, but plain data never goes
 * through it byte by byte: in the data state the next special byte (IAC,
 * and CR while the peer is not in BINARY mode) is found with memchr and the
 * span before it is handed to the caller as one DATA event pointing into
 * the caller's own buffer.  Sending works the same way: spans of the
 * caller's buffer go out as SEND events, and only IAC and a bare CR cost
 * an extra event.
 */
#include <stdlib.h>
#include <string.h>

#include "telnet_int.h"

static const unsigned char nul_byte[1] = { 0 };

/* ------------------------------------------------------------------ */
/* Event helpers                                                        */

void
telnet_emit(struct telnet *t, const struct telnet_event *ev)
{
	t->cb(t, ev, t->ctx);
}

/* Bytes for the wire, unmodified. */
static void
emit_raw(struct telnet *t, const unsigned char *buf, size_t len, int urgent,
    enum telnet_send_kind kind)
{
	struct telnet_event ev;

	if (len == 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = TELNET_EV_SEND;
	ev.u.data.buf = buf;
	ev.u.data.len = len;
	ev.u.data.urgent = urgent;
	ev.u.data.kind = kind;
	telnet_emit(t, &ev);
}

/*
 * Anything but data (commands, negotiation, subnegotiations).  A CR we
 * sent last as data has not been paired yet; a command now makes it a bare
 * CR, which RFC 854 says must be followed by NUL.
 */
void
telnet_emit_send(struct telnet *t, const unsigned char *buf, size_t len,
    int urgent)
{
	if (t->cr_pending_out) {
		t->cr_pending_out = 0;
		emit_raw(t, nul_byte, 1, 0, TELNET_SEND_PROTOCOL);
	}
	emit_raw(t, buf, len, urgent, TELNET_SEND_PROTOCOL);
}

void
telnet_emit_error(struct telnet *t, enum telnet_error code, unsigned char opt,
    const char *msg)
{
	struct telnet_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = TELNET_EV_ERROR;
	ev.u.error.code = code;
	ev.u.error.opt = opt;
	ev.u.error.msg = msg;
	telnet_emit(t, &ev);
}

static void
emit_data(struct telnet *t, const unsigned char *buf, size_t len)
{
	struct telnet_event ev;

	if (len == 0 || t->synch)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = TELNET_EV_DATA;
	ev.u.data.buf = buf;
	ev.u.data.len = len;
	telnet_emit(t, &ev);
}

static void
emit_eol(struct telnet *t, enum telnet_eol kind)
{
	struct telnet_event ev;

	if (t->synch)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = TELNET_EV_EOL;
	ev.u.eol.kind = kind;
	telnet_emit(t, &ev);
}

static void
emit_simple(struct telnet *t, enum telnet_event_type type, unsigned char a)
{
	struct telnet_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.u.command.cmd = a;
	telnet_emit(t, &ev);
}

static void
emit_option(struct telnet *t, unsigned char opt, int local, int enabled,
    int refused)
{
	struct telnet_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = TELNET_EV_OPTION;
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

	memset(&ev, 0, sizeof(ev));
	ev.type = TELNET_EV_TM;
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
/* Construction                                                         */

struct telnet *
telnet_new(const struct telnet_config *cfg, telnet_event_cb cb, void *ctx)
{
	struct telnet *t;
	const struct telnet_policy *p;
	size_t sb_max, dec_max, size;
	void *mem;

	if (cfg == NULL || cb == NULL)
		return NULL;
	sb_max = cfg->sb_max ? cfg->sb_max : TELNET_SB_DEFAULT_MAX;
	if (sb_max < TELNET_SB_MIN_MAX || sb_max > TELNET_SB_MAX_MAX)
		return NULL;
	/* One block: the struct, then sb_buf, then dec_buf. */
	dec_max = 2 * sb_max + 64;
	size = sizeof(*t) + sb_max + dec_max;
	if ((cfg->alloc == NULL) != (cfg->release == NULL))
		return NULL;
	mem = cfg->alloc != NULL ? cfg->alloc(size) : calloc(1, size);
	if (mem == NULL)
		return NULL;
	t = mem;
	t->release = cfg->release;
	t->mem_size = size;
	t->cb = cb;
	t->ctx = ctx;
	t->is_client = cfg->is_client;
	t->sb_max = sb_max;
	t->dec_max = dec_max;
	t->sb_buf = (unsigned char *)mem + sizeof(*t);
	t->dec_buf = t->sb_buf + sb_max;
	for (p = cfg->policy; p != NULL && p->opt >= 0; p++) {
		if (p->opt > 255)
			continue;
		t->opts[p->opt].local_ok = p->local ? 1 : 0;
		t->opts[p->opt].remote_ok = p->remote ? 1 : 0;
	}
	return t;
}

void
telnet_set_policy(struct telnet *t, const struct telnet_policy *policy)
{
	const struct telnet_policy *p;
	size_t i;

	for (i = 0; i < 256; i++) {
		t->opts[i].local_ok = 0;
		t->opts[i].remote_ok = 0;
	}
	for (p = policy; p != NULL && p->opt >= 0; p++) {
		if (p->opt > 255)
			continue;
		t->opts[p->opt].local_ok = p->local ? 1 : 0;
		t->opts[p->opt].remote_ok = p->remote ? 1 : 0;
	}
	/* Once begun, START_TLS is never negotiated again (draft section
	 * 3.1, 6), whatever the table says. */
	if (t->tls != TELNET_TLS_NONE) {
		t->opts[TELOPT_STARTTLS].local_ok = 0;
		t->opts[TELOPT_STARTTLS].remote_ok = 0;
	}
}

void
telnet_free(struct telnet *t)
{
	if (t == NULL)
		return;
	if (t->release != NULL)
		t->release(t, t->mem_size);
	else
		free(t);
}

int
telnet_trim(struct telnet *t, void (*discard)(void *p, size_t size))
{
	if (t->in_feed || t->state == PS_SB_OPT || t->state == PS_SB ||
	    t->state == PS_SB_IAC)
		return 0;
	discard(t->sb_buf, t->sb_max + t->dec_max);
	return 1;
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

	/* TIMING-MARK is a question, not a state (see negotiate()): asking
	 * for it goes through telnet_send_do_tm.  Nothing is asked once
	 * START_TLS's FOLLOWS is out (starttls.c). */
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
static void
negotiate(struct telnet *t, unsigned char verb, unsigned char opt)
{
	struct telnet_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = TELNET_EV_NEGOTIATE;
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

/* ------------------------------------------------------------------ */
/* Receiving                                                            */

void
telnet_synch_begin(struct telnet *t)
{
	t->synch = 1;
}

int
telnet_in_synch(const struct telnet *t)
{
	return t->synch;
}

static void
command(struct telnet *t, unsigned char c)
{
	switch (c) {
	case TELNET_DM:
		/* RFC 854: the Synch ends at the Data Mark. */
		t->synch = 0;
		/* FALLTHROUGH */
	case TELNET_NOP:
	case TELNET_BRK:
	case TELNET_IP:
	case TELNET_AO:
	case TELNET_AYT:
	case TELNET_EC:
	case TELNET_EL:
	case TELNET_GA:
	case TELNET_EOR:
	case TELNET_ABORT:
	case TELNET_SUSP:
	case TELNET_EOF:
		emit_simple(t, TELNET_EV_COMMAND, c);
		break;
	default:
		/* RFC 1123 3.2.? : unknown commands are ignored. */
		break;
	}
}

/* Append to the subnegotiation buffer; past the limit the whole
 * subnegotiation is marked for discarding (never truncated). */
static void
sb_append(struct telnet *t, const unsigned char *p, size_t n)
{
	if (t->sb_overflow)
		return;
	if (n > t->sb_max - t->sb_len) {
		t->sb_overflow = 1;
		return;
	}
	memcpy(t->sb_buf + t->sb_len, p, n);
	t->sb_len += n;
}

static void
sb_end(struct telnet *t)
{
	if (t->sb_overflow)
		telnet_emit_error(t, TELNET_ERR_SB_OVERFLOW, t->sb_opt,
		    "subnegotiation over the size limit dropped");
	else
		telnet_subneg_dispatch(t);
	t->sb_len = 0;
	t->sb_overflow = 0;
}

/* Index of the first byte in buf[i..len) that needs the parser: IAC, and
 * CR when the peer sends NVT text.  *iac caches the next IAC so that text
 * full of CRs is not rescanned for IAC from every CR. */
#define IAC_UNKNOWN ((size_t)-1)

static size_t
next_special(const unsigned char *buf, size_t i, size_t len, int nvt,
    size_t *iac)
{
	const unsigned char *p;
	size_t cr;

	if (*iac == IAC_UNKNOWN || *iac < i) {
		p = memchr(buf + i, TELNET_IAC, len - i);
		*iac = p ? (size_t)(p - buf) : len;
	}
	if (!nvt || *iac == i)
		return *iac;
	p = memchr(buf + i, '\r', *iac - i);
	cr = p ? (size_t)(p - buf) : *iac;
	return cr;
}

size_t
telnet_feed(struct telnet *t, const unsigned char *buf, size_t len)
{
	size_t i = 0, j, iac = IAC_UNKNOWN;
	const unsigned char *p;
	unsigned char c;

	if (t->in_feed) {
		telnet_emit_error(t, TELNET_ERR_PROTOCOL, 0,
		    "telnet_feed called from its own callback");
		return 0;
	}
	t->in_feed = 1;
	/* START_TLS: the TELNET stream ends after the peer's FOLLOWS. */
	while (i < len && t->tls != TELNET_TLS_BEGIN) {
		switch (t->state) {
		case PS_DATA:
			if (t->opts[TELOPT_BINARY].him == TELNET_Q_YES) {
				/* RFC 856: only IAC is special in BINARY,
				 * and each IAC is looked for once. */
				p = memchr(buf + i, TELNET_IAC, len - i);
				j = p ? (size_t)(p - buf) : len;
			} else
				j = next_special(buf, i, len, 1, &iac);
			if (j + 1 < len && buf[j] == TELNET_IAC &&
			    buf[j + 1] == TELNET_IAC) {
				/* RFC 854: IAC IAC is one data byte 255.  With
				 * both in this buffer the span ends with the
				 * first of them: one DATA event per escaped
				 * byte, not two and a parser state. */
				emit_data(t, buf + i, j + 1 - i);
				i = j + 2;
				break;
			}
			emit_data(t, buf + i, j - i);
			if (j >= len) {
				i = len;
				break;
			}
			i = j + 1;
			if (buf[j] == TELNET_IAC) {
				t->state = PS_IAC;
				break;
			}
			emit_eol(t, TELNET_EOL_CR);
			t->state = PS_CR;
			break;
		case PS_CR:
			/* The CR was reported when it came (telnet.h): an LF
			 * or NUL right after it is its partner (RFC 854), any
			 * other byte is read as usual. */
			c = buf[i];
			t->state = PS_DATA;
			if (c == '\n') {
				emit_eol(t, TELNET_EOL_LF);
				i++;
			} else if (c == '\0')
				i++;
			break;
		case PS_IAC:
			c = buf[i++];
			t->state = PS_DATA;
			switch (c) {
			case TELNET_IAC:
				emit_data(t, buf + i - 1, 1);
				break;
			case TELNET_WILL:
			case TELNET_WONT:
			case TELNET_DO:
			case TELNET_DONT:
				t->verb = c;
				t->state = PS_VERB;
				break;
			case TELNET_SB:
				t->state = PS_SB_OPT;
				break;
			case TELNET_SE:
				break;	/* SE outside SB: ignored */
			default:
				command(t, c);
				break;
			}
			break;
		case PS_VERB:
			t->state = PS_DATA;
			negotiate(t, t->verb, buf[i++]);
			break;
		case PS_SB_OPT:
			t->sb_opt = buf[i++];
			t->sb_len = 0;
			t->sb_overflow = 0;
			t->state = PS_SB;
			break;
		case PS_SB:
			p = memchr(buf + i, TELNET_IAC, len - i);
			j = p ? (size_t)(p - buf) : len;
			sb_append(t, buf + i, j - i);
			i = j;
			if (p != NULL) {
				t->state = PS_SB_IAC;
				i++;
			}
			break;
		case PS_SB_IAC:
			c = buf[i];
			if (c == TELNET_IAC) {
				sb_append(t, buf + i, 1);
				t->state = PS_SB;
				i++;
			} else if (c == TELNET_SE) {
				t->state = PS_DATA;
				i++;
				sb_end(t);
			} else {
				/* IAC <cmd> inside a subnegotiation: the SE
				 * was lost or never sent.  Drop the partial
				 * subnegotiation and read <cmd> as a command,
				 * so the session goes on. */
				telnet_emit_error(t, TELNET_ERR_SB_UNTERMINATED,
				    t->sb_opt,
				    "subnegotiation not ended by IAC SE dropped");
				t->sb_len = 0;
				t->sb_overflow = 0;
				t->state = PS_IAC;
			}
			break;
		}
	}
	t->in_feed = 0;
	return i;
}

/* ------------------------------------------------------------------ */
/* Sending                                                              */

/* Where encoded data goes: a SEND event per span (dst NULL), or a copy
 * into the caller's buffer. */
struct sink {
	struct telnet *t;
	unsigned char *dst;
	size_t o;
};

static inline void
sink_put(struct sink *k, const unsigned char *p, size_t n)
{
	if (k->dst == NULL)
		emit_raw(k->t, p, n, 0, TELNET_SEND_DATA);
	else {
		memcpy(k->dst + k->o, p, n);
		k->o += n;
	}
}

/*
 * Data out: IAC is doubled always; while our side is not in BINARY mode a
 * CR not followed by LF goes out as CR NUL (RFC 854, "the sequence CR NUL
 * must be used where a carriage return alone is actually desired").  A CR
 * at the very end is sent at once and its partner decided by what comes
 * next (t->cr_pending_out), so nothing is held back.  In BINARY mode the
 * scan is one memchr per IAC.
 */
static void
encode_data(struct telnet *t, const unsigned char *buf, size_t len,
    struct sink *k)
{
	static const unsigned char nul = '\0';
	size_t i = 0, start = 0, j, iac = IAC_UNKNOWN;
	int nvt = t->opts[TELOPT_BINARY].us != TELNET_Q_YES;

	if (len == 0)
		return;
	if (t->cr_pending_out) {
		t->cr_pending_out = 0;
		if (buf[0] != '\n')
			sink_put(k, &nul, 1);
	}
	if (!nvt) {
		/* RFC 856: only IAC is special in BINARY. */
		const unsigned char *p;

		while ((p = memchr(buf + i, TELNET_IAC, len - i)) != NULL) {
			j = (size_t)(p - buf);
			sink_put(k, buf + start, j + 1 - start);
			start = j;
			i = j + 1;
		}
		sink_put(k, buf + start, len - start);
		return;
	}
	while (i < len) {
		j = next_special(buf, i, len, nvt, &iac);
		if (j >= len)
			break;
		if (buf[j] == TELNET_IAC) {
			/* Through the IAC, and the next span starts at the
			 * same IAC: it goes out twice. */
			sink_put(k, buf + start, j + 1 - start);
			start = j;
			i = j + 1;
			continue;
		}
		/* CR */
		if (j + 1 == len) {
			t->cr_pending_out = 1;
			break;
		}
		if (buf[j + 1] == '\n') {
			i = j + 2;
			continue;
		}
		sink_put(k, buf + start, j + 1 - start);
		sink_put(k, &nul, 1);
		start = i = j + 1;
	}
	sink_put(k, buf + start, len - start);
}

void
telnet_send(struct telnet *t, const unsigned char *buf, size_t len)
{
	struct sink k = { t, NULL, 0 };

	encode_data(t, buf, len, &k);
}

/*
 * telnet_send() into the caller's buffer: the same bytes and the same
 * state (a CR at the end still waits for its partner), but one copy into
 * DST instead of a SEND event per span.  DST holds at least 2 * len + 1
 * bytes.
 */
size_t
telnet_send_into(struct telnet *t, unsigned char *dst,
    const unsigned char *buf, size_t len)
{
	struct sink k = { t, dst, 0 };

	encode_data(t, buf, len, &k);
	return k.o;
}

void
telnet_send_command(struct telnet *t, unsigned char cmd)
{
	unsigned char b[2];

	b[0] = TELNET_IAC;
	b[1] = cmd;
	/* RFC 854: the DM of a Synch is sent as TCP urgent data. */
	telnet_emit_send(t, b, sizeof(b), cmd == TELNET_DM);
}
