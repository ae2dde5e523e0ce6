/* test_linemode.c - RFC 1184 MODE and SLC decisions (telnetd/linemode.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "linemode.h"

/* A canonical terminal as login leaves it (Linux defaults). */
static void
cooked(struct termios *t)
{
	memset(t, 0, sizeof(*t));
	t->c_iflag = ICRNL | IXON;
	t->c_oflag = OPOST | ONLCR;
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
	    IEXTEN;
	t->c_cc[VINTR] = 3;
	t->c_cc[VQUIT] = 0x1c;
	t->c_cc[VERASE] = 0x7f;
	t->c_cc[VKILL] = 0x15;
	t->c_cc[VEOF] = 4;
	t->c_cc[VSTART] = 0x11;
	t->c_cc[VSTOP] = 0x13;
	t->c_cc[VSUSP] = 0x1a;
	t->c_cc[VREPRINT] = 0x12;
	t->c_cc[VDISCARD] = 0x0f;
	t->c_cc[VWERASE] = 0x17;
	t->c_cc[VLNEXT] = 0x16;
	t->c_cc[VEOL] = _POSIX_VDISABLE;
	t->c_cc[VEOL2] = _POSIX_VDISABLE;
}

static const struct telnet_slc *
find(const struct lm_out *o, unsigned char f)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->slc[i].func == f)
			return &o->slc[i];
	return NULL;
}

static void
test_mode_follows_termios(void **state)
{
	struct termios t;
	struct linemode lm;
	unsigned char m = 0;

	(void)state;
	cooked(&t);
	lm_init(&lm, &t);
	assert_int_equal(lm.mode, LM_MODE_EDIT | LM_MODE_TRAPSIG);
	assert_int_equal(lm_mode_update(&lm, &t, &m), 0);
	t.c_lflag &= ~ICANON;		/* vi */
	assert_int_equal(lm_mode_update(&lm, &t, &m), 1);
	assert_int_equal(m, LM_MODE_TRAPSIG);
	t.c_lflag &= ~(ISIG | ECHOCTL);
	t.c_oflag |= TAB3;
	assert_int_equal(lm_mode_update(&lm, &t, &m), 1);
	assert_int_equal(m, LM_MODE_SOFT_TAB | LM_MODE_LIT_ECHO);
	assert_true(lm_want_will_echo(&t));
	cooked(&t);
	assert_false(lm_want_will_echo(&t));
	t.c_lflag &= ~ECHO;		/* a password prompt */
	assert_true(lm_want_will_echo(&t));
}

static void
test_mode_recv(void **state)
{
	struct termios t;
	struct linemode lm;
	unsigned char r = 0;

	(void)state;
	cooked(&t);
	lm_init(&lm, &t);
	/* The client confirms: no reply ever to MODE_ACK (2.2). */
	assert_int_equal(lm_mode_recv(&lm, LM_MODE_EDIT | LM_MODE_TRAPSIG |
	    LM_MODE_ACK, &r), 0);
	assert_true(lm.mode_acked);
	/* A request equal to the mode in force is ignored. */
	assert_int_equal(lm_mode_recv(&lm, LM_MODE_EDIT | LM_MODE_TRAPSIG,
	    &r), 0);
	/* Another mode asked for: we answer with ours. */
	assert_int_equal(lm_mode_recv(&lm, LM_MODE_EDIT, &r), 1);
	assert_int_equal(r, LM_MODE_EDIT | LM_MODE_TRAPSIG);
	/* An ACK of a different mode switches the server (2.2). */
	assert_int_equal(lm_mode_recv(&lm, LM_MODE_TRAPSIG | LM_MODE_ACK,
	    &r), 0);
	assert_int_equal(lm.mode, LM_MODE_TRAPSIG);
}

static void
test_slc_import_defaults(void **state)
{
	struct termios t;
	struct linemode lm;
	struct lm_out o;
	struct telnet_slc req = { 0, SLC_DEFAULT, 0 };
	const struct telnet_slc *e;

	(void)state;
	cooked(&t);
	lm_init(&lm, &t);
	lm_slc_recv(&lm, &req, 1, &t, &o);
	assert_int_equal(o.n, SLC_MAXFUNC);
	assert_false(o.truncated);
	e = find(&o, SLC_IP);
	assert_non_null(e);
	assert_int_equal(e->flags, SLC_VALUE | SLC_FLUSHIN | SLC_FLUSHOUT);
	assert_int_equal(e->value, 3);
	e = find(&o, SLC_EC);
	assert_int_equal(e->flags, SLC_VALUE);
	assert_int_equal(e->value, 0x7f);
	/* No termios slot: the client's own choice (5.5). */
	e = find(&o, SLC_AYT);
	assert_int_equal(e->flags, SLC_DEFAULT);
	assert_int_equal(e->value, 0);
	/* A disabled slot is not supported. */
	e = find(&o, SLC_FORW1);
	assert_int_equal(e->flags, SLC_NOSUPPORT);
}

