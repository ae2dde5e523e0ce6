/*
 * environ.c - decode NEW-ENVIRON (RFC 1572) and old ENVIRON (RFC 1408)
 * subnegotiations, with the RFC 1571 heuristics that tell which VAR/VALUE
 * codes an old-ENVIRON peer uses.  Called from subneg.c's dispatch; the
 * text helpers (telnet_dec_*) are subneg.c's.
 */
#include <stddef.h>
#include <string.h>

#include "telnet_int.h"

/* RFC 1572 section 5 names, used by the last RFC 1571 heuristic. */
static const char *const env_well_known[] = {
	"USER", "JOB", "ACCT", "PRINTER", "SYSTEMTYPE", "DISPLAY",
};

/* Does the (ESC-quoted) text buf[start..end) equal one well-known name? */
static int
env_text_well_known(const unsigned char *buf, size_t start, size_t end)
{
	unsigned char tmp[16] = { 0 };
	size_t i, n = 0, k;

	for (i = start; i < end; i++) {
		if (buf[i] == TELENV_ESC && i + 1 < end)
			i++;
		if (n == sizeof(tmp))
			return 0;
		tmp[n++] = buf[i];
	}
	for (k = 0; k < sizeof(env_well_known) / sizeof(env_well_known[0]);
	    k++)
		if (strlen(env_well_known[k]) == n &&
		    memcmp(env_well_known[k], tmp, n) == 0)
			return 1;
	return 0;
}

/* RFC 1571 section 2: in a SEND, a VALUE code means reversed; both VAR
 * and VALUE is not well formed.  The raw codes are A (0) and B (1). */
static int
env_guess_send(const unsigned char *buf, size_t len)
{
	size_t i, na = 0, nb = 0;

	for (i = 1; i < len; i++) {
		if (buf[i] == TELENV_ESC)
			i++;
		else if (buf[i] == 0)
			na++;
		else if (buf[i] == 1)
			nb++;
	}
	if (na > 0 && nb > 0)
		return -2;
	return nb > 0 ? 1 : na > 0 ? 0 : -1;
}

/* What an IS/INFO after "IS USERVAR" shows about codes A (0) and B (1):
 * the inputs of the RFC 1571 section 5 summary. */
struct env_evidence {
	int aa, bb;		/* A directly after A; B after B */
	int emptya, emptyb;	/* an A or B element with no text */
	int wka, wkb;		/* well-known name after A; after B */
	size_t na, nb, nu;	/* count of A, B, runs of USERVAR */
};

/* Walk the codes, closing the element that began at start with code cur
 * whenever the next code (or the end) comes. */
static void
env_collect(const unsigned char *buf, size_t len, struct env_evidence *e)
{
	size_t i, start = 0;
	int cur = -1;

	for (i = 1; i <= len; i++) {
		int code = -1;

		if (i < len) {
			if (buf[i] == TELENV_ESC) {
				i++;	/* skip the quoted byte */
				continue;
			}
			if (buf[i] > TELENV_USERVAR)
				continue;	/* text */
			code = buf[i];
		}
		if (cur == 0 || cur == 1) {
			int empty = (i == start + 1);
			int wk = env_text_well_known(buf, start + 1, i);

			if (cur == 0) {
				e->emptya |= empty;
				e->wka |= wk;
			} else {
				e->emptyb |= empty;
				e->wkb |= wk;
			}
		}
		if (code == -1)
			break;
		if (code == 0) {
			e->aa |= (cur == 0);
			e->na++;
		} else if (code == 1) {
			e->bb |= (cur == 1);
			e->nb++;
		} else if (cur != TELENV_USERVAR)
			e->nu++;	/* a run of USERVARs counts once */
		cur = code;
		start = i;
	}
}

/* The RFC 1571 section 5 summary, in its order: 1 reversed, 0 not. */
static int
env_verdict(const struct env_evidence *e)
{
	if (e->aa)
		return 0;
	if (e->bb)
		return 1;
	if (e->emptyb)
		return 0;
	if (e->emptya)
		return 1;
	if (e->nu + e->na == e->nb)
		return 0;
	if (e->nu + e->nb == e->na)
		return 1;
	if (e->wka)
		return 0;
	if (e->wkb)
		return 1;
	return 0;
}

/*
 * Old ENVIRON: does the peer have VAR (0) and VALUE (1) swapped?  Returns
 * 1 reversed, 0 not, -1 no evidence (the SB holds no A or B, so it decodes
 * the same either way and nothing is learnt), -2 contradictory SEND.
 */
static int
env_guess(const unsigned char *buf, size_t len)
{
	struct env_evidence e = { 0 };

	if (buf[0] == TELQUAL_SEND)
		return env_guess_send(buf, len);
	/* RFC 1571 section 3: IS/INFO is followed by VAR or USERVAR. */
	if (len < 2)
		return -1;
	if (buf[1] == 0)
		return 0;
	if (buf[1] == 1)
		return 1;
	if (buf[1] != TELENV_USERVAR)
		return -1;	/* malformed; the decoder will say so */
	env_collect(buf, len, &e);
	if (e.na == 0 && e.nb == 0)
		return -1;
	return env_verdict(&e);
}

