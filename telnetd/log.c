/*
 * log.c - logging after OpenBSD's log.c: log_warn (with errno), log_warnx,
 * log_info, log_debug, fatal, fatalx.
 *
 * Everything goes to syslog.  In standalone mode (--listen) it goes to
 * standard error too, each line with its syslog priority as a "<N>"
 * prefix when standard error is the journal (systemd's JOURNAL_STREAM
 * names its device and inode), so journalctl -p knows a warning.  In
 * inetd mode descriptors 0-2 are the client's socket, so nothing is ever
 * written to them: -D traces go to syslog at debug priority instead.
 * Strings that came from the network are passed through log_safe() by the
 * callers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"	/* LOG_STR_MAX */
#include "log.h"

/* Process-wide logging setup, written once at start-up (and once more in
 * each child to name it), read by the functions below. */
static int log_stderr;
static int log_journal;		/* stderr is the journal: "<N>" prefixes */
static int log_syslog;		/* the host has a syslog socket */
static const char *log_ident = "telnetd";
static const char *log_proc = "";
/* The relay's lines go to the monitor instead (relaylog.c). */
static void (*log_sink)(int, const char *);

/*
 * JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected to the
 * service's stdout/stderr (systemd.exec(5)).  It is inherited by whatever
 * the service starts, so it counts only when it names our stderr itself.
 */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;
	char *end;

	if (js == NULL || fstat(STDERR_FILENO, &st) == -1)
		return 0;
	errno = 0;
	dev = strtoumax(js, &end, 10);
	if (errno != 0 || end == js || *end != ':')
		return 0;
	js = end + 1;
	ino = strtoumax(js, &end, 10);
	if (errno != 0 || end == js || *end != '\0')
		return 0;
	return dev == (uintmax_t)st.st_dev && ino == (uintmax_t)st.st_ino;
}

void
log_init(int to_stderr, int debug_to_syslog, const char *ident)
{
	log_stderr = to_stderr;
	log_journal = to_stderr && stderr_is_journal();
	log_ident = ident;
	(void)debug_to_syslog;
	log_check_syslog();
}

/*
 * Is there a syslog socket?  While there is none (a container, a minimal
 * host), glibc's syslog() tries to connect again for every message: a
 * socket, a failed connect and a close, three times per session.  Asked
 * of the file system instead: at start-up, and by the listener once per
 * connection, so a syslog daemon started later is used from then on.
 */
void
log_check_syslog(void)
{
	int had = log_syslog;

	log_syslog = access(_PATH_LOG, F_OK) == 0;
	if (log_syslog && !had) {
		/* LOG_NDELAY: connect now, so a relay that loses its file
		 * system view later keeps its syslog socket. */
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		/* syslog() stamps local time: load the zone now, while
		 * files can still be opened (the relay later cannot). */
		tzset();
	}
}

/*
 * From now on every line goes to sink and nowhere else: the relay, whose
 * descriptors 0-2 are /dev/null and which has no syslog socket (it could
 * not reconnect one under its seccomp filter), hands its lines to the
 * monitor.
 */
void
log_set_sink(void (*sink)(int pri, const char *msg))
{
	log_sink = sink;
	if (log_syslog)
		closelog();
	log_syslog = 0;
	log_stderr = 0;
}

void
log_setproc(const char *proc)
{
	log_proc = proc != NULL ? proc : "";
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_sink != NULL) {
		log_sink(pri, msg);
		errno = saved;
		return;
	}
	if (log_stderr) {
		char pfx[8] = "";

		/* One write per line: sessions share the stream. */
		if (log_journal)
			snprintf(pfx, sizeof(pfx), "<%d>", pri & LOG_PRIMASK);
		fprintf(stderr, "%stelnetd[%ld]%s%s: %s\n", pfx, (long)getpid(),
		    *log_proc ? " " : "", log_proc, msg);
		fflush(stderr);
	}
	/* Debug traces go to stderr alone when there is a stderr. */
	if (log_syslog && !(log_stderr && pri == LOG_DEBUG))
		syslog(pri, "%s%s%s", log_proc, *log_proc ? ": " : "", msg);
	errno = saved;
}

static void
vlog_errno(int pri, int err, const char *fmt, va_list ap)
{
	char fmtbuf[512];

	snprintf(fmtbuf, sizeof(fmtbuf), "%s: %s", fmt, strerror(err));
	/* The format is the caller's checked format plus a literal. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vlog(pri, fmtbuf, ap);
#pragma GCC diagnostic pop
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, err, fmt, ap);
	va_end(ap);
	errno = err;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

const char *
log_safe(char *dst, size_t dstsz, const void *src, size_t len)
{
	const unsigned char *s = src;
	size_t i, max = LOG_STR_MAX;

	if (dstsz == 0)
		return dst;
	if (max > dstsz - 1)
		max = dstsz - 1;
	for (i = 0; i < len && i < max; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	dst[i] = '\0';
	if (i < len && i >= 3)
		memcpy(dst + i - 3, "...", 3);
	return dst;
}

void
log_dump(const char *what, const unsigned char *p, size_t n)
{
	char line[4 * 64 + 1];
	size_t i, off = 0, shown = n < 256 ? n : 256;

	while (off < shown) {
		size_t l = 0;

		for (i = off; i < shown && i < off + 64; i++) {
			unsigned char c = p[i];

			if (c >= 0x20 && c < 0x7f && c != '\\')
				line[l++] = (char)c;
			else if (c == '\r' || c == '\n' || c == '\\') {
				line[l++] = '\\';
				line[l++] = c == '\r' ? 'r' : c == '\n' ? 'n' : '\\';
			} else
				l += (size_t)snprintf(line + l, sizeof(line) - l,
				    "\\%03o", c);
		}
		line[l] = '\0';
		log_debug("%s %zu bytes%s: \"%s\"", what, n,
		    off == 0 ? "" : " (cont.)", line);
		off = i;
	}
	if (shown < n)
		log_debug("%s (%zu more bytes not shown)", what, n - shown);
}
