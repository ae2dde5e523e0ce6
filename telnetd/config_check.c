/*
 * config_check.c - the settings checked together and against the system
 * once every option is read: the login program against --pam, the
 * banner file, where reports go, TLS's files, and the privsep user's ids.
 * A setting that does not pass is usage_error(): one line, exit status 2,
 * nothing started.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

#define DEFAULT_ISSUE	"/etc/issue.net"

/*
 * TLS: every mode needs both files; files without a mode are a
 * mistake.  That the files are readable, of a kind served and a matching
 * pair is the signer's check when it starts (main()).
 */
static void
check_tls(struct config *cfg)
{
	int used = cfg->tls.mode != TLS_MODE_OFF;
	size_t i;

	for (i = 0; i < cfg->nlisten; i++) {
		if (cfg->listen[i].tls == TLS_MODE_DEFAULT)
			cfg->listen[i].tls = cfg->tls.mode;
		if (cfg->listen[i].tls != TLS_MODE_OFF)
			used = 1;
	}
	if (!used) {
		if (cfg->tls.cert != NULL || cfg->tls.key != NULL)
			usage_error("--tls-cert and --tls-key need --tls=MODE "
			    "or a --listen=PORT,tls=MODE");
		return;
	}
	if (cfg->tls.cert == NULL || cfg->tls.key == NULL)
		usage_error("TLS needs both --tls-cert=FILE and --tls-key=FILE");
	cfg->tls.used = 1;
}


/* A user's ids from /etc/passwd. */
struct pw_ids {
	uid_t uid;
	gid_t gid;
	int found;
};

/* One decimal id field of a passwd line, ending at ':'; -1 when bad. */
static int
pw_id_field(const char **p, unsigned long *v)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	*v = strtoul(*p, &end, 10);
	if (errno != 0 || *end != ':' || *v > UINT32_MAX - 1)
		return -1;
	*p = end + 1;
	return 0;
}

/*
 * The privsep user is a system user: look in /etc/passwd, in one pass
 * that finds every name asked for (the default, telnetd, and its fallback,
 * nobody, are two names but one read of the file), so the daemon does not
 * load NSS modules (libnss_systemd and what it pulls in cost every session
 * memory).  Plain lines, no fgetpwent: that one seeks twice per line.
 */
static void
passwd_scan(const char *const *names, struct pw_ids *ids, size_t n)
{
	char *line = NULL;
	size_t cap = 0, i, left = n;
	ssize_t len;
	FILE *f;

	memset(ids, 0, n * sizeof(*ids));
	if ((f = fopen("/etc/passwd", "re")) == NULL)
		return;
	while (left > 0 && (len = getline(&line, &cap, f)) != -1) {
		const char *p, *colon = memchr(line, ':', (size_t)len);
		unsigned long uid, gid;

		if (colon == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (!ids[i].found &&
			    strlen(names[i]) == (size_t)(colon - line) &&
			    memcmp(line, names[i], (size_t)(colon - line)) == 0)
				break;
		if (i == n)
			continue;
		/* name:password:uid:gid:... */
		if ((p = memchr(colon + 1, ':', (size_t)(len -
		    (colon + 1 - line)))) == NULL)
			continue;
		p++;
		if (pw_id_field(&p, &uid) == -1 || pw_id_field(&p, &gid) == -1)
			continue;
		ids[i].uid = (uid_t)uid;
		ids[i].gid = (gid_t)gid;
		ids[i].found = 1;
		left--;
	}
	free(line);
	fclose(f);
}

/* The operator's --privsep-user, from /etc/passwd or else NSS; by default
 * telnetd from /etc/passwd, else nobody from /etc/passwd or NSS. */
static void
resolve_privsep(struct config *cfg, int explicit)
{
	const char *names[2];
	struct pw_ids ids[2];
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	names[0] = cfg->privsep_user;
	names[1] = "nobody";
	passwd_scan(names, ids, explicit ? 1 : 2);
	if (!ids[0].found && !explicit)
		cfg->privsep_user = names[1];
	if (ids[0].found || (!explicit && ids[1].found)) {
		uid = ids[0].found ? ids[0].uid : ids[1].uid;
		gid = ids[0].found ? ids[0].gid : ids[1].gid;
	} else {
		nss_builtin_only("passwd");
		if ((pw = getpwnam(cfg->privsep_user)) == NULL)
			usage_error("--privsep-user: no such user '%s'",
			    arg_safe(cfg->privsep_user));
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (uid == 0)
		usage_error("--privsep-user: '%s' is root",
		    arg_safe(cfg->privsep_user));
	cfg->ps_uid = uid;
	cfg->ps_gid = gid;
}

/* -E (or the default login) against --pam, and pam-login's path. */
static void
check_login(struct config *cfg, const char *tpl)
{
	const char *why = NULL;

	if (login_template_parse(&cfg->login, tpl, &why) == -1)
		usage_error("-E: %s", why ? why : "bad command");
	if (tpl != NULL && cfg->pam)
		usage_error("-E and --pam exclude each other");
	if (cfg->pam &&
	    login_pam_helper(cfg->pam_helper, sizeof(cfg->pam_helper)) == -1)
		usage_error("--pam: cannot run %s: %s", cfg->pam_helper[0] ?
		    cfg->pam_helper : "pam-login", strerror(errno));
}

/* The banner: before a login (default program or PAM), or when the
 * operator names a file; never with -h. */
static void
check_issue(struct config *cfg, const char *issue)
{
	struct stat st;

	if (issue != NULL) {
		if (stat(issue, &st) == -1 || access(issue, R_OK) == -1)
			usage_error("--issue=%s: %s", arg_safe(issue),
			    strerror(errno));
		/* A directory reads as nothing, and a FIFO or a device
		 * would hold every session's start on its read. */
		if (!S_ISREG(st.st_mode))
			usage_error("--issue=%s: not a regular file",
			    arg_safe(issue));
		cfg->issue_file = issue;
	} else if (cfg->login.is_default || cfg->pam)
		cfg->issue_file = DEFAULT_ISSUE;
	if (cfg->no_hostinfo)
		cfg->issue_file = NULL;
}

static void
check_reports(struct config *cfg)
{
	const char *why = NULL;

	/* Created now if it is not there: the same rules as every append. */
	if (cfg->report_log != NULL &&
	    report_log_check(cfg->report_log, &why) == -1)
		usage_error("--report-log=%s: %s", arg_safe(cfg->report_log),
		    why);
	if (cfg->report_dir != NULL &&
	    report_dir_check(cfg->report_dir, &why) == -1)
		usage_error("--report-dir=%s: %s", arg_safe(cfg->report_dir),
		    why);
	/* Where reports go, without --report: the inventory mode. */
	if (cfg->report == REPORT_OFF &&
	    (cfg->report_log != NULL || cfg->report_dir != NULL))
		cfg->report = REPORT_LOGIN;
}

void
config_check(struct config *cfg, const char *tpl, const char *issue,
    int explicit_user)
{
	check_login(cfg, tpl);
	check_issue(cfg, issue);
	check_reports(cfg);
	resolve_privsep(cfg, explicit_user);
	check_tls(cfg);
}
