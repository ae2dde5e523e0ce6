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
 *
 * --report-dir=DIR: one file per new fingerprint, written by the same
 * root monitor, so stricter still: DIR itself is a directory (not a link
 * to one) owned by root or the daemon's user and writable by no one else,
 * sticky or not; a file is named by the fingerprints alone (hex digits
 * the monitor checks, never text from the client), created with O_EXCL
 * (an existing file or link is never opened: that fingerprint is not
 * new), and REPORT_DIR_MAX files at most, so a client that varies its
 * answers to make new fingerprints fills no disk.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/* Write text and a newline to fd and close it: 0, or -1 with errno.  A
 * regular file: a short write means the disk is full. */
static int
write_line(int fd, const char *text, size_t len)
{
	struct iovec iov[2];
	ssize_t n;
	int saved;

	iov[0].iov_base = (void *)(uintptr_t)text;
	iov[0].iov_len = len;
	iov[1].iov_base = (void *)(uintptr_t)"\n";
	iov[1].iov_len = 1;
	if ((n = writev(fd, iov, 2)) != (ssize_t)len + 1) {
		saved = n >= 0 ? ENOSPC : errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

int
report_log_append(const char *path, const char *text, size_t len)
{
	const char *why = NULL;
	int fd;

	if ((fd = report_log_open(path, &why)) == -1) {
		log_warnx("--report-log %s: %s: report not written", path, why);
		return -1;
	}
	if (write_line(fd, text, len) == -1) {
		log_warn("--report-log %s", path);
		return -1;
	}
	return 0;
}

/* DIR opened for openat: a real directory of ours, writable by no one
 * else. */
static int
report_dir_open(const char *dir, const char **why)
{
	struct stat st;
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		/* A link gives ELOOP or, with O_DIRECTORY, ENOTDIR. */
		if (errno == ELOOP || (errno == ENOTDIR &&
		    lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)))
			*why = "a symbolic link";
		else
			*why = errno == ENOTDIR ? "not a directory" :
			    strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		*why = "owned by another user";
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		*why = "writable by group or others";
		close(fd);
		return -1;
	}
	return fd;
}

int
report_dir_check(const char *dir, const char **why)
{
	int fd;

	*why = NULL;
	if ((fd = report_dir_open(dir, why)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* Files in the directory (a fresh look each time: an admin may clear
 * it while the daemon runs). */
static size_t
dir_files(int dfd)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int fd;

	if ((fd = dup(dfd)) == -1)
		return REPORT_DIR_MAX;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return REPORT_DIR_MAX;
	}
	while ((de = readdir(d)) != NULL && n < REPORT_DIR_MAX)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int
report_dir_save(const char *dir, const char *protocol, const char *terminal,
    const char *text, size_t len)
{
	char name[64];
	const char *why = NULL;
	int dfd, fd;

	if (!fp_hash_ok(protocol, strlen(protocol)) ||
	    (terminal[0] != '\0' && !fp_hash_ok(terminal, strlen(terminal))))
		return -1;
	snprintf(name, sizeof(name), "%s%s%s.json", protocol,
	    terminal[0] ? "-" : "", terminal);
	if ((dfd = report_dir_open(dir, &why)) == -1) {
		log_warnx("--report-dir %s: %s: report not saved", dir, why);
		return -1;
	}
	if (dir_files(dfd) >= REPORT_DIR_MAX) {
		log_warnx("--report-dir %s: %d files already: %s not saved",
		    dir, REPORT_DIR_MAX, name);
		close(dfd);
		return -1;
	}
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0640);
	if (fd == -1) {
		if (errno == EEXIST) {
			close(dfd);
			return 0;		/* not new */
		}
		log_warn("--report-dir %s/%s", dir, name);
		close(dfd);
		return -1;
	}
	if (write_line(fd, text, len) == -1) {
		log_warn("--report-dir %s/%s", dir, name);
		(void)unlinkat(dfd, name, 0);
		close(dfd);
		return -1;
	}
	close(dfd);
	log_info("new fingerprint: %s/%s", dir, name);
	return 1;
}
