/*
 * probe.c - the option probe, and the relay's S_PROBING phase that runs it
 * and the terminal probe (termprobe.c) between the opening and the start.
 *
 * The opening is the same as a session's without --report, so what a
 * client answers there (and the fingerprint over it) does not depend on
 * the mode.  Then, in one burst, every option of the probe's list that the
 * client has not spoken about is asked, DO and WILL, followed by DO
 * TIMING-MARK: clients answer in order, so the TIMING-MARK answer says
 * every answer before it is in and the probe need not wait its whole
 * bound (PROBE_OPTIONS_MS) for options a client ignores.  Each request is
 * a telnet_probe(): an acceptance is answered DONT/WONT at once by the
 * engine's Q method and the option never comes on.  With --report (no
 * login) three are real requests instead, because the report wants what
 * follows them: LINEMODE (the SLC table), CHARSET (the charset the client
 * picks) and SNDLOC (its location); the report then closes the session.
 *
 * A subnegotiation for an option the burst took back (it can come before
 * the client reads our DONT: a client that agrees to LINEMODE sends its
 * SLC table right after its WILL) is recorded for the report and never
 * acted on (probe_muted).
 *
 * Not asked either: the other side of an option that is on (SGA, ECHO,
 * TTYPE, ...): clients that take the two sides for one option would take
 * the question for a change of the side that is on (busybox answers DO
 * SGA with DONT SGA, which turns the server's SGA off: its session would
 * fall back to line mode), and the probe must leave the session as it was.
 *
 * The list: options 0-49 and 138-140, the ones assigned for TELNET (some
 * clients fail on higher numbers), but not TIMING-MARK (a question: it is
 * the marker), LOGOUT (DO LOGOUT asks the client to log out) and
 * START-TLS (an agreeing client may begin its TLS handshake before it
 * reads our DONT).  A MUD client (by its terminal type or its own MUD
 * offers) is asked about the MUD options too, except MCCP3, whose client
 * starts compressing as soon as it agrees.  Clients known to break are
 * asked less:
 *
 *   Microsoft telnet  (terminal types ANSI, then VT100 or nothing, as the
 *                     telnetlib3 notes describe it): crashes on a burst
 *                     of legacy DOs and on a large NEW-ENVIRON request,
 *                     so it gets DO for the core options only (the
 *                     opening's NEW-ENVIRON request is one empty SEND
 *                     for every client anyway);
 *   a client that answered nothing in the opening (a raw TCP client):
 *                     not probed at all; its report says so.
 */
#include <sys/types.h>

#include <string.h>

#include "telnetd.h"

/* The options assigned for TELNET that the burst asks about. */
static int
probe_listed(unsigned char opt)
{
	if (opt == TELOPT_TM || opt == TELOPT_LOGOUT ||
	    opt == TELOPT_STARTTLS)
		return 0;
	return opt <= 49 || (opt >= 138 && opt <= 140);
}

/* The MUD options (not MCCP3, see above). */
static const unsigned char mud_opts[] = {
	69, 70, 86, 90, 91, 93, 102, 200, 201,
};

/* What a reduced probe asks: the options terminals use (DO only). */
static const unsigned char core_opts[] = {
	TELOPT_BINARY, TELOPT_ECHO, TELOPT_SGA, TELOPT_STATUS, TELOPT_TTYPE,
	TELOPT_EOR, TELOPT_NAWS, TELOPT_TSPEED, TELOPT_LFLOW,
	TELOPT_LINEMODE, TELOPT_XDISPLOC, TELOPT_CHARSET, TELOPT_SNDLOC,
	TELOPT_COMPORT,
};

void
probe_init(struct session *s)
{
	if (s->cfg->report == REPORT_OFF || s->probe != NULL)
		return;
	if ((s->probe = pages_alloc(sizeof(*s->probe))) == NULL)
		fatal("probe");
}

