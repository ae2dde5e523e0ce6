/*
 * fuzz_engine.c - libFuzzer harness for the protocol engine.
 *
 * Input: byte 0 chooses the role (server or client), the subnegotiation
 * limit, the policy, how the rest is cut into feed calls and whether a
 * Synch is pending; byte 1 seeds the cutting; the rest is what the peer
 * sends.  The engine under test ("A") is fed chunk by chunk, and these
 * invariants are checked (abort() on a violation, so libFuzzer keeps the
 * input):
 *
 *  1. Events are well formed: known types, no empty DATA or SEND, strings
 *     NUL-terminated at their length, option events agree with the state
 *     functions, every option of both sides is a valid Q state with
 *     *_enabled() == (state == YES).  In NVT mode (peer's BINARY off) no
 *     DATA carries a CR.
 *  2. Everything A sends parses as a TELNET stream: an IAC is followed by
 *     IAC, a command, a verb and an option, or SB ... IAC SE with only
 *     IAC IAC inside, and nothing is left half-written after a call.
 *     A never sends more WILL/WONT/DO/DONT than it received plus what
 *     the harness asked for (no negotiation loop).  The harness makes
 *     requests from what it sees (it asks to turn options on and off
 *     again, seeded by byte 1), to reach every RFC 1143 state.
 *  3. Re-encoding: A's DATA, EOL and COMMAND events are sent again by a
 *     second engine (B1 in NVT mode, B2 in BINARY mode) and decoded by a
 *     third (C1, C2).  The decoded stream must equal A's, both read as
 *     "application bytes": CR LF -> "\r\n", CR NUL and bare CR -> "\r",
 *     commands as themselves.  B1's output must also obey RFC 854: a CR
 *     is followed by LF or NUL, so C1 never sees a bare CR.
 *  4. Every typed subnegotiation A decodes is encoded again with the
 *     telnet_send_* call for it by an engine of the other role (D), and
 *     a fresh engine of A's role (E) must decode the same event.
 *  5. START_TLS (option 46; a server offers it when byte 1 is odd, and
 *     "every option" lets both sides agree to it): TELNET_EV_STARTTLS
 *     comes at most once, only after A sent its own FOLLOWS as one SEND,
 *     and after that FOLLOWS A sends no verb and no command (not even
 *     one the caller asks for) and reports none; telnet_feed then stops
 *     right after the peer's IAC SB START_TLS FOLLOWS IAC SE and takes
 *     nothing more.  The harness plays the finished TLS handshake:
 *     telnet_starttls_reset, after which every option is NO and
 *     START_TLS cannot be asked for, and the rest of the chunk and of the
 *     input is fed as the TELNET stream inside TLS.
 *
 * Built with libFuzzer by tests/fuzz/run-fuzz.sh, and with replay_main.c
 * for `make check` (the corpus in tests/fuzz/corpus/).
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c, msg) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_engine: %s:%d: %s (%s)\n",	\
		    __FILE__, __LINE__, msg, #c);			\
		abort();						\
	}								\
} while (0)

/* ------------------------------------------------------------------ */
/* Growing byte and token buffers                                       */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		CHECK(b->p != NULL, "out of memory");
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
buf_byte(struct buf *b, unsigned char c)
{
	buf_add(b, &c, 1);
}

static void
buf_u32(struct buf *b, unsigned long v)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	buf_add(b, x, sizeof(x));
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Tokens: 0..255 a data byte, 256 + cmd a command. */
struct toks {
	unsigned short *p;
	size_t len, cap;
};

static void
tok_add(struct toks *t, unsigned v)
{
	if (t->len == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->p = realloc(t->p, t->cap * sizeof(*t->p));
		CHECK(t->p != NULL, "out of memory");
	}
	t->p[t->len++] = (unsigned short)v;
}

static void
tok_bytes(struct toks *t, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tok_add(t, p[i]);
}

/* ------------------------------------------------------------------ */
/* A strict TELNET stream checker for what an engine sends               */

enum vstate { V_DATA, V_CR, V_IAC, V_OPT, V_SBOPT, V_SB, V_SBIAC };

struct validator {
	enum vstate st;
	int nvt_cr;	/* check RFC 854 CR LF / CR NUL (B1 only) */
	unsigned long nverbs;	/* IAC WILL/WONT/DO/DONT sent */
	unsigned long ncmds;	/* IAC and a command (NOP, DM, AYT...) */
};

static void
validate(struct validator *v, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		switch (v->st) {
		case V_CR:
			CHECK(c == '\n' || c == '\0',
			    "NVT output: CR not followed by LF or NUL");
			v->st = V_DATA;
			break;
		case V_DATA:
			if (c == TELNET_IAC)
				v->st = V_IAC;
			else if (c == '\r' && v->nvt_cr)
				v->st = V_CR;
			break;
		case V_IAC:
			if (c == TELNET_IAC)
				v->st = V_DATA;
			else if (c >= TELNET_WILL) {
				v->st = V_OPT;
				v->nverbs++;
			}
			else if (c == TELNET_SB)
				v->st = V_SBOPT;
			else {
				CHECK(c >= TELNET_EOF && c != TELNET_SE,
				    "IAC followed by a byte that is no command");
				v->ncmds++;
				v->st = V_DATA;
			}
			break;
		case V_OPT:
			v->st = V_DATA;
			break;
		case V_SBOPT:
			v->st = V_SB;
			break;
		case V_SB:
			if (c == TELNET_IAC)
				v->st = V_SBIAC;
			break;
		case V_SBIAC:
			CHECK(c == TELNET_IAC || c == TELNET_SE,
			    "IAC inside an outgoing SB not doubled");
			v->st = c == TELNET_SE ? V_DATA : V_SB;
			break;
		}
	}
}

