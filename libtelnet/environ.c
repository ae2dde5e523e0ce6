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

/*
 * Old ENVIRON: does the peer have VAR (0) and VALUE (1) swapped?  The
 * raw codes are called A (0) and B (1) here.  Returns 1 reversed, 0 not,
 * -1 no evidence (the SB holds no A or B, so it decodes the same either
 * way and nothing is learnt), -2 contradictory SEND.
 */
static int
env_guess(const unsigned char *buf, size_t len)
{
	size_t i, start = 0;
	int cur = -1;
	int aa = 0, bb = 0, emptya = 0, emptyb = 0, wka = 0, wkb = 0;
	size_t na = 0, nb = 0, nu = 0;

	if (buf[0] == TELQUAL_SEND) {
		/* RFC 1571 section 2: a VALUE in a SEND means reversed;
		 * both VAR and VALUE is not well formed. */
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

	/* RFC 1571 section 3: IS/INFO is followed by VAR or USERVAR. */
	if (len < 2)
		return -1;
	if (buf[1] == 0)
		return 0;
	if (buf[1] == 1)
		return 1;
	if (buf[1] != TELENV_USERVAR)
		return -1;	/* malformed; the decoder will say so */

	/*
	 * After IS USERVAR: walk the codes, closing the element that began
	 * at start with code cur whenever the next code (or the end) comes.
	 */
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
				emptya |= empty;
				wka |= wk;
			} else {
				emptyb |= empty;
				wkb |= wk;
			}
		}
		if (code == -1)
			break;
		if (code == 0) {
			aa |= (cur == 0);
			na++;
		} else if (code == 1) {
			bb |= (cur == 1);
			nb++;
		} else if (cur != TELENV_USERVAR)
			nu++;	/* a run of USERVARs counts once */
		cur = code;
		start = i;
	}
	if (na == 0 && nb == 0)
		return -1;
	/* In the order of the RFC 1571 section 5 summary. */
	if (aa)
		return 0;
	if (bb)
		return 1;
	if (emptyb)
		return 0;
	if (emptya)
		return 1;
	if (nu + na == nb)
		return 0;
	if (nu + nb == na)
		return 1;
	if (wka)
		return 0;
	if (wkb)
		return 1;
	return 0;
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

/*
 * NEW-ENVIRON (RFC 1572) and old ENVIRON (RFC 1408/1571).
 * IS/INFO: { (VAR|USERVAR) name [VALUE value] }; SEND: { (VAR|USERVAR)
 * [name] }.  ESC quotes the byte after it, in names and values alike.
 */
void
telnet_sb_environ(struct telnet *t)
{
	const unsigned char *buf = t->sb_buf;
	size_t len = t->sb_len, i, nvars = 0, start = 0;
	struct telnet_env_var vars[TELNET_ENV_MAX_VARS];
	struct telnet_event ev;
	struct dec d = { t, 0 };
	unsigned char cmd, var_code = TELENV_VAR, value_code = TELENV_VALUE;
	int guess = -1, reversed = 0;
	enum { NONE, NAME, VALUE } in = NONE;

	if (len == 0) {
		telnet_sb_malformed(t, "empty subnegotiation");
		return;
	}
	cmd = buf[0];
	if (cmd != TELQUAL_IS && cmd != TELQUAL_SEND && cmd != TELQUAL_INFO) {
		telnet_sb_malformed(t, "unknown command (not IS, SEND or INFO)");
		return;
	}
	if (t->sb_opt == TELOPT_OLD_ENVIRON) {
		if (t->env_reversed_known)
			reversed = t->env_reversed;
		else if ((guess = env_guess(buf, len)) == -2) {
			telnet_sb_malformed(t, "SEND holds both VAR and VALUE");
			return;
		} else
			reversed = (guess == 1);
		if (reversed) {
			var_code = TELENV_VALUE;
			value_code = TELENV_VAR;
		}
	}

	for (i = 1; i < len; i++) {
		unsigned char c = buf[i];

		if (c == TELENV_ESC) {
			if (++i == len) {
				telnet_sb_malformed(t, "ESC at the end");
				return;
			}
			c = buf[i];
		} else if (c == var_code || c == TELENV_USERVAR) {
			if (in != NONE && env_close(&d, &vars[nvars - 1],
			    in == VALUE, start) == -1)
				goto full;
			if (nvars == TELNET_ENV_MAX_VARS) {
				telnet_sb_malformed(t, "too many variables");
				return;
			}
			memset(&vars[nvars], 0, sizeof(vars[nvars]));
			vars[nvars].type = c == TELENV_USERVAR ?
			    TELENV_USERVAR : TELENV_VAR;
			vars[nvars].value = "";
			nvars++;
			in = NAME;
			start = d.pos;
			continue;
		} else if (c == value_code) {
			if (cmd == TELQUAL_SEND) {
				telnet_sb_malformed(t, "VALUE in SEND");
				return;
			}
			if (in != NAME) {
				telnet_sb_malformed(t, in == NONE ?
				    "VALUE before any variable" :
				    "two VALUEs for one variable");
				return;
			}
			if (env_close(&d, &vars[nvars - 1], 0, start) == -1)
				goto full;
			vars[nvars - 1].has_value = 1;
			in = VALUE;
			start = d.pos;
			continue;
		}
		/* A plain or ESC-quoted byte of a name or value. */
		if (in == NONE) {
			telnet_sb_malformed(t, "text before any variable");
			return;
		}
		if (telnet_dec_put(&d, c) == -1)
			goto full;
	}
	if (in != NONE && env_close(&d, &vars[nvars - 1], in == VALUE,
	    start) == -1)
		goto full;

	/* Only a well-formed SB teaches us the peer's VAR/VALUE codes. */
	if (t->sb_opt == TELOPT_OLD_ENVIRON && !t->env_reversed_known &&
	    guess >= 0) {
		t->env_reversed = guess;
		t->env_reversed_known = 1;
	}

	telnet_sb_ev_init(&ev, TELNET_EV_ENVIRON);
	ev.u.env.opt = t->sb_opt;
	ev.u.env.cmd = cmd;
	ev.u.env.vars = nvars > 0 ? vars : NULL;
	ev.u.env.nvars = nvars;
	telnet_emit(t, &ev);
	return;
full:
	telnet_sb_malformed(t, "too long to decode");
}
