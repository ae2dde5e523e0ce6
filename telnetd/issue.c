/*
 * issue.c - the banner shown before login: /etc/issue.net (or --issue),
 * with the escapes expanded, written to the new terminal by the program's
 * child before it starts the program.  -h shows nothing.
 *
 * Escapes: the percent forms of the BSD, netkit and GNU inetutils telnetds
 * (%h host name, %t tty, %d date and time, %s system name, %m machine,
 * %r release, %v version, %D domain, %% a percent sign) and the backslash
 * forms of agetty that make sense over a network (\n node name, \s, \m,
 * \r, \v, \o domain, \l tty, \d date, \t time, \\ a backslash).  Anything
 * else is printed as it is.
 */
#include <sys/types.h>
#include <sys/utsname.h>

#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "telnetd.h"

#define ISSUE_MAX	8192

static size_t
put(char *out, size_t outsz, size_t o, const char *s)
{
	size_t l = strlen(s);

	if (o >= outsz)
		return o;
	if (l > outsz - o)
		l = outsz - o;
	/* out is counted, not a C string: no NUL here. */
	memcpy(out + o, s, l);	/* NOLINT(bugprone-not-null-terminated-result) */
	return o + l;
}

enum tfmt { T_LONG, T_DATE, T_TIME };

static const char *
timestr(char *buf, size_t sz, enum tfmt f)
{
	time_t now = time(NULL);
	struct tm tm;
	size_t n = 0;

	if (localtime_r(&now, &tm) != NULL) {
		if (f == T_LONG)
			n = strftime(buf, sz, "%l:%M %p on %A, %d %B %Y", &tm);
		else if (f == T_DATE)
			n = strftime(buf, sz, "%a %b %e %Y", &tm);
		else
			n = strftime(buf, sz, "%H:%M:%S", &tm);
	}
	if (n == 0)
		buf[0] = '\0';
	return buf;
}

size_t
issue_expand(const char *in, size_t inlen, char *out, size_t outsz,
    const char *tty, const char *host)
{
	struct utsname u;
	char tbuf[64], c[2] = { 0, 0 };
	size_t i, o = 0;

	if (uname(&u) == -1)
		memset(&u, 0, sizeof(u));
	for (i = 0; i < inlen && o < outsz; i++) {
		const char *rep = NULL;
		char e;

		if ((in[i] != '%' && in[i] != '\\') || i + 1 >= inlen) {
			out[o++] = in[i];
			continue;
		}
		e = in[i + 1];
		if (in[i] == '%') {
			switch (e) {
			case 'h': rep = u.nodename; break;
			case 't': rep = tty; break;
			case 'd':
				rep = timestr(tbuf, sizeof(tbuf), T_LONG);
				break;
			case 's': rep = u.sysname; break;
			case 'm': rep = u.machine; break;
			case 'r': rep = u.release; break;
			case 'v': rep = u.version; break;
			case 'D': rep = u.domainname; break;
			case '%': rep = "%"; break;
			}
		} else {
			switch (e) {
			case 'n': rep = u.nodename; break;
			case 's': rep = u.sysname; break;
			case 'm': rep = u.machine; break;
			case 'r': rep = u.release; break;
			case 'v': rep = u.version; break;
			case 'o': rep = u.domainname; break;
			case 'l': rep = tty; break;
			case 'd':
				rep = timestr(tbuf, sizeof(tbuf), T_DATE);
				break;
			case 't':
				rep = timestr(tbuf, sizeof(tbuf), T_TIME);
				break;
			case '\\': rep = "\\"; break;
			}
		}
		if (rep == NULL) {
			c[0] = in[i];
			o = put(out, outsz, o, c);
			continue;
		}
		o = put(out, outsz, o, rep);
		i++;
	}
	(void)host;	/* the client's name is not the host's information */
	return o;
}

const char *
issue_render(const char *file, const char *tty, const char *host,
    size_t *outlen)
{
	static char in[ISSUE_MAX], out[ISSUE_MAX * 2];
	ssize_t n;
	size_t len = 0;
	int f;

	*outlen = 0;
	if ((f = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return NULL;
	while (len < sizeof(in) &&
	    (n = read(f, in + len, sizeof(in) - len)) > 0)
		len += (size_t)n;
	close(f);
	*outlen = issue_expand(in, len, out, sizeof(out), tty, host);
	return out;
}
