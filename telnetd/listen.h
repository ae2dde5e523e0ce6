/*
 * listen.h - the --listen daemon: listen.c's loop and the files it keeps
 * its sockets (listen_socket.c), its PROXY waits (listen_proxy.c) and its
 * TLS signer and context (listen_tls.c) in.
 */
#ifndef TELNETD_LISTEN_H
#define TELNETD_LISTEN_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "tls.h"

/* listen.c */
/* Standalone mode: serve until SIGTERM.  Returns the exit status.  With
 * TLS, sg is the signer main.c started (the listener's from then on,
 * replaced on SIGHUP), else NULL. */
int listen_run(const struct config *cfg, struct ks_signer *sg);

/* listen_socket.c */
/* The listener's sockets at most: two per --listen without an address
 * (IPv6 and IPv4), and room for systemd's. */
#define MAX_SOCKS	(2 * MAX_LISTEN + 64)
struct listen_socks {
	int fds[MAX_SOCKS];
	int mode[MAX_SOCKS];		/* each socket's TLS mode */
	size_t nfds;
	char addrs[256];	/* "0.0.0.0:23 [::]:23", for the title */
};
/* Sockets from systemd socket activation (LISTEN_FDS, Accept=no):
 * how many listening sockets start at descriptor 3 (0 when none). */
int listen_fds_from_env(void);
/* systemd's sockets and every --listen address's, non-blocking, each
 * logged.  -1 (logged) when an address has none, or there is none. */
int listen_open(struct listen_socks *sk, const struct config *cfg);
/* sk->addrs from the sockets, as ps shows them. */
void listen_addrs(struct listen_socks *sk);
/* A socket address as numeric host and port ("?" when it has none). */
void listen_name(const struct sockaddr *sa, socklen_t len, char *host,
    size_t hsz, char *port, size_t psz);
/* The length of an IPv4 or IPv6 address in ss. */
socklen_t listen_ss_len(const struct sockaddr_storage *ss);

/* listen_proxy.c: connections from --proxy-from sources, awaiting their
 * PROXY header in the listener's poll loop. */
struct pending {
	int fd;
	int mode;			/* its address's TLS mode */
	int64_t deadline;		/* --proxy-timeout */
	struct sockaddr_storage ss;	/* the proxy */
	struct proxy_reader r;
};
struct pending_list {
	struct pending *conn;		/* max of them, from the listener */
	size_t n, max;
	int timeout_ms;			/* --proxy-timeout */
};
/* A connection whose header is in, for the listener to admit. */
struct pending_done {
	int fd;
	int mode;			/* its address's TLS mode */
	struct sockaddr_storage client;	/* the one the header names */
	char proxy[64];			/* the proxy's address */
};
void pending_init(struct pending_list *pl, const struct config *cfg);
int pending_alloc(struct pending_list *pl);
void pending_forget(struct pending_list *pl);
void pending_add(struct pending_list *pl, int fd, int mode,
    const struct sockaddr_storage *ss, socklen_t len);
int pending_step(struct pending_list *pl, size_t i, int readable,
    int64_t now, struct pending_done *done);
int pending_timeout(const struct pending_list *pl, int64_t now);
void pending_free(struct pending_list *pl);

/* listen_tls.c: the listener's signer and the TLS context it shares with
 * every session, both replaced on SIGHUP. */
#define RETIRED_MAX	8	/* replaced signers logged when they end */
struct listen_tls {
	const struct config *cfg;
	struct ks_signer *sg;		/* the signer, NULL without TLS */
	struct tls_ctx *ctx;		/* made from sg's chain */
	pid_t retired[RETIRED_MAX];	/* signers replaced, until they end */
	/* No signer (the one in service ended and the files did not pass):
	 * the files as they were then, tried again once they change. */
	int lost;
	struct stat lost_st[2];
};
int listen_tls_start(struct listen_tls *t, const struct config *cfg,
    struct ks_signer *sg);
int listen_tls_channel(struct listen_tls *t, int *chan);
void listen_tls_reload(struct listen_tls *t, const char *why_now);
/* 1 when pid was a signer (the one in service is started again). */
int listen_tls_reaped(struct listen_tls *t, pid_t pid, int status);
void listen_tls_stop(struct listen_tls *t);

#endif /* TELNETD_LISTEN_H */
