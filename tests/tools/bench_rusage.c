/*
 * bench_rusage.c - run a command and report the CPU time of its whole
 * process tree.
 *
 *	bench_rusage FILE CMD [ARG...]
 *
 * Put between inetd_launcher and a daemon: the daemon gets descriptors 0-2
 * (the connection) as usual, while this process lets go of them at once so
 * the connection's life is the daemon's alone.  It is a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so every descendant of the daemon that its own
 * parent does not reap is reparented here and reaped; after the last one
 * is gone, getrusage(RUSAGE_CHILDREN) holds the user and system time of
 * every process of the session, whatever the daemon's process layout
 * (privilege-separated monitor and relay, the session program).  One line
 * is appended to FILE:
 *
 *	tree PID UTIME_US STIME_US MAXRSS_KIB
 *
 * where PID is the daemon's.  The session program reports its own share
 * (bench_sess RUSAGE), which the benchmark subtracts.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	char line[160];
	pid_t pid;
	int fd, len;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_rusage FILE CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		execv(argv[2], argv + 2);
		_exit(127);
	}
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
		return 1;
	len = snprintf(line, sizeof(line), "tree %ld %lld %lld %ld\n",
	    (long)pid,
	    (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
	    (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
	    ru.ru_maxrss);
	fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return 1;
	if (write(fd, line, (size_t)len) != len)
		return 1;
	close(fd);
	return 0;
}
