/*
 * relaylog.c - the relay's log lines, sent to the monitor.
 *
 * The relay holds no syslog socket and no standard error (its 0-2 are
 * /dev/null): under its seccomp filter it could not reconnect a syslog
 * socket, and what it inherited as standard error (with --listen, the
 * admin's terminal or a log file) is no place for a process an attacker
 * may run.  Each line goes to the monitor as one PS_LOG message on the
 * socketpair they already share, without waiting (MSG_DONTWAIT): a full
 * socket drops the line and counts it.  The relay keeps to a rate (a
 * token bucket: RELAYLOG_BURST lines, then RELAYLOG_RATE a second; with
 * -D its debug lines are not limited) and tells the monitor how many
 * lines it dropped with the next one it sends.
 *
 * The monitor trusts none of it: it checks each message (length,
 * priority, printable ASCII, as it checks PS_REPORT), applies the same
 * limit again, and logs the line under its own syslog and standard error
 * as "relay for HOST: ...", so a relay's line can never pass for one of
 * the monitor's own.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include "telnetd.h"

int
relaylog_take(struct relaylog_limit *l, int64_t now)
{
	int64_t add;

	if (!l->full) {
		l->full = 1;
		l->t = now;
		l->tokens = RELAYLOG_BURST;
	} else if (now > l->t &&
	    (add = (now - l->t) * RELAYLOG_RATE / 1000) > 0) {
		if (add >= (int64_t)(RELAYLOG_BURST - l->tokens)) {
			l->tokens = RELAYLOG_BURST;
			l->t = now;
		} else {
			l->tokens += (unsigned int)add;
			l->t += add * 1000 / RELAYLOG_RATE;
		}
	}
	if (l->tokens == 0) {
		l->dropped++;
		return 0;
	}
	l->tokens--;
	return 1;
}

/* --- the relay ------------------------------------------------------- */

/* The relay's logging state, set once by relaylog_start() in the relay
 * (process-wide, like log.c's own set-up). */
static struct {
	int fd;
	int debug;
	struct relaylog_limit lim;
	unsigned int lost;	/* the socket was full */
} rl = { -1, 0, { 0, 0, 0, 0 }, 0 };

static void
relay_sink(int pri, const char *msg)
{
	struct ps_log m;
	size_t len;

	if (rl.fd == -1)
		return;
	if (!(rl.debug && pri == LOG_DEBUG) &&
	    !relaylog_take(&rl.lim, now_ms()))
		return;
	memset(&m, 0, offsetof(struct ps_log, text));
	m.type = PS_LOG;
	m.pri = pri < LOG_CRIT ? LOG_CRIT : pri > LOG_DEBUG ? LOG_DEBUG : pri;
	m.dropped = rl.lim.dropped + rl.lost;
	for (len = 0; len < sizeof(m.text) && msg[len] != '\0'; len++)
		m.text[len] = (msg[len] >= 0x20 && msg[len] < 0x7f) ?
		    msg[len] : '?';
	if (len == 0)
		return;
	if (len == sizeof(m.text) && msg[len] != '\0')
		memcpy(m.text + len - 3, "...", 3);	/* cut */
	if (send(rl.fd, &m, offsetof(struct ps_log, text) + len,
	    MSG_DONTWAIT | MSG_NOSIGNAL) == -1) {
		/* The monitor is behind: this line is lost, and counted.
		 * (It is gone: nothing to tell anyone.) */
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)
			rl.lost++;
		return;
	}
	rl.lim.dropped = 0;
	rl.lost = 0;
}

void
relaylog_start(int mon, int debug)
{
	rl.fd = mon;
	rl.debug = debug;
	log_set_sink(relay_sink);
}

/* --- the monitor ----------------------------------------------------- */

static void logpri(int pri, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
logpri(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

int
relaylog_accept(struct relaylog_limit *l, const struct config *cfg,
    const char *host, const void *msg, size_t len)
{
	struct ps_log m;
	size_t tl, i;

	if (len <= offsetof(struct ps_log, text) || len > sizeof(m))
		return -1;
	memcpy(&m, msg, len);
	tl = len - offsetof(struct ps_log, text);
	if (m.type != PS_LOG || m.pri < LOG_CRIT || m.pri > LOG_DEBUG)
		return -1;
	for (i = 0; i < tl; i++)
		if ((unsigned char)m.text[i] < 0x20 ||
		    (unsigned char)m.text[i] > 0x7e)
			return -1;
	if (!(cfg->debug && m.pri == LOG_DEBUG) &&
	    !relaylog_take(l, now_ms())) {
		if (l->dropped == 1)
			log_warnx("relay for %s: more than %d log lines at "
			    "once or %d a second: not logging them", host,
			    RELAYLOG_BURST, RELAYLOG_RATE);
		return 0;
	}
	if (m.dropped > 0)
		logpri(m.pri, "relay for %s: %.*s (%u earlier lines dropped)",
		    host, (int)tl, m.text, m.dropped);
	else
		logpri(m.pri, "relay for %s: %.*s", host, (int)tl, m.text);
	return 0;
}

/* More messages than the monitor's socket can hold at once. */
#define RELAYLOG_DRAIN_MAX	4096

void
relaylog_drain(struct relaylog_limit *l, const struct config *cfg, int mon,
    const char *host)
{
	char buf[sizeof(struct ps_log) + 1];
	uint32_t type;
	ssize_t n;
	int i;

	/* Bounded: the socket holds a few hundred messages at most. */
	for (i = 0; mon != -1 && i < RELAYLOG_DRAIN_MAX; i++) {
		if (recv(mon, &type, sizeof(type), MSG_PEEK | MSG_DONTWAIT) !=
		    (ssize_t)sizeof(type) || type != PS_LOG)
			return;
		if ((n = recv(mon, buf, sizeof(buf), MSG_DONTWAIT)) <= 0 ||
		    relaylog_accept(l, cfg, host, buf, (size_t)n) == -1)
			return;
	}
}

void
relaylog_end(const struct relaylog_limit *l, const char *host)
{
	if (l->dropped > 0)
		log_warnx("relay for %s: %u log lines over the limit were not "
		    "logged", host, l->dropped);
}
