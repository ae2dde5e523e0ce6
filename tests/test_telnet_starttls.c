/*
 * test_telnet_starttls.c - START_TLS (option 46,
 * draft-altman-telnet-starttls-02) in the engine: the offer and its
 * answers, the FOLLOWS exchange on both sides, nothing answered while
 * FOLLOWS is pending, feeding that stops right after the peer's FOLLOWS
 * (the bytes after it belong to TLS), the reset that forgets every option
 * and refuses START_TLS from then on, and a client and a server engine
 * talking to each other through the whole transition.
 * The runner and the trace format: telnet_harness.h (every row runs whole
 * and one byte at a time, each row a cmocka test).
 */
#include "telnet_harness.h"

#define O_STLS		"\x2e"
#define FOLLOWS_	SBEG(O_STLS) "\x01" SEND_
#define HELLO		"\x16\x03\x01\x00\x05hello"	/* a TLS record */
#define X8		"xxxxxxxx"
#define X64		X8 X8 X8 X8 X8 X8 X8 X8

/* A server that offers START_TLS, and a client that accepts it. */
static const struct telnet_policy pol_tls_server[] = {
	{ TELOPT_ECHO, 1, 0 },
	{ TELOPT_SGA, 1, 1 },
	{ TELOPT_TM, 1, 0 },
	{ TELOPT_TTYPE, 0, 1 },
	{ TELOPT_NAWS, 0, 1 },
	{ TELOPT_NEW_ENVIRON, 0, 1 },
	{ TELOPT_STARTTLS, 0, 1 },
	{ -1, 0, 0 },
};

static const struct telnet_policy pol_tls_client[] = {
	{ TELOPT_ECHO, 0, 1 },
	{ TELOPT_SGA, 1, 1 },
	{ TELOPT_TTYPE, 1, 0 },
	{ TELOPT_NAWS, 1, 0 },
	{ TELOPT_NEW_ENVIRON, 1, 0 },
	{ TELOPT_STARTTLS, 1, 0 },
	{ -1, 0, 0 },
};

#define SRV	.policy = pol_tls_server
#define CLI	.policy = pol_tls_client, .client = 1
/* The server's offer, its bytes forgotten. */
#define OFFER	RR(TELOPT_STARTTLS, 1), MARK
/* Offered and agreed: our FOLLOWS is out. */
#define AGREED	RR(TELOPT_STARTTLS, 1), FEED(XIAC XWILL O_STLS), MARK

static void
reset(struct telnet *t)
{
	telnet_starttls_reset(t);
}