/* At the end of an API call nothing may be half-written (a CR waiting
 * for its partner is fine: the encoder decides it on the next call). */
static void
validate_idle(const struct validator *v)
{
	CHECK(v->st == V_DATA || v->st == V_CR,
	    "an API call left a command or SB half-written");
}

/* ------------------------------------------------------------------ */
/* Event serialisation, to compare a decoded event with its re-decoding */

static void
ser_event(struct buf *b, const struct telnet_event *ev)
{
	size_t i;

	buf_byte(b, (unsigned char)ev->type);
	switch (ev->type) {
	case TELNET_EV_TTYPE:
	case TELNET_EV_XDISPLOC:
	case TELNET_EV_SNDLOC:
		buf_byte(b, ev->u.str.cmd);
		buf_u32(b, ev->u.str.text.len);
		buf_add(b, ev->u.str.text.s, ev->u.str.text.len);
		break;
	case TELNET_EV_NAWS:
		buf_u32(b, ev->u.naws.width);
		buf_u32(b, ev->u.naws.height);
		break;
	case TELNET_EV_TSPEED:
		buf_byte(b, ev->u.tspeed.cmd);
		buf_u32(b, ev->u.tspeed.tx);
		buf_u32(b, ev->u.tspeed.rx);
		break;
	case TELNET_EV_ENVIRON:
		buf_byte(b, ev->u.env.opt);
		buf_byte(b, ev->u.env.cmd);
		buf_u32(b, ev->u.env.nvars);
		for (i = 0; i < ev->u.env.nvars; i++) {
			const struct telnet_env_var *v = &ev->u.env.vars[i];

			buf_byte(b, v->type);
			buf_u32(b, v->name_len);
			buf_add(b, v->name, v->name_len);
			buf_byte(b, v->has_value ? 1 : 0);
			buf_u32(b, v->value_len);
			buf_add(b, v->value, v->value_len);
		}
		break;
	case TELNET_EV_LINEMODE:
		buf_byte(b, ev->u.lm.cmd);
		if (ev->u.lm.cmd == LM_MODE)
			buf_byte(b, ev->u.lm.mode);
		else if (ev->u.lm.cmd == LM_SLC) {
			buf_u32(b, ev->u.lm.nslc);
			for (i = 0; i < ev->u.lm.nslc; i++) {
				buf_byte(b, ev->u.lm.slc[i].func);
				buf_byte(b, ev->u.lm.slc[i].flags);
				buf_byte(b, ev->u.lm.slc[i].value);
			}
		} else {
			buf_u32(b, ev->u.lm.masklen);
			buf_add(b, ev->u.lm.mask, ev->u.lm.masklen);
		}
		break;
	case TELNET_EV_LFLOW:
		buf_byte(b, ev->u.lflow.cmd);
		break;
	case TELNET_EV_STATUS:
		buf_byte(b, ev->u.status.cmd);
		buf_u32(b, ev->u.status.len);
		buf_add(b, ev->u.status.buf, ev->u.status.len);
		break;
	case TELNET_EV_CHARSET:
		buf_byte(b, ev->u.charset.cmd);
		buf_u32(b, ev->u.charset.nnames);
		for (i = 0; i < ev->u.charset.nnames; i++) {
			buf_u32(b, ev->u.charset.names[i].len);
			buf_add(b, ev->u.charset.names[i].s,
			    ev->u.charset.names[i].len);
		}
		break;
	case TELNET_EV_SB_RAW:
		buf_byte(b, ev->u.sb.opt);
		buf_u32(b, ev->u.sb.len);
		buf_add(b, ev->u.sb.buf, ev->u.sb.len);
		break;
	case TELNET_EV_ERROR:
		buf_byte(b, (unsigned char)ev->u.error.code);
		buf_byte(b, ev->u.error.opt);
		break;
	default:
		break;
	}
}

static int
is_typed_sb(enum telnet_event_type type)
{
	switch (type) {
	case TELNET_EV_SB_RAW:
	case TELNET_EV_TTYPE:
	case TELNET_EV_NAWS:
	case TELNET_EV_TSPEED:
	case TELNET_EV_XDISPLOC:
	case TELNET_EV_ENVIRON:
	case TELNET_EV_LINEMODE:
	case TELNET_EV_LFLOW:
	case TELNET_EV_STATUS:
	case TELNET_EV_CHARSET:
	case TELNET_EV_SNDLOC:
		return 1;
	default:
		return 0;
	}
}

static void
check_str(const struct telnet_str *s)
{
	CHECK(s->s != NULL, "NULL string");
	CHECK(s->s[s->len] == '\0', "string not NUL-terminated at len");
}