static void
test_slc_client_sets_values(void **state)
{
	struct termios t;
	struct linemode lm;
	struct lm_out o;
	struct telnet_slc in[] = {
		{ SLC_EC, SLC_VALUE, 0x08 },		/* change: agree */
		{ SLC_IP, SLC_VALUE | SLC_FLUSHIN | SLC_FLUSHOUT, 3 }, /* same */
		{ SLC_EL, SLC_VALUE | SLC_ACK, 0x18 },	/* ACK: ignored */
		{ SLC_SUSP, SLC_NOSUPPORT, 0 },		/* disable: agree */
		{ SLC_AYT, SLC_VALUE, 0x14 },		/* no slot: ack */
		{ 99, SLC_VALUE, 5 },			/* unknown function */
		{ SLC_EOF, SLC_DEFAULT, 0 },		/* wants ours */
	};

	(void)state;
	cooked(&t);
	lm_init(&lm, &t);
	assert_int_equal(lm_slc_recv(&lm, in, sizeof(in) / sizeof(in[0]), &t,
	    &o), 1);
	assert_int_equal(o.n, 5);
	assert_int_equal(o.slc[0].func, SLC_EC);
	assert_int_equal(o.slc[0].flags, SLC_VALUE | SLC_ACK);
	assert_int_equal(o.slc[0].value, 0x08);
	assert_int_equal(t.c_cc[VERASE], 0x08);
	assert_int_equal(t.c_cc[VKILL], 0x15);	/* ACKed triplet not applied */
	assert_int_equal(o.slc[1].func, SLC_SUSP);
	assert_int_equal(o.slc[1].flags, SLC_NOSUPPORT | SLC_ACK);
	assert_int_equal(t.c_cc[VSUSP], _POSIX_VDISABLE);
	assert_int_equal(o.slc[2].func, SLC_AYT);
	assert_int_equal(o.slc[2].flags, SLC_VALUE | SLC_ACK);
	assert_int_equal(o.slc[2].value, 0x14);
	assert_int_equal(o.slc[3].func, 99);
	assert_int_equal(o.slc[3].flags, SLC_NOSUPPORT);
	/* EOF was already at our default value: its level was VALUE, the
	 * request is DEFAULT, so we answer our value. */
	assert_int_equal(o.slc[4].func, SLC_EOF);
	assert_int_equal(o.slc[4].flags, SLC_VALUE);
	assert_int_equal(o.slc[4].value, 4);
}

/* CVE-2026-32746: a long list of unsupported functions with 0xff values
 * must give a bounded answer. */
static void
test_slc_hostile_list_bounded(void **state)
{
	struct termios t;
	struct linemode lm;
	struct lm_out o;
	struct telnet_slc in[TELNET_SLC_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < TELNET_SLC_MAX; i++) {
		in[i].func = (unsigned char)(SLC_MAXFUNC + 1 + i);
		in[i].flags = 0xff & ~SLC_ACK;
		in[i].value = 0xff;
	}
	cooked(&t);
	lm_init(&lm, &t);
	lm_slc_recv(&lm, in, TELNET_SLC_MAX, &t, &o);
	assert_true(o.n <= LM_OUT_MAX);
	assert_int_equal(o.n, TELNET_SLC_MAX);
	for (i = 0; i < o.n; i++)
		assert_int_equal(o.slc[i].flags, SLC_NOSUPPORT);
}

static void
test_slc_diff(void **state)
{
	struct termios t;
	struct linemode lm;
	struct lm_out o;

	(void)state;
	cooked(&t);
	lm_init(&lm, &t);
	lm_slc_diff(&lm, &t, &o);
	assert_int_equal(o.n, 0);
	t.c_cc[VINTR] = 0x07;
	t.c_cc[VEOL] = 0x0a;
	lm_slc_diff(&lm, &t, &o);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.slc[0].func, SLC_IP);
	assert_int_equal(o.slc[0].flags, SLC_VALUE | SLC_FLUSHIN | SLC_FLUSHOUT);
	assert_int_equal(o.slc[0].value, 0x07);
	assert_int_equal(o.slc[1].func, SLC_FORW1);
	assert_int_equal(o.slc[1].value, 0x0a);
	lm_slc_diff(&lm, &t, &o);
	assert_int_equal(o.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_follows_termios),
		cmocka_unit_test(test_mode_recv),
		cmocka_unit_test(test_slc_import_defaults),
		cmocka_unit_test(test_slc_client_sets_values),
		cmocka_unit_test(test_slc_hostile_list_bounded),
		cmocka_unit_test(test_slc_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
