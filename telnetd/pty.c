/*
 * pty.c - a fresh pty in packet mode, and the program's side of it.
 *
 * The child becomes a session leader with the pty as its controlling
 * terminal on descriptors 0-2, with every other descriptor closed and
 * every signal disposition and the signal mask back to default (a program
 * that inherits SIG_IGN for SIGHUP outlives its client).
 */
#include <sys/types.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "telnetd.h"

int
pty_open(int *master, int *slave, char *name, size_t namesz)
{
	char path[64];
	int m, s, on = 1;

	*master = *slave = -1;
	if ((m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	if (grantpt(m) == -1 || unlockpt(m) == -1 ||
	    ptsname_r(m, path, sizeof(path)) != 0)
		goto fail;
	if ((s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		goto fail;
	/* Packet mode: every read of the master starts with a status
	 * byte, so flushes and flow control changes reach the relay. */
	if (ioctl(m, TIOCPKT, &on) == -1) {
		close(s);
		goto fail;
	}
	if (strncmp(path, "/dev/", 5) == 0)
		strlcpy(name, path + 5, namesz);
	else
		strlcpy(name, path, namesz);
	*master = m;
	*slave = s;
	return 0;
fail:
	{
		int e = errno;

		close(m);
		errno = e;
	}
	return -1;
}

/* The nearest termios speed at or below bps. */
static speed_t
speed_of(uint32_t bps)
{
	static const struct { uint32_t bps; speed_t sp; } tab[] = {
		{ 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 },
		{ 150, B150 }, { 200, B200 }, { 300, B300 }, { 600, B600 },
		{ 1200, B1200 }, { 1800, B1800 }, { 2400, B2400 },
		{ 4800, B4800 }, { 9600, B9600 }, { 19200, B19200 },
		{ 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 },
		{ 230400, B230400 }, { 460800, B460800 }, { 500000, B500000 },
		{ 576000, B576000 }, { 921600, B921600 },
		{ 1000000, B1000000 }, { 1152000, B1152000 },
		{ 1500000, B1500000 }, { 2000000, B2000000 },
		{ 2500000, B2500000 }, { 3000000, B3000000 },
		{ 3500000, B3500000 }, { 4000000, B4000000 },
	};
	size_t i;
	speed_t sp = B0;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].bps <= bps)
			sp = tab[i].sp;
	return sp;
}

void
pty_setup(int slave, uint16_t col, uint16_t row, uint32_t tx, uint32_t rx)
{
	struct termios tio;

	if (col != 0 && row != 0) {
		struct winsize ws;

		memset(&ws, 0, sizeof(ws));
		ws.ws_col = col;
		ws.ws_row = row;
		if (ioctl(slave, TIOCSWINSZ, &ws) == -1)
			log_warn("TIOCSWINSZ");
	}
	if ((tx != 0 || rx != 0) && tcgetattr(slave, &tio) == 0) {
		if (tx != 0 && speed_of(tx) != B0)
			cfsetospeed(&tio, speed_of(tx));
		if (rx != 0 && speed_of(rx) != B0)
			cfsetispeed(&tio, speed_of(rx));
		if (tcsetattr(slave, TCSANOW, &tio) == -1)
			log_warn("tcsetattr");
	}
}

int
pty_child_setup(int slave)
{
	struct sigaction sa;
	sigset_t none;
	int fd, sig;

	if (setsid() == -1)
		return -1;
	if (ioctl(slave, TIOCSCTTY, 0) == -1)
		return -1;
	/* Verify: the pty is now our controlling terminal. */
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY)) == -1)
		return -1;
	close(fd);
	if (dup2(slave, 0) == -1 || dup2(slave, 1) == -1 ||
	    dup2(slave, 2) == -1)
		return -1;
	closefrom(3);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	return 0;
}