void
probe_negotiate(struct session *s, unsigned char verb, unsigned char opt)
{
	struct probe *p = s->probe;
	int local = verb == TELNET_DO || verb == TELNET_DONT;
	int yes = verb == TELNET_WILL || verb == TELNET_DO;
	unsigned char first;
	enum telnet_q q;

	if (p == NULL || opt == TELOPT_TM || p->first[opt][local] != FIRST_NONE)
		return;
	/* The engine has not acted on it yet: its state says whether this
	 * answers a request of ours. */
	q = local ? telnet_local_state(s->t, opt) :
	    telnet_remote_state(s->t, opt);
	if (q == TELNET_Q_WANTYES)
		first = yes ? FIRST_AGREED : FIRST_REFUSED;
	else if (q == TELNET_Q_NO) {
		first = yes ? FIRST_OFFERED : FIRST_DECLINED;
		if (yes && p->step == PROBE_IDLE &&
		    p->noffers < PROBE_OFFERS_MAX) {
			p->offers[p->noffers][0] = verb;
			p->offers[p->noffers][1] = opt;
			p->noffers++;
		}
	} else
		return;		/* YES, WANTNO: not a first word */
	report_answer(&p->first[opt][local], &p->ms[opt][local], first,
	    p->step == PROBE_IDLE ? s->t_begin : p->t_burst);
}

void
probe_tm(struct session *s, int enabled)
{
	struct probe *p = s->probe;

	if (p == NULL)
		return;
	p->tm_answers++;
	if (p->step == PROBE_OPTIONS && p->tm_answers == p->tm_sent)
		p->tm_answer = enabled ? 1 : 2;
}

void
probe_do_tm(struct session *s)
{
	telnet_send_do_tm(s->t);
	if (s->probe != NULL)
		s->probe->tm_sent++;
}

static int
answered_anything(const struct session *s)
{
	const struct probe *p = s->probe;
	unsigned int opt;

	if (p->tm_answers > 0 || s->nterms > 0)
		return 1;
	for (opt = 0; opt < 256; opt++)
		if (p->first[opt][0] != FIRST_NONE ||
		    p->first[opt][1] != FIRST_NONE)
			return 1;
	return 0;
}

static int
ms_telnet(const struct session *s)
{
	return s->nterms >= 1 && strcmp(s->terms[0], "ansi") == 0 &&
	    (s->nterms == 1 || strcmp(s->terms[1], "vt100") == 0);
}

static int
mud_client(const struct session *s)
{
	size_t i, k;

	for (i = 0; i < s->nterms; i++)
		if (probe_mud_term(s->terms[i]))
			return 1;
	for (k = 0; k < sizeof(mud_opts) / sizeof(mud_opts[0]); k++)
		if (s->probe->first[mud_opts[k]][0] == FIRST_OFFERED)
			return 1;
	return 0;
}

static enum probe_plan
choose_plan(const struct session *s)
{
	if (!answered_anything(s))
		return PLAN_SKIPPED;
	if (ms_telnet(s))
		return PLAN_REDUCED;
	return mud_client(s) ? PLAN_MUD : PLAN_FULL;
}

/* The report (no login) keeps these on when the client agrees. */
static int
real_request(const struct session *s, unsigned char opt, int local)
{
	if (s->cfg->report != REPORT_SHOW)
		return 0;
	return local ? opt == TELOPT_CHARSET :
	    opt == TELOPT_LINEMODE || opt == TELOPT_SNDLOC;
}

/* Ask about one option on one side, unless the client spoke of it. */
static void
ask(struct session *s, unsigned char opt, int local)
{
	struct probe *p = s->probe;
	enum telnet_q q = local ? telnet_local_state(s->t, opt) :
	    telnet_remote_state(s->t, opt);

	if (q != TELNET_Q_NO || p->first[opt][local] != FIRST_NONE ||
	    p->asked[opt][local] != ASK_NONE)
		return;
	/* Not the other side of an option that is on or being asked:
	 * clients that take both sides for one (busybox answers DO SGA
	 * with DONT SGA, turning our SGA off) would change the session. */
	q = local ? telnet_remote_state(s->t, opt) :
	    telnet_local_state(s->t, opt);
	if (q != TELNET_Q_NO && p->asked[opt][!local] == ASK_NONE)
		return;
	if (real_request(s, opt, local) &&
	    (local ? telnet_request_local(s->t, opt, 1) :
	    telnet_request_remote(s->t, opt, 1)) == 0)
		p->asked[opt][local] = ASK_REAL;
	else if (telnet_probe(s->t, opt, local) == 0)
		p->asked[opt][local] = ASK_PROBE;
	else
		return;
	p->sent++;
}