/* Field checks for any event. */
static void
check_event(const struct telnet_event *ev)
{
	size_t i;

	switch (ev->type) {
	case TELNET_EV_DATA:
	case TELNET_EV_SEND:
		CHECK(ev->u.data.len > 0 && ev->u.data.buf != NULL,
		    "empty DATA or SEND");
		break;
	case TELNET_EV_EOL:
		CHECK(ev->u.eol.kind == TELNET_EOL_CR ||
		    ev->u.eol.kind == TELNET_EOL_LF, "bad EOL kind");
		break;
	case TELNET_EV_COMMAND:
		CHECK(ev->u.command.cmd >= TELNET_EOF &&
		    ev->u.command.cmd <= TELNET_GA &&
		    ev->u.command.cmd != TELNET_SE, "bad command");
		break;
	case TELNET_EV_NEGOTIATE:
		CHECK(ev->u.negotiate.verb >= TELNET_WILL &&
		    ev->u.negotiate.verb <= TELNET_DONT, "bad verb");
		break;
	case TELNET_EV_TTYPE:
	case TELNET_EV_XDISPLOC:
	case TELNET_EV_SNDLOC:
		check_str(&ev->u.str.text);
		break;
	case TELNET_EV_ENVIRON:
		CHECK(ev->u.env.nvars <= TELNET_ENV_MAX_VARS, "too many vars");
		for (i = 0; i < ev->u.env.nvars; i++) {
			const struct telnet_env_var *v = &ev->u.env.vars[i];

			CHECK(v->type == TELENV_VAR || v->type == TELENV_USERVAR,
			    "bad env type");
			CHECK(v->name != NULL && v->name[v->name_len] == '\0',
			    "env name not terminated");
			CHECK(v->value != NULL &&
			    v->value[v->value_len] == '\0',
			    "env value not terminated");
			CHECK(v->has_value || v->value_len == 0,
			    "value without has_value");
		}
		break;
	case TELNET_EV_LINEMODE:
		CHECK(ev->u.lm.nslc <= TELNET_SLC_MAX, "too many SLC");
		CHECK(ev->u.lm.masklen <= 32, "FORWARDMASK over 32 bytes");
		break;
	case TELNET_EV_LFLOW:
		CHECK(ev->u.lflow.cmd <= LFLOW_RESTART_XON, "bad LFLOW");
		break;
	case TELNET_EV_CHARSET:
		CHECK(ev->u.charset.nnames <= TELNET_CHARSET_MAX,
		    "too many charset names");
		for (i = 0; i < ev->u.charset.nnames; i++)
			check_str(&ev->u.charset.names[i]);
		break;
	case TELNET_EV_ERROR:
		CHECK(ev->u.error.code >= TELNET_ERR_SB_OVERFLOW &&
		    ev->u.error.code <= TELNET_ERR_PROTOCOL, "bad error code");
		CHECK(ev->u.error.msg != NULL, "error without a message");
		break;
	case TELNET_EV_OPTION:
	case TELNET_EV_TM:
	case TELNET_EV_STARTTLS:
	case TELNET_EV_SB_RAW:
	case TELNET_EV_NAWS:
	case TELNET_EV_TSPEED:
	case TELNET_EV_STATUS:
		break;
	default:
		CHECK(0, "unknown event type");
	}
}

static void
check_states(const struct telnet *t)
{
	unsigned o;

	for (o = 0; o < 256; o++) {
		enum telnet_q l = telnet_local_state(t, (unsigned char)o);
		enum telnet_q r = telnet_remote_state(t, (unsigned char)o);

		CHECK(l <= TELNET_Q_WANTYES && r <= TELNET_Q_WANTYES,
		    "option state out of range");
		CHECK(telnet_local_enabled(t, (unsigned char)o) ==
		    (l == TELNET_Q_YES), "local_enabled disagrees");
		CHECK(telnet_remote_enabled(t, (unsigned char)o) ==
		    (r == TELNET_Q_YES), "remote_enabled disagrees");
	}
	/* TIMING-MARK is a question, never a state. */
	CHECK(telnet_local_state(t, TELOPT_TM) == TELNET_Q_NO &&
	    telnet_remote_state(t, TELOPT_TM) == TELNET_Q_NO, "TM not NO");
}

/* ------------------------------------------------------------------ */
/* The engines                                                          */

/* The daemon's own policy (telnetd/policy.c, linked from libtelnetd.a)
 * with START_TLS offered, as a TLS daemon has it (built at first use). */
extern const struct telnet_policy negotiate_policy[];
static struct telnet_policy pol_server[258];

static const struct telnet_policy *
server_policy(void)
{
	size_t n;

	if (pol_server[0].opt == 0 && pol_server[0].remote == 0) {
		for (n = 0; negotiate_policy[n].opt >= 0; n++)
			pol_server[n] = negotiate_policy[n];
		pol_server[n].opt = TELOPT_STARTTLS;
		pol_server[n].local = 0;
		pol_server[n].remote = 1;
		pol_server[n + 1].opt = -1;
	}
	return pol_server;
}

/* Everything allowed both ways (built at first use). */
static struct telnet_policy pol_all[257];

static const struct telnet_policy pol_none[] = { { -1, 0, 0 } };

struct fz {
	struct telnet *a, *b1, *c1, *b2, *c2, *d;
	int is_client;
	size_t sb_max;				/* A's limit */
	struct validator va, vb1, vb2, vd;
	struct buf out_b1, out_b2, out_d;	/* SEND bytes to deliver */
	struct toks ta, tc1, tc2;
	int a_in_cb;
	unsigned long n_sb;			/* round trips done */
	unsigned long n_neg_in, n_req;		/* verbs received, requests */
	uint32_t rng;				/* harness decisions */
	int sent_follows;			/* A's FOLLOWS went out */
	unsigned long verbs_at_follows;		/* A's verbs sent by then */
	unsigned long cmds_at_follows;		/* and its commands */
	int n_starttls;				/* STARTTLS events */
	unsigned char tail[6];			/* last bytes A consumed */
};

