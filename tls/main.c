/*
 * main.c - tls-helper, the program that holds the daemon's TLS code.
 *
 *   tls-helper check CERT KEY
 *	load the certificate chain and the private key (PEM) and check that
 *	they match and are of a kind the signer serves; nothing on standard
 *	output and exit 0 when they do, else one line saying why and exit 1.
 *   tls-helper signer CERT KEY [UID GID]
 *	the signer, with its control socket on descriptor 3: it alone holds
 *	the key and makes one signature per channel (../telnetd/
 *	tls_signer.c); once the key is loaded it runs as UID/GID.
 *   tls-helper [telnetd's options]
 *	the daemon, with TLS: telnetd asked for TLS becomes this (exec with
 *	its own arguments), and this is telnetd's main.c compiled again as
 *	telnetd_main(), with tls.c's record layer linked in.
 *
 * Why a program of its own rather than code in the daemon: the daemon is
 * linked static-pie, and OpenSSL linked into it would cost every session,
 * TLS or not, its relocations and start-up (measured: a plain session's
 * two processes went from 1.8 to 3.4 MB resident).  So a daemon not asked
 * for TLS never maps a page of OpenSSL; one asked for it runs as this
 * program, whose --listen listener makes the TLS context once for all
 * its sessions.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"
#include "tls.h"

#define SIGNER_CTL	3	/* the signer's control socket */

/* The daemon left the signer its standard error for log lines (--listen:
 * the admin's terminal or the journal), or made it /dev/null (inetd). */
static int
stderr_for_log(void)
{
	struct stat st;

	return fstat(STDERR_FILENO, &st) == 0 && !(S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(1, 3));
}

int
main(int argc, char **argv)
{
	char why[256];

	if (argc == 4 && strcmp(argv[1], "check") == 0) {
		if (ks_check_files(argv[2], argv[3], why, sizeof(why)) == 0)
			return 0;
		printf("%s\n", why);
		return 1;
	}
	if ((argc == 4 || argc == 6) && strcmp(argv[1], "signer") == 0) {
		uid_t uid = (uid_t)-1;
		gid_t gid = (gid_t)-1;

		/* Nothing of this process may be read or dumped: it holds
		 * the key (a core file, ptrace by the same user). */
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
			return 1;
		if (argc == 6) {
			uid = (uid_t)strtoul(argv[4], NULL, 10);
			gid = (gid_t)strtoul(argv[5], NULL, 10);
		}
		log_init(stderr_for_log(), 0, "telnetd");
		log_setproc("signer");
		return ks_signer_run(argv[2], argv[3], SIGNER_CTL, uid, gid);
	}
	/* Freed small blocks go back to the heap's bins, next to the top
	 * they join it: no fast bins (tls_heap_settle() says why). */
	(void)mallopt(M_MXFAST, 0);
	/* Before OpenSSL allocates anything (tls/pack.c says why). */
	if (tls_pack_init() == -1)
		return 1;
	/* The daemon: it is telnetd to ps, pgrep and the logs. */
	(void)prctl(PR_SET_NAME, "telnetd", 0, 0, 0);
	/* tls.c linked in, for main.c's weak reference to find. */
	if (tls_openssl_ops.conn_new == NULL)
		return 1;
	return telnetd_main(argc, argv);
}
