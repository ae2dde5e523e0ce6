/*
 * nss.c - name service lookups in a static program.
 *
 * The daemon is linked statically (see the Makefile).  glibc's "files" and
 * "dns" sources are built into it, but any other NSS module named in
 * /etc/nsswitch.conf (systemd, mdns, db, ldap ...) would be loaded with
 * dlopen into the static program, which does not work: libnss_systemd
 * crashes in it.  The daemon looks up only a few things, each rarely and
 * never on the default path: --listen service names, a privilege-
 * separation user missing from /etc/passwd, and with -U the name of the
 * client's address.  Right before such a lookup it limits that database to
 * the built-in sources.  Logins are /bin/login's or pam-login's: dynamic
 * programs that use every module.
 */
#include <nss.h>
#include <string.h>

#include "telnetd.h"

void
nss_builtin_only(const char *db)
{
	/* Fails only for an unknown database name: the names are ours. */
	(void)__nss_configure_lookup(db, strcmp(db, "hosts") == 0 ?
	    "files dns" : "files");
}