/* 0..n-1, from a generator seeded by the input, so runs reproduce. */
static unsigned
roll(struct fz *f, unsigned n)
{
	f->rng = f->rng * 1103515245u + 12345u;
	return (f->rng >> 16) % n;
}

/* A request; one that went out or was queued may cost one verb. */
static void
req(struct fz *f, int local, unsigned char opt, int enable)
{
	int rc = local ? telnet_request_local(f->a, opt, enable) :
	    telnet_request_remote(f->a, opt, enable);

	CHECK(rc == 0 || rc == -1, "request returned neither 0 nor -1");
	if (rc == 0)
		f->n_req++;
}

/* An end of line as the bytes it stands for: the CR (reported at once)
 * and the LF of a CR LF (reported when it follows). */
static void
tok_eol(struct toks *t, enum telnet_eol kind)
{
	tok_add(t, kind == TELNET_EOL_LF ? '\n' : '\r');
}

/* Data for the peers to encode: half the spans through
 * telnet_send_inplace(), the relay's encoder for the program's output,
 * whose bytes go into the same stream as b's SEND events (out is b's
 * callback context); the peer's decoder must give the same tokens
 * back either way. */
static void
send_data(struct fz *f, struct telnet *b, struct buf *out,
    const unsigned char *p, size_t n)
{
	unsigned char *tmp;
	size_t o;

	if (n == 0 || roll(f, 2) == 0) {
		telnet_send(b, p, n);
		return;
	}
	tmp = malloc(2 * n + 1);
	CHECK(tmp != NULL, "out of memory");
	memcpy(tmp, p, n);
	o = telnet_send_inplace(b, tmp, n);
	CHECK(o >= n && o <= 2 * n + 1, "in-place encoding's length");
	buf_add(out, tmp, o);
	free(tmp);
}

static void
b_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct buf *out = ctx;

	(void)t;
	check_event(ev);
	if (ev->type == TELNET_EV_SEND)
		buf_add(out, ev->u.data.buf, ev->u.data.len);
}

static void
c_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct toks *tk = ctx;

	(void)t;
	check_event(ev);
	switch (ev->type) {
	case TELNET_EV_DATA:
		tok_bytes(tk, ev->u.data.buf, ev->u.data.len);
		break;
	case TELNET_EV_EOL:
		tok_eol(tk, ev->u.eol.kind);
		break;
	case TELNET_EV_COMMAND:
		tok_add(tk, 256u + ev->u.command.cmd);
		break;
	case TELNET_EV_SEND:
		break;
	default:
		/* B never negotiates or sends SBs. */
		CHECK(ev->type != TELNET_EV_ERROR,
		    "decoding re-encoded data gave an error");
		break;
	}
}

/* The round trip of one decoded subnegotiation (invariant 4). */
struct e_ctx {
	struct buf ser;
	int n;
};

static void
e_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct e_ctx *e = ctx;

	(void)t;
	check_event(ev);
	if (ev->type == TELNET_EV_SEND || ev->type == TELNET_EV_NEGOTIATE ||
	    ev->type == TELNET_EV_OPTION)
		return;
	e->n++;
	if (e->n == 1)
		ser_event(&e->ser, ev);
}

/* Encode ev with the matching telnet_send_* call on f->d; 0 when the
 * event cannot be encoded exactly (then it is not compared). */