static const struct tcase starttls_server[] = {
	{ .name = "offer: DO START_TLS goes out", SRV,
	  .steps = { RR(TELOPT_STARTTLS, 1), STATE(TELOPT_STARTTLS) },
	  .trace = { "REQ remote STARTTLS on = 0",
	      "STATE STARTTLS local NO remote WANTYES" },
	  .send = B(XIAC XDO O_STLS) },
	{ .name = "7.1: WILL and FOLLOWS in one read, our FOLLOWS between",
	  SRV, .steps = { OFFER, FEED(XIAC XWILL O_STLS FOLLOWS_) },
	  .trace = { "RECV WILL STARTTLS", "OPT remote STARTTLS on",
	      "STARTTLS" },
	  .send = B(FOLLOWS_) },
	{ .name = "WILL first, the client's FOLLOWS in a later read", SRV,
	  .steps = { OFFER, FEED(XIAC XWILL O_STLS), FEED(FOLLOWS_) },
	  .trace = { "RECV WILL STARTTLS", "OPT remote STARTTLS on",
	      "STARTTLS" },
	  .send = B(FOLLOWS_) },
	{ .name = "the bytes after FOLLOWS are not consumed", SRV,
	  .steps = { OFFER, FEED(XIAC XWILL O_STLS FOLLOWS_ HELLO),
	      FEED("more plain" XIAC XDO O_ECHO) },
	  .trace = { "RECV WILL STARTTLS", "OPT remote STARTTLS on",
	      "STARTTLS" },
	  .send = B(FOLLOWS_) },
	{ .name = "data before the client's FOLLOWS is still data", SRV,
	  .steps = { OFFER, FEED("ab" XIAC XWILL O_STLS "cd" FOLLOWS_ "ef") },
	  .trace = { "DATA \"ab\"", "RECV WILL STARTTLS",
	      "OPT remote STARTTLS on", "DATA \"cd\"", "STARTTLS" },
	  .send = B(FOLLOWS_) },
	{ .name = "the client refuses: plain TELNET goes on", SRV,
	  .steps = { OFFER, FEED(XIAC XWONT O_STLS "x"), RL(TELOPT_ECHO, 1) },
	  .trace = { "RECV WONT STARTTLS", "OPT remote STARTTLS off refused",
	      "DATA \"x\"", "REQ local ECHO on = 0" },
	  .send = B(XIAC XWILL O_ECHO) },
	{ .name = "client's own WILL: DO and FOLLOWS together (3.1 item 2)",
	  SRV, .steps = { FEED(XIAC XWILL O_STLS) },
	  .trace = { "RECV WILL STARTTLS", "OPT remote STARTTLS on" },
	  .send = B(XIAC XDO O_STLS FOLLOWS_) },
	{ .name = "not offered (no policy): WILL refused with DONT",
	  .policy = pol_notm,
	  .steps = { FEED(XIAC XWILL O_STLS FOLLOWS_ "z") },
	  .trace = { "RECV WILL STARTTLS", "ERROR SB_NOT_ENABLED STARTTLS",
	      "DATA \"z\"" },
	  .send = B(XIAC XDONT O_STLS) },
	{ .name = "a server refuses DO START_TLS with WONT (section 3)", SRV,
	  .steps = { FEED(XIAC XDO O_STLS) },
	  .trace = { "RECV DO STARTTLS" },
	  .send = B(XIAC XWONT O_STLS) },
	{ .name = "FOLLOWS before agreement: dropped, not followed", SRV,
	  .steps = { OFFER, FEED(FOLLOWS_ "z") },
	  .trace = { "ERROR SB_NOT_ENABLED STARTTLS", "DATA \"z\"" } },
	{ .name = "after our FOLLOWS: no answer to negotiation", SRV,
	  .steps = { AGREED, FEED(XIAC XDO O_ECHO XIAC XWILL O_NAWS
	      XIAC XDONT O_SGA XIAC XDO O_TM), STATE(TELOPT_ECHO),
	      STATE(TELOPT_NAWS) },
	  .trace = { "RECV DO ECHO", "RECV WILL NAWS", "RECV DONT SGA",
	      "RECV DO TM", "STATE ECHO local NO remote NO",
	      "STATE NAWS local NO remote NO" } },
	{ .name = "after our FOLLOWS: no requests of ours", SRV,
	  .steps = { AGREED, RL(TELOPT_ECHO, 1), RR(TELOPT_TTYPE, 1) },
	  .trace = { "REQ local ECHO on = -1", "REQ remote TTYPE on = -1" } },
	{ .name = "after our FOLLOWS: commands are not answered (section 2)",
	  SRV, .steps = { AGREED, FEED(XIAC XAYT XIAC XAO XIAC XIP XIAC XNOP
	      XIAC XBRK XIAC XEC "ab" FOLLOWS_) },
	  .trace = { "DATA \"ab\"", "STARTTLS" } },
	{ .name = "after our FOLLOWS: a DM still ends a Synch, unreported",
	  SRV, .steps = { AGREED, SYNCH, FEED("x" XIAC XDM "y" FOLLOWS_) },
	  .trace = { "DATA \"y\"", "STARTTLS" } },
	{ .name = "after our FOLLOWS: no command of ours", SRV,
	  .steps = { AGREED, CMD(TELNET_NOP), CMD(TELNET_DM),
	      CMD(TELNET_GA) } },
	{ .name = "after our FOLLOWS: other subnegotiations ignored", SRV,
	  .steps = { FEED(XIAC XWILL O_TTYPE), RR(TELOPT_STARTTLS, 1),
	      FEED(XIAC XWILL O_STLS), MARK,
	      FEED(SBEG(O_TTYPE) "\0xterm" SEND_ FOLLOWS_) },
	  .trace = { "ERROR PROTOCOL TTYPE", "STARTTLS" } },
	{ .name = "FOLLOWS with another sub-command: malformed, then the "
	  "real one", SRV,
	  .steps = { AGREED, FEED(SBEG(O_STLS) "\x02" SEND_
	      SBEG(O_STLS) "\x01\x01" SEND_ SBEG(O_STLS) SEND_
	      SBEG(O_STLS) XIAC XIAC SEND_ FOLLOWS_) },
	  .trace = { "ERROR SB_MALFORMED STARTTLS",
	      "ERROR SB_MALFORMED STARTTLS", "ERROR SB_MALFORMED STARTTLS",
	      "ERROR SB_MALFORMED STARTTLS", "STARTTLS" } },
	{ .name = "a second WILL while FOLLOWS is pending changes nothing",
	  SRV, .steps = { AGREED, FEED(XIAC XWILL O_STLS XIAC XWONT O_STLS
	      FOLLOWS_) },
	  .trace = { "RECV WILL STARTTLS", "RECV WONT STARTTLS",
	      "STARTTLS" } },
	{ .name = "an oversized FOLLOWS is dropped whole", SRV, .sb_max = 64,
	  .steps = { AGREED, FEED(SBEG(O_STLS) "\x01" X64 SEND_ "q") },
	  .trace = { "ERROR SB_OVERFLOW STARTTLS", "DATA \"q\"" } },
	{ .name = "reset: every option back to NO, then a fresh start", SRV,
	  .steps = { FEED(XIAC XDO O_ECHO XIAC XWILL O_TTYPE), OFFER,
	      FEED(XIAC XWILL O_STLS FOLLOWS_), CALL(reset), MARK,
	      STATE(TELOPT_ECHO), STATE(TELOPT_TTYPE),
	      STATE(TELOPT_STARTTLS), RL(TELOPT_ECHO, 1),
	      RR(TELOPT_TTYPE, 1), FEED(XIAC XDO O_ECHO XIAC XWILL O_TTYPE
	      SBEG(O_TTYPE) "\0xterm" SEND_) },
	  .trace = { "STATE ECHO local NO remote NO",
	      "STATE TTYPE local NO remote NO",
	      "STATE STARTTLS local NO remote NO",
	      "REQ local ECHO on = 0", "REQ remote TTYPE on = 0",
	      "RECV DO ECHO", "OPT local ECHO on", "RECV WILL TTYPE",
	      "OPT remote TTYPE on", "TTYPE IS \"xterm\"" },
	  .send = B(XIAC XWILL O_ECHO XIAC XDO O_TTYPE) },
	{ .name = "inside TLS START_TLS is refused both ways (3.1 item 6)",
	  SRV, .steps = { AGREED, FEED(FOLLOWS_), CALL(reset), MARK,
	      RR(TELOPT_STARTTLS, 1), FEED(XIAC XWILL O_STLS FOLLOWS_ "z") },
	  .trace = { "REQ remote STARTTLS on = -1", "RECV WILL STARTTLS",
	      "ERROR SB_NOT_ENABLED STARTTLS", "DATA \"z\"" },
	  .send = B(XIAC XDONT O_STLS) },
	{ .name = "reset before both FOLLOWS does nothing", SRV,
	  .steps = { AGREED, CALL(reset), FEED(FOLLOWS_),
	      STATE(TELOPT_STARTTLS) },
	  .trace = { "STARTTLS", "STATE STARTTLS local NO remote YES" } },
	{ .name = "a Synch pending at the switch is forgotten", SRV,
	  .steps = { AGREED, SYNCH, FEED(FOLLOWS_), CALL(reset), INSYNCH,
	      FEED("typed") },
	  .trace = { "STARTTLS", "SYNCH 0", "DATA \"typed\"" } },
};

