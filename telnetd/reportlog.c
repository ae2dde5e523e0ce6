/*
 * reportlog.c - the --report-log file, which the root monitor appends to.
 *
 * The path is the admin's, but the file and the directory it lives in may
 * not be: a root process that opens a path must not follow a symbolic link
 * planted there, block on a FIFO, or append to a device or to a file that
 * someone else can rewrite.  So the file is opened without following a
 * link, without blocking and without becoming a controlling terminal, and
 * used only when it is a regular file owned by the daemon's user and not
 * writable by group or others, in a directory that others cannot write to
 * (or whose sticky bit keeps them from replacing it).  The same rules are
 * checked once at start, so a bad path is a clear error then.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

/* The file's directory: not writable by others, unless sticky. */
static int
dir_ok(const char *path, const char **why)
{
	char dir[4096];
	struct stat st;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		*why = "path too long";
		return -1;
	}
	if (stat(dirname(dir), &st) == -1) {
		*why = strerror(errno);
		return -1;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
		*why = "its directory is writable by other users";
		return -1;
	}
	return 0;
}

static int
file_ok(const struct stat *st, const char **why)
{
	if (!S_ISREG(st->st_mode)) {
		*why = "not a regular file";
		return -1;
	}
	if (st->st_uid != geteuid()) {
		*why = "owned by another user";
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		*why = "writable by group or others";
		return -1;
	}
	return 0;
}

static int
report_log_open(const char *path, const char **why)
{
	struct stat st;
	int fd;

	if (dir_ok(path, why) == -1)
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0640);
	if (fd == -1) {
		*why = errno == ELOOP ? "a symbolic link" : errno == ENXIO ?
		    "a FIFO or socket" : strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) == -1 || file_ok(&st, why) == -1) {
		if (*why == NULL)
			*why = strerror(errno);
		close(fd);
		return -1;
	}
	return fd;
}

int
report_log_check(const char *path, const char **why)
{
	int fd;

	*why = NULL;
	if ((fd = report_log_open(path, why)) == -1)
		return -1;
	close(fd);
	return 0;
}

int
report_log_append(const char *path, const char *text, size_t len)
{
	const char *why = NULL;
	struct iovec iov[2];
	ssize_t n;
	int fd;

	if ((fd = report_log_open(path, &why)) == -1) {
		log_warnx("--report-log %s: %s: report not written", path, why);
		return -1;
	}
	iov[0].iov_base = (void *)(uintptr_t)text;
	iov[0].iov_len = len;
	iov[1].iov_base = (void *)(uintptr_t)"\n";
	iov[1].iov_len = 1;
	/* A regular file: a short write means the disk is full. */
	if ((n = writev(fd, iov, 2)) != (ssize_t)len + 1) {
		if (n >= 0)
			errno = ENOSPC;
		log_warn("--report-log %s", path);
		close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		log_warn("--report-log %s", path);
		return -1;
	}
	return 0;
}
