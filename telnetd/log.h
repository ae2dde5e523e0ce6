/*
 * log.h - log.c: syslog (or stderr) lines, safe foreign strings, and the
 * -D traces, gated so that their arguments cost nothing when off.
 */
#ifndef TELNETD_LOG_H
#define TELNETD_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* log.c */
void log_init(int to_stderr, int debug_to_syslog, const char *ident);
/* Look for the syslog socket again (the listener, per connection). */
void log_check_syslog(void);
void log_setproc(const char *proc);
/* Every later line to sink only (the relay: relaylog.c). */
void log_set_sink(void (*sink)(int pri, const char *msg));
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void vlog(int pri, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* A foreign string made safe for a log line: at most LOG_STR_MAX bytes,
 * control and non-ASCII bytes as '?', "..." when cut.  Returns dst. */
const char *log_safe(char *dst, size_t dstsz, const void *src, size_t len);
/* Hex and text dump of bytes for -D netdata / ptydata. */
void log_dump(const char *what, const unsigned char *p, size_t n);
/* A -D trace from a session, monitor or anything with a cfg: logged only
 * while MODE (DBG_*) is on, its arguments not even evaluated otherwise. */
#define log_trace(x, mode, ...) do {					\
	if ((x)->cfg->debug & (mode))					\
		log_debug(__VA_ARGS__);					\
} while (0)
#define log_trace_dump(x, mode, what, p, n) do {			\
	if ((x)->cfg->debug & (mode))					\
		log_dump((what), (p), (n));				\
} while (0)

#endif /* TELNETD_LOG_H */