static const struct tcase starttls_client[] = {
	{ .name = "client: DO START_TLS answered WILL and FOLLOWS", CLI,
	  .steps = { FEED(XIAC XDO O_STLS) },
	  .trace = { "RECV DO STARTTLS", "OPT local STARTTLS on" },
	  .send = B(XIAC XWILL O_STLS FOLLOWS_) },
	{ .name = "client: the server's FOLLOWS starts TLS", CLI,
	  .steps = { FEED(XIAC XDO O_STLS), MARK, FEED(FOLLOWS_ HELLO) },
	  .trace = { "STARTTLS" } },
	{ .name = "client: asks first, the server agrees", CLI,
	  .steps = { RL(TELOPT_STARTTLS, 1), FEED(XIAC XDO O_STLS FOLLOWS_) },
	  .trace = { "REQ local STARTTLS on = 0", "RECV DO STARTTLS",
	      "OPT local STARTTLS on", "STARTTLS" },
	  .send = B(XIAC XWILL O_STLS FOLLOWS_) },
	{ .name = "client: WILL START_TLS from a server is refused", CLI,
	  .steps = { FEED(XIAC XWILL O_STLS) },
	  .trace = { "RECV WILL STARTTLS" },
	  .send = B(XIAC XDONT O_STLS) },
	{ .name = "client: the server refuses its request", CLI,
	  .steps = { RL(TELOPT_STARTTLS, 1), MARK, FEED(XIAC XDONT O_STLS) },
	  .trace = { "RECV DONT STARTTLS", "OPT local STARTTLS off refused" } },
};