static int
encode_again(struct fz *f, const struct telnet_event *ev)
{
	struct telnet *d = f->d;
	const char *names[TELNET_CHARSET_MAX];
	unsigned char tmp[1];
	size_t i;

	switch (ev->type) {
	case TELNET_EV_TTYPE:
	case TELNET_EV_XDISPLOC:
		if (ev->u.str.cmd == TELQUAL_SEND) {
			if (ev->type == TELNET_EV_TTYPE)
				telnet_send_ttype_send(d);
			else
				telnet_send_xdisploc_send(d);
			return 1;
		}
		if (strlen(ev->u.str.text.s) != ev->u.str.text.len)
			return 0;	/* inner NUL: the API takes a C string */
		if (ev->type == TELNET_EV_TTYPE)
			telnet_send_ttype_is(d, ev->u.str.text.s);
		else
			telnet_send_xdisploc_is(d, ev->u.str.text.s);
		return 1;
	case TELNET_EV_SNDLOC:
		if (strlen(ev->u.str.text.s) != ev->u.str.text.len)
			return 0;
		telnet_send_sndloc(d, ev->u.str.text.s);
		return 1;
	case TELNET_EV_NAWS:
		telnet_send_naws(d, ev->u.naws.width, ev->u.naws.height);
		return 1;
	case TELNET_EV_TSPEED:
		if (ev->u.tspeed.cmd == TELQUAL_SEND)
			telnet_send_tspeed_send(d);
		else
			telnet_send_tspeed_is(d, ev->u.tspeed.tx,
			    ev->u.tspeed.rx);
		return 1;
	case TELNET_EV_ENVIRON:
		/* Old ENVIRON IS/INFO starting with a USERVAR is ambiguous
		 * by nature (RFC 1571 guesses); only unambiguous forms. */
		if (ev->u.env.opt == TELOPT_OLD_ENVIRON &&
		    ev->u.env.cmd != TELQUAL_SEND && ev->u.env.nvars > 0 &&
		    ev->u.env.vars[0].type != TELENV_VAR)
			return 0;
		telnet_send_env(d, ev->u.env.opt, ev->u.env.cmd,
		    ev->u.env.vars, ev->u.env.nvars);
		return 1;
	case TELNET_EV_LINEMODE:
		/* An SLC of no triplets (RFC 1184 2.4 gives it no meaning)
		 * is decoded, but the encoder sends no SLC for an empty
		 * list: there is nothing to re-encode. */
		if (ev->u.lm.cmd == LM_SLC && ev->u.lm.nslc == 0)
			return 0;
		if (ev->u.lm.cmd == LM_MODE)
			telnet_send_linemode_mode(d, ev->u.lm.mode);
		else if (ev->u.lm.cmd == LM_SLC)
			telnet_send_linemode_slc(d, ev->u.lm.slc,
			    ev->u.lm.nslc);
		else
			telnet_send_linemode_forwardmask(d, ev->u.lm.cmd,
			    ev->u.lm.mask, ev->u.lm.masklen);
		return 1;
	case TELNET_EV_LFLOW:
		telnet_send_lflow(d, ev->u.lflow.cmd);
		return 1;
	case TELNET_EV_STATUS:
		if (ev->u.status.cmd == TELQUAL_SEND) {
			telnet_send_status_send(d);
			return 1;
		} else {
			struct buf p = { 0 };

			buf_byte(&p, TELQUAL_IS);
			buf_add(&p, ev->u.status.buf, ev->u.status.len);
			telnet_send_sb(d, TELOPT_STATUS, p.p, p.len);
			buf_free(&p);
			return 1;
		}
	case TELNET_EV_CHARSET:
		switch (ev->u.charset.cmd) {
		case CHARSET_REQUEST:
			for (i = 0; i < ev->u.charset.nnames; i++) {
				if (strchr(ev->u.charset.names[i].s, ';'))
					return 0;
				names[i] = ev->u.charset.names[i].s;
			}
			telnet_send_charset_request(d, names,
			    ev->u.charset.nnames);
			return 1;
		case CHARSET_ACCEPTED:
			telnet_send_charset_accepted(d,
			    ev->u.charset.names[0].s);
			return 1;
		case CHARSET_REJECTED:
			telnet_send_charset_rejected(d);
			return 1;
		case CHARSET_TTABLE_IS:
			return 0;	/* answered by the engine itself */
		default:
			tmp[0] = ev->u.charset.cmd;
			telnet_send_sb(d, TELOPT_CHARSET, tmp, 1);
			return 1;
		}
	case TELNET_EV_SB_RAW:
		telnet_send_sb(d, ev->u.sb.opt, ev->u.sb.buf, ev->u.sb.len);
		return 1;
	default:
		return 0;
	}
}

static unsigned char
event_opt(const struct telnet_event *ev)
{
	switch (ev->type) {
	case TELNET_EV_TTYPE: return TELOPT_TTYPE;
	case TELNET_EV_XDISPLOC: return TELOPT_XDISPLOC;
	case TELNET_EV_SNDLOC: return TELOPT_SNDLOC;
	case TELNET_EV_NAWS: return TELOPT_NAWS;
	case TELNET_EV_TSPEED: return TELOPT_TSPEED;
	case TELNET_EV_ENVIRON: return ev->u.env.opt;
	case TELNET_EV_LINEMODE: return TELOPT_LINEMODE;
	case TELNET_EV_LFLOW: return TELOPT_LFLOW;
	case TELNET_EV_STATUS: return TELOPT_STATUS;
	case TELNET_EV_CHARSET: return TELOPT_CHARSET;
	case TELNET_EV_SB_RAW: return ev->u.sb.opt;
	default: return 0;
	}
}

static void
roundtrip_sb(struct fz *f, const struct telnet_event *ev)
{
	struct telnet_config cfg;
	struct buf want = { 0 };
	struct e_ctx e;
	struct telnet *et;
	unsigned char will[3] = { TELNET_IAC, TELNET_WILL, 0 };

	f->out_d.len = 0;
	if (!encode_again(f, ev))
		return;
	validate(&f->vd, f->out_d.p, f->out_d.len);
	validate_idle(&f->vd);
	CHECK(f->out_d.len > 0, "encoder sent nothing for a decoded SB");

	memset(&e, 0, sizeof(e));
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_all;
	/* A re-encoded SB is never longer than the one A accepted. */
	cfg.sb_max = f->sb_max;
	cfg.is_client = f->is_client;
	et = telnet_new(&cfg, e_cb, &e);
	CHECK(et != NULL, "telnet_new");
	will[2] = event_opt(ev);
	telnet_feed(et, will, sizeof(will));
	telnet_feed(et, f->out_d.p, f->out_d.len);
	telnet_free(et);

	ser_event(&want, ev);
	CHECK(e.n == 1, "re-encoded SB did not decode to one event");
	CHECK(e.ser.len == want.len && memcmp(e.ser.p, want.p, want.len) == 0,
	    "re-encoded SB decodes differently");
	buf_free(&want);
	buf_free(&e.ser);
	f->n_sb++;
}

