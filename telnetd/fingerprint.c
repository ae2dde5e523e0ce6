/*
 * fingerprint.c - two fingerprints per client report: one over how the
 * client speaks TELNET, one over how its terminal answers, each the first
 * 8 bytes of SHA-256 (libmd, with libbsd) of a canonical text, and the
 * names the database (fpdb.c) gives the ones we know.
 *
 * The texts hold behaviour only: nothing that changes from one session
 * or one user of the same client to the next (timings, addresses, the
 * window size, variable names and values, the user's own terminal type,
 * the characters of the SLC table, which come from the user's stty), and
 * nothing that differs between --report and --report=login (the opening
 * is the same in both; the burst asks the same options).  Version tags
 * ("p1", "t1") start each text, so that a change of what is hashed is
 * a change of tag.
 *
 * protocol:  p1;plan=full;opts=0:AA,1:RA,...;offers=WILL 3,...;tm=W;
 *            ttype=2:*,vt100/repeat;slc=1:3,2:2o,...
 *   opts     per option that was asked or spoken about: the client's
 *            first word on its side (WILL/WONT) and on ours (DO/DONT):
 *            A agreed to our request, R refused it, S silent, O offered
 *            before we asked, D refused before we asked, - nothing;
 *   offers   the client's own WILL/DO before the burst, in order;
 *   tm       its answer to the burst's DO TIMING-MARK (W, N, S);
 *   ttype    how many names, each as * unless it names the client (a MUD
 *            client's own name, "syncterm", "ansi...": the others are the
 *            user's terminal), and how the cycle ended (repeat, wrap, cap,
 *            bad, none);
 *   slc      the SLC table it sent with LINEMODE: function, level and
 *            the a(ck) i(flush in) o(flush out) bits, by function.
 * terminal:  t1;enq=0;da1=62;22;da2=84;0;0;xtv=tmux 3.3a;wide=2;comb=1;c1=0
 */
#include <sys/types.h>

#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telnetd.h"

/* Terminal types that MUD clients send (first, as their name). */
static const char *const mud_terms[] = {
	"tintin++", "tt++", "mudlet", "mushclient", "cmud", "zmud",
	"atlantis", "blowtorch", "mudrammer", "kildclient", "portal", "beip",
	"savitar",
};

/*
 * The probe's plans by name, and the MUD clients' terminal types, are
 * here rather than in probe.c because they are part of the protocol
 * text: the plan's name is hashed, and a terminal type that names a MUD
 * client is kept where the user's own would be a "*".  The probe asks
 * them too (its log line, its choice of plan), so the calls go one way:
 * probe.c -> fingerprint.c.
 */
const char *
probe_plan_name(enum probe_plan plan)
{
	switch (plan) {
	case PLAN_FULL:
		return "full";
	case PLAN_MUD:
		return "full+mud";
	case PLAN_REDUCED:
		return "reduced (Microsoft telnet)";
	case PLAN_SKIPPED:
		return "skipped (no answer to the opening)";
	default:
		return "none";
	}
}

int
probe_mud_term(const char *term)
{
	size_t k;

	for (k = 0; k < sizeof(mud_terms) / sizeof(mud_terms[0]); k++)
		if (strcmp(term, mud_terms[k]) == 0)
			return 1;
	return 0;
}

/* The letter for one side of one option. */
static char
side_letter(const struct session *s, unsigned char opt, int local)
{
	const struct probe *p = s->probe;
	enum telnet_q q;

	switch (p->first[opt][local]) {
	case FIRST_AGREED:
		return 'A';
	case FIRST_REFUSED:
		return 'R';
	case FIRST_OFFERED:
		return 'O';
	case FIRST_DECLINED:
		return 'D';
	default:
		break;
	}
	q = local ? telnet_local_state(s->t, opt) :
	    telnet_remote_state(s->t, opt);
	return p->asked[opt][local] != ASK_NONE || q == TELNET_Q_WANTYES ?
	    'S' : '-';
}

static int
names_client(const char *term)
{
	return probe_mud_term(term) || strcmp(term, "syncterm") == 0 ||
	    strncmp(term, "ansi", 4) == 0;
}

static void
ttype_part(struct out *o, const struct session *s)
{
	static const char *const ends[] = {
		"none", "repeat", "wrap", "cap", "bad",
	};
	size_t i;
	int end = s->probe->ttype_end;

	out_printf(o, ";ttype=%zu:", s->nterms);
	for (i = 0; i < s->nterms; i++)
		out_printf(o, "%s%s", i ? "," : "", names_client(s->terms[i]) ?
		    s->terms[i] : "*");
	out_printf(o, "/%s", end >= 0 && end <= TTYPE_END_BAD ? ends[end] :
	    "?");
}