/* Close the element being collected: NUL-terminate, record its length. */
static int
env_close(struct dec *d, struct telnet_env_var *v, int in_value,
    size_t start)
{
	size_t n = d->pos - start;

	if (telnet_dec_put(d, '\0') == -1)
		return -1;
	if (in_value) {
		v->value = telnet_dec_ptr(d, start);
		v->value_len = n;
	} else {
		v->name = telnet_dec_ptr(d, start);
		v->name_len = n;
	}
	return 0;
}

/* One SB being decoded into vars[]: the element open (in) began at
 * start in the decode buffer. */
struct env_decoder {
	struct dec d;
	struct telnet_env_var vars[TELNET_ENV_MAX_VARS];
	size_t nvars, start;
	unsigned char cmd, var_code, value_code;
	enum { NONE, NAME, VALUE } in;
};

#define ENV_FULL "too long to decode"

/* A VAR or USERVAR code: close the open element, start a variable. */
static const char *
env_new_var(struct env_decoder *e, unsigned char c)
{
	struct telnet_env_var *v;

	if (e->in != NONE && env_close(&e->d, &e->vars[e->nvars - 1],
	    e->in == VALUE, e->start) == -1)
		return ENV_FULL;
	if (e->nvars == TELNET_ENV_MAX_VARS)
		return "too many variables";
	v = &e->vars[e->nvars++];
	memset(v, 0, sizeof(*v));
	v->type = c == TELENV_USERVAR ? TELENV_USERVAR : TELENV_VAR;
	v->value = "";
	e->in = NAME;
	e->start = e->d.pos;
	return NULL;
}

/* A VALUE code: close the name, start its value. */
static const char *
env_new_value(struct env_decoder *e)
{
	if (e->cmd == TELQUAL_SEND)
		return "VALUE in SEND";
	if (e->in != NAME)
		return e->in == NONE ? "VALUE before any variable" :
		    "two VALUEs for one variable";
	if (env_close(&e->d, &e->vars[e->nvars - 1], 0, e->start) == -1)
		return ENV_FULL;
	e->vars[e->nvars - 1].has_value = 1;
	e->in = VALUE;
	e->start = e->d.pos;
	return NULL;
}

/* Decode buf[1..len) into e->vars; NULL, or why the SB is malformed.
 * ESC quotes the byte after it, in names and values alike. */
static const char *
env_decode(struct env_decoder *e, const unsigned char *buf, size_t len)
{
	const char *why;
	size_t i;

	for (i = 1; i < len; i++) {
		unsigned char c = buf[i];

		if (c == TELENV_ESC) {
			if (++i == len)
				return "ESC at the end";
			c = buf[i];
		} else if (c == e->var_code || c == TELENV_USERVAR) {
			if ((why = env_new_var(e, c)) != NULL)
				return why;
			continue;
		} else if (c == e->value_code) {
			if ((why = env_new_value(e)) != NULL)
				return why;
			continue;
		}
		/* A plain or ESC-quoted byte of a name or value. */
		if (e->in == NONE)
			return "text before any variable";
		if (telnet_dec_put(&e->d, c) == -1)
			return ENV_FULL;
	}
	if (e->in != NONE && env_close(&e->d, &e->vars[e->nvars - 1],
	    e->in == VALUE, e->start) == -1)
		return ENV_FULL;
	return NULL;
}

/*
 * NEW-ENVIRON (RFC 1572) and old ENVIRON (RFC 1408/1571).
 * IS/INFO: { (VAR|USERVAR) name [VALUE value] }; SEND: { (VAR|USERVAR)
 * [name] }.
 */
void
telnet_sb_environ(struct telnet *t)
{
	const unsigned char *buf = t->sb_buf;
	size_t len = t->sb_len;
	struct env_decoder e;
	struct telnet_event ev;
	const char *why;
	int guess = -1;

	if (len == 0) {
		telnet_sb_malformed(t, "empty subnegotiation");
		return;
	}
	memset(&e, 0, sizeof(e));
	e.d.t = t;
	e.cmd = buf[0];
	e.var_code = TELENV_VAR;
	e.value_code = TELENV_VALUE;
	if (e.cmd != TELQUAL_IS && e.cmd != TELQUAL_SEND &&
	    e.cmd != TELQUAL_INFO) {
		telnet_sb_malformed(t, "unknown command (not IS, SEND or INFO)");
		return;
	}
	if (t->sb_opt == TELOPT_OLD_ENVIRON) {
		int reversed;

		if (t->env_reversed_known)
			reversed = t->env_reversed;
		else if ((guess = env_guess(buf, len)) == -2) {
			telnet_sb_malformed(t, "SEND holds both VAR and VALUE");
			return;
		} else
			reversed = (guess == 1);
		if (reversed) {
			e.var_code = TELENV_VALUE;
			e.value_code = TELENV_VAR;
		}
	}
	if ((why = env_decode(&e, buf, len)) != NULL) {
		telnet_sb_malformed(t, why);
		return;
	}

	/* Only a well-formed SB teaches us the peer's VAR/VALUE codes. */
	if (t->sb_opt == TELOPT_OLD_ENVIRON && !t->env_reversed_known &&
	    guess >= 0) {
		t->env_reversed = guess;
		t->env_reversed_known = 1;
	}

	telnet_ev_init(&ev, TELNET_EV_ENVIRON);
	ev.u.env.opt = t->sb_opt;
	ev.u.env.cmd = e.cmd;
	ev.u.env.vars = e.nvars > 0 ? e.vars : NULL;
	ev.u.env.nvars = e.nvars;
	telnet_emit(t, &ev);
}