static void
send_burst(struct session *s)
{
	struct probe *p = s->probe;
	unsigned int opt;
	size_t i;
	int local;

	switch (p->plan) {
	case PLAN_REDUCED:
		for (i = 0; i < sizeof(core_opts); i++)
			ask(s, core_opts[i], 0);
		break;
	case PLAN_FULL:
	case PLAN_MUD:
		for (local = 0; local < 2; local++) {
			for (opt = 0; opt < 256; opt++)
				if (probe_listed((unsigned char)opt))
					ask(s, (unsigned char)opt, local);
			for (i = 0; p->plan == PLAN_MUD &&
			    i < sizeof(mud_opts); i++)
				ask(s, mud_opts[i], local);
		}
		break;
	default:
		return;
	}
	/* The marker; with --report it also asks about kludge linemode
	 * (options.c), as the opening does with -l. */
	if (s->cfg->report == REPORT_SHOW && s->kludge_tm == 0 &&
	    s->lm_type == LMT_NONE)
		s->kludge_tm = 1;
	probe_do_tm(s);
}

/* A request of the opening (or any since) still unanswered. */
static int
request_out(const struct session *s)
{
	unsigned int opt;

	for (opt = 0; opt < 256; opt++)
		if (telnet_local_state(s->t, (unsigned char)opt) ==
		    TELNET_Q_WANTYES || telnet_remote_state(s->t,
		    (unsigned char)opt) == TELNET_Q_WANTYES)
			return 1;
	return 0;
}

/*
 * The opening ends (negotiate_ready) once the answers the start needs are
 * in; its other requests (WILL ECHO, SGA, STATUS, DO LFLOW) may still be
 * out.  The burst does not ask the other side of an option being asked
 * (ask()), so a client whose DONT ECHO came in a later segment than its
 * WONT TTYPE would be asked less, and its fingerprint would depend on how
 * its answers were cut into segments (Python's telnetlib writes each
 * answer alone).  Waiting for those answers would cost a client that
 * never gives one (telnetlib3 ignores WILL STATUS) the opening's whole
 * deadline, so the opening ends with a DO TIMING-MARK instead: clients
 * answer in order (RFC 860 section 3: the mark is answered after what came
 * before it), so its answer says every answer to the opening is in.
 * Within the opening's deadline, which the relay keeps.
 */
int
probe_settled(struct session *s)
{
	struct probe *p = s->probe;

	if (p == NULL || !request_out(s))
		return 1;
	if (!p->pinged) {
		p->pinged = 1;
		probe_do_tm(s);
		log_trace(s, DBG_REPORT, "probe: a request of the opening is "
		    "out: DO TIMING-MARK");
		return 0;
	}
	return p->tm_answers >= p->tm_sent;
}

int
probe_begin(struct session *s, int64_t now)
{
	struct probe *p = s->probe;

	if (p == NULL || p->step != PROBE_IDLE)
		return 0;
	p->plan = choose_plan(s);
	p->t_burst = now;
	p->step = PROBE_OPTIONS;
	send_burst(s);
	log_trace(s, DBG_REPORT, "probe: %s, %u requests",
	    probe_plan_name(p->plan), p->sent);
	s->dl[DL_PROBE] = now + PROBE_OPTIONS_MS;
	return 1;
}

/* Why the terminal is not asked, or NULL. */
static const char *
terminal_skip(const struct session *s)
{
	if (s->cfg->report != REPORT_SHOW)
		return "";
	if (s->probe->plan == PLAN_SKIPPED)
		return "the client negotiated nothing";
	if (!telnet_local_enabled(s->t, TELOPT_SGA))
		return "the client sends lines (it refused SGA)";
	return NULL;
}