/* ------------------------------------------------------------------ */
/* How much telnet_feed consumes                                        */

struct consume_case {
	const char *name;
	struct bytes in;
	size_t want;		/* bytes consumed in all */
};

static const struct consume_case consume_cases[] = {
	{ "everything without FOLLOWS", B("abc" XIAC XWILL O_STLS "def"), 9 },
	{ "stops right after the client's IAC SE",
	  B(XIAC XWILL O_STLS FOLLOWS_ HELLO), 9 },
	{ "FOLLOWS the very last bytes", B("x" XIAC XWILL O_STLS FOLLOWS_),
	  10 },
	{ "a malformed FOLLOWS does not stop it",
	  B(XIAC XWILL O_STLS SBEG(O_STLS) "\x02" SEND_ "ab"), 11 },
	{ "a TLS record that starts with 0xff",
	  B(XIAC XWILL O_STLS FOLLOWS_ "\xff\xfb\x01"), 9 },
};

/* A server that offered, fed c->in whole or a byte at a time: the sum
 * of what telnet_feed said it consumed. */
static size_t
consume_run(const struct consume_case *c, int bytewise, int *after)
{
	struct tcase tc;
	struct rec r;
	struct telnet *t;
	size_t i, total = 0, n;

	memset(&tc, 0, sizeof(tc));
	tc.policy = pol_tls_server;
	memset(&r, 0, sizeof(r));
	t = new_engine(&tc, &r);
	assert_non_null(t);
	assert_int_equal(telnet_request_remote(t, TELOPT_STARTTLS, 1), 0);
	*after = 0;
	if (!bytewise)
		total = telnet_feed(t, (const unsigned char *)c->in.p, c->in.n);
	else
		for (i = 0; i < c->in.n; i++) {
			n = telnet_feed(t, (const unsigned char *)c->in.p + i,
			    1);
			/* Once it stopped, nothing more is taken. */
			if (total < i)
				*after += (int)n;
			total += n;
		}
	if (telnet_starttls_state(t) == TELNET_TLS_BEGIN)
		*after += (int)telnet_feed(t, (const unsigned char *)"zz", 2);
	telnet_free(t);
	rec_free(&r);
	return total;
}

static void
test_starttls_consumed(void **state)
{
	size_t i, got;
	int after, fails = 0, mode;

	(void)state;
	for (i = 0; i < sizeof(consume_cases) / sizeof(consume_cases[0]); i++)
		for (mode = 0; mode < 2; mode++) {
			got = consume_run(&consume_cases[i], mode, &after);
			if (got != consume_cases[i].want || after != 0) {
				fprintf(stderr, "[%s]%s consumed %zu (want %zu),"
				    " %d after the stop\n",
				    consume_cases[i].name,
				    mode ? " (byte at a time)" : "", got,
				    consume_cases[i].want, after);
				fails++;
			}
		}
	assert_int_equal(fails, 0);
}

/* ------------------------------------------------------------------ */
/* A client and a server engine through the whole transition            */

struct end {
	struct telnet *t;
	struct rec r;
	size_t sent;		/* SEND bytes already passed to the peer */
	size_t stopped_at;	/* where feeding stopped (the TLS start) */
	int stopped;
};

/* Pass what each side sent since the last call to the other. */
static int
pump_once(struct end *from, struct end *to)
{
	size_t n = from->r.send.len - from->sent, used;

	if (n == 0 || to->stopped)
		return 0;
	used = telnet_feed(to->t, (const unsigned char *)from->r.send.p +
	    from->sent, n);
	if (telnet_starttls_state(to->t) == TELNET_TLS_BEGIN) {
		to->stopped = 1;
		to->stopped_at = from->sent + used;
	}
	from->sent += n;
	return 1;
}