static void
a_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct fz *f = ctx;
	static const unsigned char crlf[2] = { '\r', '\n' };
	static const unsigned char echo[] = "x\r\xff\r";
	static const unsigned char follows[] = { 0xff, 0xfa, 46, 1, 0xff,
	    0xf0 };

	/* Nested events come only from the calls made here: telnet_send_*
	 * (SEND, ERROR) and telnet_request_* (SEND, OPTION off). */
	CHECK(f->a_in_cb == 0 || ev->type == TELNET_EV_SEND ||
	    ev->type == TELNET_EV_ERROR || ev->type == TELNET_EV_OPTION,
	    "callback re-entered by feed");
	f->a_in_cb++;
	check_event(ev);
	switch (ev->type) {
	case TELNET_EV_SEND:
		validate(&f->va, ev->u.data.buf, ev->u.data.len);
		if (ev->u.data.len == sizeof(follows) &&
		    memcmp(ev->u.data.buf, follows, sizeof(follows)) == 0) {
			CHECK(!f->sent_follows, "FOLLOWS sent twice");
			f->sent_follows = 1;
			f->verbs_at_follows = f->va.nverbs;
			f->cmds_at_follows = f->va.ncmds;
		}
		break;
	case TELNET_EV_STARTTLS:
		CHECK(f->sent_follows, "STARTTLS before our FOLLOWS");
		CHECK(++f->n_starttls == 1, "STARTTLS twice");
		CHECK(telnet_starttls_state(t) == TELNET_TLS_BEGIN,
		    "STARTTLS event in the wrong state");
		break;
	case TELNET_EV_DATA:
		if (!telnet_remote_enabled(t, TELOPT_BINARY))
			CHECK(memchr(ev->u.data.buf, '\r', ev->u.data.len) ==
			    NULL, "CR in NVT DATA");
		tok_bytes(&f->ta, ev->u.data.buf, ev->u.data.len);
		send_data(f, f->b1, &f->out_b1, ev->u.data.buf,
		    ev->u.data.len);
		send_data(f, f->b2, &f->out_b2, ev->u.data.buf,
		    ev->u.data.len);
		break;
	case TELNET_EV_EOL:
		CHECK(!telnet_remote_enabled(t, TELOPT_BINARY),
		    "EOL in BINARY mode");
		tok_eol(&f->ta, ev->u.eol.kind);
		/* The CR, then its LF if one follows: the encoder pairs
		 * them again (CR LF), or sends CR NUL for a CR alone. */
		send_data(f, f->b1, &f->out_b1,
		    crlf + (ev->u.eol.kind == TELNET_EOL_LF), 1);
		send_data(f, f->b2, &f->out_b2,
		    crlf + (ev->u.eol.kind == TELNET_EOL_LF), 1);
		break;
	case TELNET_EV_COMMAND:
		tok_add(&f->ta, 256u + ev->u.command.cmd);
		telnet_send_command(f->b1, ev->u.command.cmd);
		telnet_send_command(f->b2, ev->u.command.cmd);
		/* After our START_TLS FOLLOWS the peer's commands are not
		 * reported (draft section 2: nothing is answered). */
		CHECK(telnet_starttls_state(t) != TELNET_TLS_FOLLOWS_SENT,
		    "a command reported after our FOLLOWS");
		/* Drive the engine's own calls from the peer's commands. */
		if (ev->u.command.cmd == TELNET_EC)
			telnet_send_status_is(t);
		else if (ev->u.command.cmd == TELNET_EL)
			telnet_send(t, echo, sizeof(echo) - 1);
		else if (ev->u.command.cmd == TELNET_BRK) {
			telnet_send_do_tm(t);
			f->n_req++;
		}
		else if (ev->u.command.cmd == TELNET_IP && roll(f, 2))
			telnet_synch_begin(t);	/* as if urgent data came */
		else if (ev->u.command.cmd == TELNET_DM)
			CHECK(!telnet_in_synch(t), "Synch not ended by DM");
		break;
	case TELNET_EV_NEGOTIATE:
		CHECK(telnet_cmd_name(ev->u.negotiate.verb)[0] != '?' &&
		    telnet_opt_name(ev->u.negotiate.opt)[0] != '\0',
		    "names for tracing");
		/* Exercise requests in the middle of negotiation: answer
		 * every DONT with a request to turn our side on again, and
		 * every WONT with a request for the peer's side. */
		f->n_neg_in++;
		if (ev->u.negotiate.opt == TELOPT_TM)
			break;	/* a question, not a state (RFC 860) */
		if (ev->u.negotiate.verb == TELNET_DONT)
			req(f, 1, ev->u.negotiate.opt, 1);
		else if (ev->u.negotiate.verb == TELNET_WONT)
			req(f, 0, ev->u.negotiate.opt, 1);
		else if (roll(f, 8) == 0) {
			req(f, 1, ev->u.negotiate.opt, 0);
			req(f, 0, ev->u.negotiate.opt, 0);
		}
		break;
	case TELNET_EV_OPTION: {
		unsigned char o = ev->u.option.opt;
		int on = ev->u.option.enabled, local = ev->u.option.local;

		if (ev->u.option.local)
			CHECK(telnet_local_enabled(t, o) == on,
			    "OPTION event vs state");
		else
			CHECK(telnet_remote_enabled(t, o) == on,
			    "OPTION event vs state");
		if (o == TELOPT_TM || f->a_in_cb > 1)
			break;
		/* Change our mind now and then, to reach every state of
		 * RFC 1143 (WANTNO, and both queue bits). */
		switch (roll(f, 6)) {
		case 0:
			req(f, local, o, !on);
			break;
		case 1:
			req(f, local, o, !on);
			req(f, local, o, on);
			break;
		case 2:
			req(f, local, o, !on);
			req(f, local, o, on);
			req(f, local, o, !on);
			break;
		default:
			break;
		}
		break;
	}
	default:
		if (is_typed_sb(ev->type))
			roundtrip_sb(f, ev);
		break;
	}
	f->a_in_cb--;
}

