/*
 * main.c - the daemon's start: the command line, turned once into a const
 * struct config (cmdline.c, config_check.c), then one of the two modes:
 * inetd (the socket is descriptor 0) or standalone (--listen, or sockets
 * from systemd; listen.c).  Both end in session_run().
 *
 * TLS (--tls, --listen=...,tls=) is served by tls-helper: this file is
 * also its daemon (compiled again as telnetd_main(), see the Makefile),
 * which has the record layer (tls_openssl_ops).  The daemon itself links
 * no TLS library, so a daemon not asked for TLS never maps a page of it;
 * asked for TLS, it checks the command line and then becomes tls-helper
 * (exec, same arguments, same process).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "telnetd.h"

/* tls.c's table: in tls-helper's daemon only.  A weak reference pulls
 * nothing from the archive, so the daemon's own link leaves it NULL. */
extern const struct tls_ops tls_openssl_ops __attribute__((weak));

/* The daemon asked for TLS becomes tls-helper's daemon: the same
 * arguments, and the environment title_init() kept (LISTEN_*, TZ...).
 * Not inlined, nor start_signer(): their path buffers (12 KiB) would
 * widen main()'s frame, which every session's processes carry below their
 * own stacks (two more dirty pages per process in an inetd session). */
static __attribute__((noinline)) void
become_tls_helper(char **argv)
{
	char helper[PATH_MAX], self[PATH_MAX];
	ssize_t n;

	if (login_libexec_path("tls-helper", helper, sizeof(helper)) == -1)
		usage_error("TLS: cannot run %s: %s", helper[0] ? helper :
		    "tls-helper", strerror(errno));
	/* Never itself again (a tls-helper built without tls.c). */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if (strcmp(self, helper) == 0)
			usage_error("TLS: %s has no TLS code", helper);
	}
	/* No per-thread cache in malloc (tls_heap_settle() says why). */
	if (setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1) == -1)
		usage_error("TLS: setenv: %s", strerror(errno));
	execv(helper, argv);
	usage_error("TLS: cannot run %s: %s", helper, strerror(errno));
}

/* tls-helper's daemon: the signer, started once the command line is good;
 * its check of the files is the start's (one line, exit 2). */
static __attribute__((noinline)) void
start_signer(const struct config *cfg, struct ks_signer *sg)
{
	char helper[PATH_MAX], why[256];

	if (login_libexec_path("tls-helper", helper, sizeof(helper)) == -1)
		usage_error("TLS: cannot run %s: %s", helper[0] ? helper :
		    "tls-helper", strerror(errno));
	if (ks_signer_start(helper, cfg->tls.cert, cfg->tls.key,
	    geteuid() == 0 ? cfg->ps_uid : (uid_t)-1, cfg->ps_gid,
	    cfg->standalone, sg, why, sizeof(why)) == -1)
		usage_error("%s", why);
}

/*
 * inetd mode: take the socket off descriptors 0-2 and put /dev/null
 * there, so nothing (not even a library's message) can reach the client
 * except through the session.  With TLS, the one connection gets one
 * channel, and the signer ends after it; the relay makes its context
 * from the chain.
 */
static int
run_inetd(const struct config *cfg, struct ks_signer *signer)
{
	struct stat st;
	struct tls_start ts;
	int fd, dn;

	if (fstat(STDIN_FILENO, &st) == -1 || !S_ISSOCK(st.st_mode))
		usage_error("standard input is not a socket (use "
		    "--listen=PORT to run standalone)");
	log_init(0, 1, "telnetd");
	privsep_check_user(cfg);
	if ((fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)) == -1)
		fatal("dup");
	if ((dn = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");
	if (dup2(dn, 0) == -1 || dup2(dn, 1) == -1 || dup2(dn, 2) == -1)
		fatal("dup2");
	if (dn > 2)
		close(dn);
	if (!cfg->tls.used || cfg->tls.mode == TLS_MODE_OFF)
		return session_run(cfg, fd, NULL, NULL);
	memset(&ts, 0, sizeof(ts));
	ts.ops = cfg->tls.ops;
	ts.mode = cfg->tls.mode;
	if (ks_signer_channel(signer->ctl, &ts.chan) == -1)
		fatal("signer channel");
	close(signer->ctl);
	signer->ctl = -1;
	ts.chain = signer->chain;
	ts.chainlen = signer->chainlen;
	return session_run(cfg, fd, NULL, &ts);
}

int
main(int argc, char **argv)
{
	struct config config;
	const struct config *cfg = &config;
	struct ks_signer signer = { -1, -1, NULL, 0 };
	struct sigaction sa;
	int status;

	/* Nothing inherited but 0-2 and systemd's sockets. */
	if (sandbox_close_inherited(listen_fds_from_env()) == -1)
		return 1;
	/* Before anything reads or changes the environment: the title
	 * ps shows takes the room of argv and the environment strings. */
	title_init(argc, argv);
	cmdline_parse(&config, argc, argv);
	if (config.tls.used) {
		if (&tls_openssl_ops == NULL)
			become_tls_helper(argv);
		config.tls.ops = &tls_openssl_ops;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (!config.standalone && listen_fds_from_env() > 0)
		config.standalone = 1;
	if (cfg->tls.used)
		start_signer(cfg, &signer);
	if (cfg->standalone) {
		log_init(1, 0, "telnetd");
		privsep_check_user(cfg);
		status = listen_run(cfg, cfg->tls.used ? &signer : NULL);
		login_template_free(&config.login);
		return status;
	}
	status = run_inetd(cfg, &signer);
	ks_signer_stop(&signer);
	login_template_free(&config.login);
	return status;
}