static void
end_open(struct end *e, const struct telnet_policy *pol, int client)
{
	struct tcase tc;

	memset(&tc, 0, sizeof(tc));
	tc.policy = pol;
	tc.client = client;
	memset(e, 0, sizeof(*e));
	e->t = new_engine(&tc, &e->r);
	assert_non_null(e->t);
}

static void
test_starttls_roundtrip(void **state)
{
	struct end srv, cli;
	int k;

	(void)state;
	end_open(&srv, pol_tls_server, 0);
	end_open(&cli, pol_tls_client, 1);
	/* The client says what it would do before the server asks, as
	 * C-Kermit does. */
	assert_int_equal(telnet_request_local(cli.t, TELOPT_TTYPE, 1), 0);
	assert_int_equal(telnet_request_remote(srv.t, TELOPT_STARTTLS, 1), 0);
	for (k = 0; k < 10 && (pump_once(&srv, &cli) | pump_once(&cli, &srv));
	    k++)
		;
	rec_flush(&srv.r);
	rec_flush(&cli.r);
	assert_int_equal(telnet_starttls_state(srv.t), TELNET_TLS_BEGIN);
	assert_int_equal(telnet_starttls_state(cli.t), TELNET_TLS_BEGIN);
	assert_non_null(strstr(srv.r.trace.p, "STARTTLS\n"));
	assert_non_null(strstr(cli.r.trace.p, "STARTTLS\n"));
	/* Each stopped right after the other's FOLLOWS, the last bytes it
	 * sent in plain. */
	assert_int_equal(cli.stopped_at, srv.r.send.len);
	assert_int_equal(srv.stopped_at, cli.r.send.len);

	/* TLS is up: both forget, the server asks again, the client answers
	 * as on a new connection. */
	telnet_starttls_reset(srv.t);
	telnet_starttls_reset(cli.t);
	rec_reset(&srv.r);
	rec_reset(&cli.r);
	srv.sent = cli.sent = 0;
	srv.stopped = cli.stopped = 0;
	assert_int_equal(telnet_request_remote(srv.t, TELOPT_TTYPE, 1), 0);
	assert_int_equal(telnet_request_local(srv.t, TELOPT_ECHO, 1), 0);
	assert_int_equal(telnet_request_remote(srv.t, TELOPT_STARTTLS, 1), -1);
	for (k = 0; k < 10 && (pump_once(&srv, &cli) | pump_once(&cli, &srv));
	    k++)
		;
	assert_true(telnet_remote_enabled(srv.t, TELOPT_TTYPE));
	assert_true(telnet_local_enabled(srv.t, TELOPT_ECHO));
	assert_true(telnet_local_enabled(cli.t, TELOPT_TTYPE));
	assert_true(telnet_remote_enabled(cli.t, TELOPT_ECHO));
	assert_int_equal(telnet_starttls_state(srv.t), TELNET_TLS_DONE);
	assert_int_equal(telnet_starttls_state(cli.t), TELNET_TLS_DONE);
	/* A client that asks for START_TLS again inside TLS is refused. */
	assert_int_equal(telnet_request_local(cli.t, TELOPT_STARTTLS, 1), -1);
	telnet_free(srv.t);
	telnet_free(cli.t);
	rec_free(&srv.r);
	rec_free(&cli.r);
}

/* ------------------------------------------------------------------ */
/* The policy swap: START_TLS alone first, the whole table after         */

static const struct telnet_policy pol_offer_only[] = {
	{ TELOPT_STARTTLS, 0, 1 },
	{ -1, 0, 0 },
};

/* The client without START_TLS: it refuses the offer. */
static const struct telnet_policy pol_plain_client[] = {
	{ TELOPT_ECHO, 0, 1 },
	{ TELOPT_TTYPE, 1, 0 },
	{ -1, 0, 0 },
};

static void
pump(struct end *a, struct end *b)
{
	int k;

	for (k = 0; k < 10 && (pump_once(a, b) | pump_once(b, a)); k++)
		;
}