static void
d_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct fz *f = ctx;

	(void)t;
	check_event(ev);
	if (ev->type == TELNET_EV_SEND)
		buf_add(&f->out_d, ev->u.data.buf, ev->u.data.len);
	/* An encoder refusing a value it was handed by the decoder is a
	 * mismatch between the two. */
	CHECK(ev->type != TELNET_EV_ERROR, "encoder refused a decoded value");
}

/* Deliver what B1/B2 produced to C1/C2 and check B's streams. */
static void
pump(struct fz *f)
{
	validate(&f->vb1, f->out_b1.p, f->out_b1.len);
	validate(&f->vb2, f->out_b2.p, f->out_b2.len);
	if (f->out_b1.len)
		telnet_feed(f->c1, f->out_b1.p, f->out_b1.len);
	if (f->out_b2.len)
		telnet_feed(f->c2, f->out_b2.p, f->out_b2.len);
	f->out_b1.len = f->out_b2.len = 0;
}

static struct telnet *
mk(const struct telnet_policy *pol, int client, size_t sb_max,
    telnet_event_cb cb, void *ctx)
{
	struct telnet_config cfg;
	struct telnet *t;

	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol;
	cfg.sb_max = sb_max;
	cfg.is_client = client;
	t = telnet_new(&cfg, cb, ctx);
	CHECK(t != NULL, "telnet_new");
	return t;
}

/* The last six bytes A consumed, for the START_TLS stop check. */
static void
tail_add(struct fz *f, const unsigned char *p, size_t n)
{
	size_t keep = sizeof(f->tail);

	if (n >= keep) {
		memcpy(f->tail, p + n - keep, keep);
		return;
	}
	memmove(f->tail, f->tail + n, keep - n);
	memcpy(f->tail + keep - n, p, n);
}

/*
 * Feed A one chunk.  When it stops at START_TLS: the bytes it took end
 * with the peer's FOLLOWS, it takes nothing more, and the harness plays
 * the finished handshake (the reset) and feeds the rest of the chunk as
 * the stream inside TLS.
 */
static void
feed_a(struct fz *f, const unsigned char *p, size_t n)
{
	static const unsigned char follows[] = { 0xff, 0xfa, 46, 1, 0xff,
	    0xf0 };
	size_t used;
	unsigned o;

	used = telnet_feed(f->a, p, n);
	CHECK(used <= n, "telnet_feed consumed more than it was given");
	tail_add(f, p, used);
	if (f->sent_follows)
		CHECK(f->va.nverbs == f->verbs_at_follows ||
		    telnet_starttls_state(f->a) == TELNET_TLS_DONE,
		    "a verb sent after our FOLLOWS");
	/* A command the caller asks for meanwhile is not sent either. */
	if (telnet_starttls_state(f->a) == TELNET_TLS_FOLLOWS_SENT) {
		telnet_send_command(f->a, TELNET_NOP);
		CHECK(f->va.ncmds == f->cmds_at_follows,
		    "a command sent after our FOLLOWS");
	}
	if (telnet_starttls_state(f->a) != TELNET_TLS_BEGIN) {
		CHECK(used == n, "telnet_feed stopped without START_TLS");
		return;
	}
	CHECK(memcmp(f->tail, follows, sizeof(follows)) == 0,
	    "feeding stopped elsewhere than after the peer's FOLLOWS");
	CHECK(telnet_feed(f->a, p + used, n - used) == 0,
	    "bytes consumed after the stop");
	telnet_starttls_reset(f->a);
	CHECK(telnet_starttls_state(f->a) == TELNET_TLS_DONE, "reset");
	for (o = 0; o < 256; o++)
		CHECK(telnet_local_state(f->a, (unsigned char)o) ==
		    TELNET_Q_NO && telnet_remote_state(f->a,
		    (unsigned char)o) == TELNET_Q_NO,
		    "an option survived the START_TLS reset");
	CHECK(telnet_request_remote(f->a, TELOPT_STARTTLS, 1) == -1 &&
	    telnet_request_local(f->a, TELOPT_STARTTLS, 1) == -1,
	    "START_TLS can be asked for again");
	if (used < n)
		feed_a(f, p + used, n - used);
}