static void
send_query(struct session *s, const struct tp_out *out)
{
	if (out->n > 0)
		relay_reply(s, out->p, out->n);
	s->dl[DL_PROBE] = s->probe->tp.deadline;
}

int
probe_step(struct session *s, int64_t now)
{
	struct probe *p = s->probe;
	struct tp_out out;

	switch (p->step) {
	case PROBE_OPTIONS:
		/* Nothing asked: nothing to wait for. */
		if (p->plan != PLAN_SKIPPED && p->tm_answers < p->tm_sent &&
		    now < s->dl[DL_PROBE])
			return 0;
		p->t_end = now;
		if ((p->tp_skipped = terminal_skip(s)) == NULL) {
			p->step = PROBE_TERMINAL;
			tp_begin(&p->tp, now, &out);
			send_query(s, &out);
			return 0;
		}
		break;
	case PROBE_TERMINAL:
		if (tp_advance(&p->tp, now, &out) == 0) {
			send_query(s, &out);
			return 0;
		}
		if (out.n > 0)
			relay_reply(s, out.p, out.n);
		break;
	default:
		break;
	}
	p->step = PROBE_DONE;
	s->dl[DL_PROBE] = 0;
	fp_compute(s);
	log_trace(s, DBG_REPORT, "probe done: protocol %s, terminal %s",
	    p->fp_protocol, p->fp_terminal[0] ? p->fp_terminal : "-");
	return 1;
}

/*
 * The client stopped sending (EOF) or is gone: no answer can come, so the
 * probes end now rather than at their bounds, and the report says where.
 * An inventory (--report=login) keeps such a client: those a burst breaks
 * (Microsoft telnet crashes on one) are among the ones worth knowing.
 * Its fingerprints are left out where its answers are not all in
 * (fp_compute): a part of one is no client's, and --report-dir would keep
 * it as new.
 */
int
probe_client_gone(struct session *s, int64_t now)
{
	struct probe *p = s->probe;

	if (p == NULL || (p->step != PROBE_OPTIONS &&
	    p->step != PROBE_TERMINAL))
		return 0;
	p->left = p->step;
	if (p->step == PROBE_OPTIONS) {
		p->t_end = now;
		p->tp_skipped = s->cfg->report == REPORT_SHOW ?
		    "the client stopped sending" : "";
	} else
		tp_stop(&p->tp, now);
	p->step = PROBE_DONE;
	s->dl[DL_PROBE] = 0;
	fp_compute(s);
	log_trace(s, DBG_REPORT, "probe: the client stopped sending during "
	    "the %s probe", p->left == PROBE_OPTIONS ? "option" : "terminal");
	return 1;
}

int
probe_input(struct session *s, const unsigned char *p, size_t n)
{
	if (s->probe == NULL)
		return 0;
	if (s->probe->step == PROBE_TERMINAL) {
		tp_input(&s->probe->tp, p, n);
		return 1;
	}
	/* With --report there is no program to give it to. */
	return s->cfg->report == REPORT_SHOW;
}

/* The option a subnegotiation event is about, -1 for other events. */
static int
event_opt(const struct telnet_event *ev)
{
	switch (ev->type) {
	case TELNET_EV_LINEMODE:
		return TELOPT_LINEMODE;
	case TELNET_EV_CHARSET:
		return TELOPT_CHARSET;
	case TELNET_EV_SNDLOC:
		return TELOPT_SNDLOC;
	case TELNET_EV_STATUS:
		return TELOPT_STATUS;
	case TELNET_EV_LFLOW:
		return TELOPT_LFLOW;
	case TELNET_EV_SB_RAW:
		return ev->u.sb.opt;
	default:
		return -1;
	}
}

int
probe_muted(const struct session *s, const struct telnet_event *ev)
{
	int opt;

	if (s->probe == NULL || (opt = event_opt(ev)) < 0)
		return 0;
	return (s->probe->asked[opt][0] == ASK_PROBE ||
	    s->probe->asked[opt][1] == ASK_PROBE) &&
	    !telnet_remote_enabled(s->t, (unsigned char)opt) &&
	    !telnet_local_enabled(s->t, (unsigned char)opt);
}