static int
slc_cmp(const void *a, const void *b)
{
	const struct telnet_slc *x = a, *y = b;

	return (int)x->func - (int)y->func;
}

static void
slc_part(struct out *o, const struct neg_report *r)
{
	struct telnet_slc t[TELNET_SLC_MAX];
	size_t i, n = r->slc_seen ? r->nslc : 0;

	if (n > sizeof(t) / sizeof(t[0]))
		n = sizeof(t) / sizeof(t[0]);
	memcpy(t, r->slc, n * sizeof(t[0]));
	qsort(t, n, sizeof(t[0]), slc_cmp);
	out_printf(o, ";slc=");
	for (i = 0; i < n; i++)
		out_printf(o, "%s%u:%u%s%s%s", i ? "," : "", t[i].func,
		    t[i].flags & SLC_LEVELBITS, t[i].flags & SLC_ACK ? "a" : "",
		    t[i].flags & SLC_FLUSHIN ? "i" : "",
		    t[i].flags & SLC_FLUSHOUT ? "o" : "");
	if (!r->slc_seen)
		out_printf(o, "none");
}

size_t
fp_protocol_text(const struct session *s, char *buf, size_t size)
{
	const struct probe *p = s->probe;
	struct out o = { buf, size, 0 };
	unsigned int opt;
	char c, v;
	size_t i, n = 0;

	if (size > 0)
		buf[0] = '\0';
	if (p == NULL || s->rep == NULL)
		return 0;
	out_printf(&o, "p1;plan=%s;opts=", probe_plan_name(p->plan));
	for (opt = 0; opt < 256; opt++) {
		if (opt == TELOPT_TM)
			continue;
		c = side_letter(s, (unsigned char)opt, 0);
		v = side_letter(s, (unsigned char)opt, 1);
		if (c == '-' && v == '-')
			continue;
		out_printf(&o, "%s%u:%c%c", n++ ? "," : "", opt, c, v);
	}
	out_printf(&o, ";offers=");
	for (i = 0; i < p->noffers; i++)
		out_printf(&o, "%s%s %u", i ? "," : "",
		    telnet_cmd_name(p->offers[i][0]), p->offers[i][1]);
	out_printf(&o, ";tm=%c", p->tm_answer == 1 ? 'W' : p->tm_answer == 2 ?
	    'N' : 'S');
	ttype_part(&o, s);
	slc_part(&o, s->rep);
	return o.len;
}

size_t
fp_terminal_text(const struct tp_result *r, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	if (size > 0)
		buf[0] = '\0';
	if (!r->ran || !r->answered)
		return 0;
	out_printf(&o, "t1;enq=%d;da1=%s;da2=%s;xtv=%s;wide=%d;comb=%d;c1=%d",
	    r->answerback[0] != '\0', r->da1, r->da2, r->xtversion, r->wide,
	    r->combining, r->c1);
	return o.len;
}

void
fp_hash(const char *text, size_t len, char out[17])
{
	char hex[SHA256_DIGEST_STRING_LENGTH];

	SHA256Data((const uint8_t *)text, len, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
}

int
fp_hash_ok(const char *s, size_t len)
{
	size_t i;

	if (len != 16)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

const char *
fp_name(int kind, const char *hash)
{
	const struct fp_entry *e;

	for (e = fp_db; e->hash[0] != '\0'; e++)
		if (e->kind == kind && strcmp(e->hash, hash) == 0)
			return e->name;
	return NULL;
}

void
fp_compute(struct session *s)
{
	struct probe *p = s->probe;
	char text[FP_TEXT_MAX];
	size_t n;

	if (p == NULL)
		return;
	n = fp_protocol_text(s, text, sizeof(text));
	fp_hash(text, n, p->fp_protocol);
	p->fp_terminal[0] = '\0';
	if ((n = fp_terminal_text(&p->tp.res, text, sizeof(text))) > 0)
		fp_hash(text, n, p->fp_terminal);
	/* The client stopped sending before the answers were all in
	 * (probe_client_gone): none of what was cut short. */
	if (p->left == PROBE_OPTIONS)
		p->fp_protocol[0] = '\0';
	if (p->left != PROBE_IDLE)
		p->fp_terminal[0] = '\0';
}