static void
compare_toks(const struct toks *a, const struct toks *c, const char *what)
{
	size_t i;

	for (i = 0; i < a->len && i < c->len; i++)
		if (a->p[i] != c->p[i])
			break;
	if (i == a->len && i == c->len)
		return;
	fprintf(stderr, "fuzz_engine: %s: streams differ at token %zu "
	    "(lengths %zu, %zu)\n", what, i, a->len, c->len);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sb_maxes[4] = { 0, 64, 100, 1000 };
	static const unsigned char will_bin[3] = { 0xff, 0xfb, 0 };
	static const unsigned char do_bin[3] = { 0xff, 0xfd, 0 };
	struct fz f;
	unsigned flags, seed, split;
	size_t i, n, nchunks = 0;
	unsigned o;

	if (pol_all[0].opt == 0 && pol_all[1].opt == 0) {
		for (o = 0; o < 256; o++) {
			pol_all[o].opt = (int)o;
			pol_all[o].local = 1;
			pol_all[o].remote = 1;
		}
		pol_all[256].opt = -1;
	}
	if (size < 2)
		return 0;
	flags = data[0];
	seed = data[1];
	data += 2;
	size -= 2;
	split = (flags >> 4) & 7;

	memset(&f, 0, sizeof(f));
	f.rng = seed;
	f.is_client = flags & 1;
	f.vb1.nvt_cr = 1;
	f.sb_max = sb_maxes[(flags >> 1) & 3];
	if (f.sb_max == 0)
		f.sb_max = TELNET_SB_DEFAULT_MAX;
	f.a = mk((flags & 8) ? pol_all : server_policy(), f.is_client, f.sb_max,
	    a_cb, &f);
	f.b1 = mk(pol_none, 0, 0, b_cb, &f.out_b1);
	f.c1 = mk(pol_none, 0, 0, c_cb, &f.tc1);
	f.b2 = mk(pol_all, 0, 0, b_cb, &f.out_b2);
	f.c2 = mk(pol_all, 0, 0, c_cb, &f.tc2);
	f.d = mk(pol_all, !f.is_client, 0, d_cb, &f);

	/* B2 -> C2 in BINARY: B2 is told DO BINARY, C2 WILL BINARY. */
	telnet_feed(f.b2, do_bin, sizeof(do_bin));
	telnet_feed(f.c2, will_bin, sizeof(will_bin));
	CHECK(telnet_local_enabled(f.b2, TELOPT_BINARY) &&
	    telnet_remote_enabled(f.c2, TELOPT_BINARY), "BINARY set-up");
	f.out_b2.len = 0;
	memset(&f.vb2, 0, sizeof(f.vb2));

	/* A server opens as telnetd does, offering START_TLS first when
	 * byte 1 is odd. */
	if (!f.is_client && (flags & 8) == 0 && (seed & 1))
		req(&f, 0, TELOPT_STARTTLS, 1);
	if (!f.is_client && (flags & 8) == 0) {
		req(&f, 1, TELOPT_ECHO, 1);
		req(&f, 1, TELOPT_SGA, 1);
		req(&f, 0, TELOPT_TTYPE, 1);
		req(&f, 0, TELOPT_NAWS, 1);
		req(&f, 0, TELOPT_NEW_ENVIRON, 1);
		req(&f, 0, TELOPT_LINEMODE, 1);
		telnet_send_do_tm(f.a);
		f.n_req++;
		validate_idle(&f.va);
	}
	if (flags & 0x80)
		telnet_synch_begin(f.a);

	for (i = 0; i < size; i += n) {
		unsigned char *chunk;

		switch (split) {
		case 0: n = size; break;
		case 1: n = 1; break;
		case 2: n = 2; break;
		case 3: n = 3; break;
		case 4: n = 7; break;
		case 5:
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 16;
			break;
		case 6:
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 256;
			break;
		default:
			/* Cut right after every IAC. */
			for (n = 1; i + n < size && data[i + n - 1] != 0xff; n++)
				;
			break;
		}
		if (n > size - i)
			n = size - i;
		/* An exact-size copy, so reading past it is an ASan error. */
		chunk = malloc(n);
		CHECK(chunk != NULL, "out of memory");
		memcpy(chunk, data + i, n);
		feed_a(&f, chunk, n);
		free(chunk);
		validate_idle(&f.va);
		/* No negotiation loop: one verb out at most per verb in
		 * and per request of ours (RFC 1143). */
		CHECK(f.va.nverbs <= f.n_neg_in + f.n_req,
		    "more verbs sent than received and requested");
		if (++nchunks < 8 || (nchunks & (nchunks - 1)) == 0)
			check_states(f.a);	/* 1..7, then powers of 2 */
		pump(&f);
	}
	check_states(f.a);

	/* Flush: a CR B1 sent last gets its NUL before this NOP. */
	tok_add(&f.ta, 256u + TELNET_NOP);
	telnet_send_command(f.b1, TELNET_NOP);
	telnet_send_command(f.b2, TELNET_NOP);
	pump(&f);
	CHECK(f.vb1.st == V_DATA && f.vb2.st == V_DATA,
	    "re-encoded stream ends half-written");

	compare_toks(&f.ta, &f.tc1, "A -> B1 (NVT) -> C1");
	compare_toks(&f.ta, &f.tc2, "A -> B2 (BINARY) -> C2");

	telnet_free(f.a);
	telnet_free(f.b1);
	telnet_free(f.c1);
	telnet_free(f.b2);
	telnet_free(f.c2);
	telnet_free(f.d);
	buf_free(&f.out_b1);
	buf_free(&f.out_b2);
	buf_free(&f.out_d);
	free(f.ta.p);
	free(f.tc1.p);
	free(f.tc2.p);
	return 0;
}