/* While START_TLS is offered nothing else is agreed (a client's WILL
 * TTYPE is refused: its terminal type must not cross in clear); once TLS
 * is up the whole table applies, and START_TLS stays refused even when
 * the new table has it. */
static void
test_starttls_policy_swap(void **state)
{
	struct end srv, cli;

	(void)state;
	end_open(&srv, pol_offer_only, 0);
	end_open(&cli, pol_tls_client, 1);
	assert_int_equal(telnet_request_local(cli.t, TELOPT_TTYPE, 1), 0);
	assert_int_equal(telnet_request_remote(srv.t, TELOPT_TTYPE, 1), -1);
	assert_int_equal(telnet_request_remote(srv.t, TELOPT_STARTTLS, 1), 0);
	pump(&srv, &cli);
	assert_false(telnet_remote_enabled(srv.t, TELOPT_TTYPE));
	assert_false(telnet_local_enabled(cli.t, TELOPT_TTYPE));
	assert_int_equal(telnet_starttls_state(srv.t), TELNET_TLS_BEGIN);
	assert_int_equal(telnet_starttls_state(cli.t), TELNET_TLS_BEGIN);

	telnet_starttls_reset(srv.t);
	telnet_starttls_reset(cli.t);
	telnet_set_policy(srv.t, pol_tls_server);
	srv.sent = srv.r.send.len;
	cli.sent = cli.r.send.len;
	srv.stopped = cli.stopped = 0;
	assert_int_equal(telnet_request_remote(srv.t, TELOPT_STARTTLS, 1), -1);
	assert_int_equal(telnet_request_remote(srv.t, TELOPT_TTYPE, 1), 0);
	pump(&srv, &cli);
	assert_true(telnet_remote_enabled(srv.t, TELOPT_TTYPE));
	assert_int_equal(telnet_request_local(cli.t, TELOPT_STARTTLS, 1), -1);
	telnet_free(srv.t);
	telnet_free(cli.t);
	rec_free(&srv.r);
	rec_free(&cli.r);
}

/* A client that refuses START_TLS: the server goes on in plain with its
 * whole table, where START_TLS is not, so a later WILL START_TLS is
 * refused. */
static void
test_starttls_refused_then_plain(void **state)
{
	static const unsigned char late[] = { TELNET_IAC, TELNET_WILL,
	    TELOPT_STARTTLS };
	static const struct telnet_policy pol_plain_server[] = {
		{ TELOPT_ECHO, 1, 0 },
		{ TELOPT_TTYPE, 0, 1 },
		{ -1, 0, 0 },
	};
	struct end srv, cli;

	(void)state;
	end_open(&srv, pol_offer_only, 0);
	end_open(&cli, pol_plain_client, 1);
	assert_int_equal(telnet_request_remote(srv.t, TELOPT_STARTTLS, 1), 0);
	pump(&srv, &cli);
	assert_int_equal(telnet_remote_state(srv.t, TELOPT_STARTTLS),
	    TELNET_Q_NO);
	assert_non_null(strstr(srv.r.trace.p, "OPT remote STARTTLS off refused"));
	telnet_set_policy(srv.t, pol_plain_server);
	assert_int_equal(telnet_request_remote(srv.t, TELOPT_TTYPE, 1), 0);
	pump(&srv, &cli);
	assert_true(telnet_remote_enabled(srv.t, TELOPT_TTYPE));
	rec_reset(&srv.r);
	assert_int_equal(telnet_feed(srv.t, late, sizeof(late)), sizeof(late));
	rec_flush(&srv.r);
	assert_int_equal(srv.r.send.len, 3);
	assert_memory_equal(srv.r.send.p, "\xff\xfe\x2e", 3);	/* DONT */
	assert_int_equal(telnet_starttls_state(srv.t), TELNET_TLS_NONE);
	telnet_free(srv.t);
	telnet_free(cli.t);
	rec_free(&srv.r);
	rec_free(&cli.r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starttls_consumed),
		cmocka_unit_test(test_starttls_roundtrip),
		cmocka_unit_test(test_starttls_policy_swap),
		cmocka_unit_test(test_starttls_refused_then_plain),
	};
	int fails = 0;

	fails += RUN_TABLE(starttls_server);
	fails += RUN_TABLE(starttls_client);
	fails += cmocka_run_group_tests_name("telnet_starttls", tests, NULL,
	    NULL);
	return fails != 0;
}
