# telnetd - one non-recursive GNU Makefile.
#
#   make            build libtelnet/libtelnet.a, telnetd/telnetd and
#                   libexec/telnetd/pam-login (the --pam program),
#                   libexec/telnetd/tls-helper (the TLS code)
#   make check      install missing Debian packages, build, run every test,
#                   then the unit tests again under ASan + UBSan
#   make run        serve real logins on 127.0.0.1:2323 in the foreground
#   make fuzz       libFuzzer harnesses (clang), FUZZ_SECONDS each
#   make bench      engine and daemon benchmarks against inetutils telnetd
#   make install    PREFIX=/usr/local DESTDIR= (and, without DESTDIR,
#                   the telnetd system user and /run/telnetd)
#   make deb        the Debian package (dpkg-buildpackage), into dist/
#   make check-deb  build it, lintian, install/use/purge it in an overlay

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
# pam-login must stay at ../libexec/telnetd/ from SBINDIR: the daemon looks
# for it there (or build with CPPFLAGS=-DPAM_HELPER='"/path"').
LIBEXECDIR ?= $(PREFIX)/libexec
MANDIR ?= $(PREFIX)/share/man
PAMDIR ?= /etc/pam.d
# The relay's user and its empty root directory, where systemd
# looks for them under /usr/local too.
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DESTDIR ?=

VERSION := 0.1.0

# O is the output tree: "." for the normal build, build-asan for the
# sanitizer build (make check-asan), so both can coexist.
O ?= .
CC ?= cc
PKG_CONFIG ?= pkg-config

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Werror
OPT ?= -O2 -g
HARDEN ?= -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LD ?= -pie -Wl,-z,relro,-z,now
SAN ?=
# Libraries the sanitizer build links up front: GCC's ASan intercepts
# crypt_r, and finds the real one only if libcrypt is loaded at start (PAM's
# pam_unix loads it later, and the interceptor then jumps to NULL).
SAN_LIBS ?=
CFLAGS ?=
LDFLAGS ?=

# pkg-config is asked only when something is compiled, so "make help" and
# "make deps" work before the packages are there.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags libbsd-overlay pam 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs libbsd-overlay pam 2>/dev/null)
# The daemon links libbsd (strlcpy) statically, with what it needs.
BSD_LIBS = $(shell $(PKG_CONFIG) --static --libs libbsd-overlay 2>/dev/null)
# OpenSSL 3 (telnetd/tls*.c): libssl.a and libcrypto.a, linked statically
# into tls-helper (and the tests of the TLS code), never into the daemon.
TLS_CFLAGS = $(shell $(PKG_CONFIG) --cflags libssl libcrypto 2>/dev/null)
TLS_LIBS = $(shell $(PKG_CONFIG) --libs libssl libcrypto 2>/dev/null)
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ALL_CPPFLAGS = -D_GNU_SOURCE -DTELNETD_VERSION='"$(VERSION)"' \
	-Ilibtelnet -Itelnetd -Ipam $(CPPFLAGS)
ALL_CFLAGS = -std=gnu11 $(OPT) $(WARN) $(HARDEN) $(SAN) -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(HARDEN_LD) $(SAN) $(LDFLAGS)

# --- sources, one list per directory -------------------------------------
LIB_SRCS := $(sort $(wildcard libtelnet/*.c))
# Every daemon source but main.c goes into an archive the unit tests link.
D_SRCS := $(sort $(filter-out telnetd/main.c,$(wildcard telnetd/*.c)))
# pam-login, the --pam program (pam/main.c, pam_login.c and their helpers).
PAM_SRCS := $(sort $(wildcard pam/*.c))
# tls-helper: the only program that links OpenSSL (tls/main.c and the
# telnetd/tls*.c it pulls from the archive).
TLSH_SRCS := $(sort $(wildcard tls/*.c))
UNIT_SRCS := $(sort $(wildcard tests/test_*.c))
# What the tests share: the engine tests' table runner and the trace
# format of engine events (tclient's --trace too).
SUPPORT_SRCS := tests/telnet_harness.c tests/telnet_trace.c
# Helper programs the integration tests and benchmarks run (each one file).
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o)
D_OBJS := $(D_SRCS:%.c=$(O)/obj/%.o)
PAM_OBJS := $(PAM_SRCS:%.c=$(O)/obj/%.o)
# tls-helper's daemon is main.c again, as telnetd_main().
TLSH_OBJS := $(TLSH_SRCS:%.c=$(O)/obj/%.o) $(O)/obj/tls/daemon.o
MAIN_OBJ := $(O)/obj/telnetd/main.o

LIBTELNET := $(O)/libtelnet/libtelnet.a
LIBTELNETD := $(O)/obj/libtelnetd.a
LIBSUPPORT := $(O)/obj/libtestsupport.a
TELNETD := $(O)/telnetd/telnetd
# Found by the daemon at ../libexec/telnetd/pam-login from its own
# directory, in the build tree as after "make install".
PAM_LOGIN := $(O)/libexec/telnetd/pam-login
TLS_HELPER := $(O)/libexec/telnetd/tls-helper
UNIT_BINS := $(UNIT_SRCS:tests/%.c=$(O)/obj/bin/%)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(O)/obj/bin/%)

.PHONY: all deps check check-unit check-integration check-asan check-corpus \
	check-valgrind check-fuzz-build fuzz-build check-deb deb \
	fuzz bench bench-quick run install uninstall lint clean help

all: $(LIBTELNET) $(TELNETD) $(PAM_LOGIN) $(TLS_HELPER) $(UNIT_BINS) \
	$(TOOL_BINS)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(TLS_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(O)/obj/tls/daemon.o: telnetd/main.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Dmain=telnetd_main $(PKG_CFLAGS) $(ALL_CFLAGS) \
		-c -o $@ $<

$(LIBTELNET): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIBTELNETD): $(D_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# The daemon is linked static-pie: a session is two processes of it
# (monitor and relay) that sit idle for hours, and a dynamic link costs
# each of them private pages (the loader's data, libc's relocated tables,
# the GOT) and every start the loader's work.  Static-pie keeps ASLR.  It
# links libc and libbsd (for strlcpy) alone: libpam lives in pam-login,
# its own dynamic program.  glibc warns that getpwnam and getaddrinfo in a static program
# need its shared NSS modules at run time: they are loaded only for
# databases that /etc/nsswitch.conf names beyond "files" and "dns".
# DAEMON_LD= (the sanitizer and valgrind builds) links it the usual way.
# libbsd (setproctitle, title.c) comes from its static archive, libbsd.a,
# like libc: only the objects the daemon calls are linked in.
DAEMON_LD ?= -static-pie -Wl,-z,relro,-z,now
$(TELNETD): $(MAIN_OBJ) $(LIBTELNETD) $(LIBTELNET)
	@mkdir -p $(dir $@)
	@rm -f $@	# the pipe hides the linker's status: test -x below tells
	$(CC) $(if $(DAEMON_LD),$(DAEMON_LD) $(SAN) $(LDFLAGS),$(ALL_LDFLAGS)) \
		-o $@ $^ $(SAN_LIBS) $(BSD_LIBS) -lutil 2>&1 | \
		{ grep -v -e 'in statically linked applications requires' \
		-e ': in function .*:$$' >&2 || true; }
	@test -x $@

$(LIBSUPPORT): $(SUPPORT_SRCS:%.c=$(O)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# Linked like the daemon (static-pie), but only ever run for TLS: the
# daemon itself links no TLS library (a plain session would pay OpenSSL's
# relocations and start-up in both of its processes).
# OpenSSL's locks are no-ops in this single-threaded program (tls/nolock.c
# says why and what it saves).
TLSH_WRAP := -Wl,--wrap=CRYPTO_THREAD_read_lock \
	-Wl,--wrap=CRYPTO_THREAD_write_lock -Wl,--wrap=CRYPTO_THREAD_unlock
$(TLS_HELPER): $(TLSH_OBJS) $(LIBTELNETD) $(LIBTELNET)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(CC) $(if $(DAEMON_LD),$(DAEMON_LD) $(SAN) $(LDFLAGS),$(ALL_LDFLAGS)) \
		$(TLSH_WRAP) -o $@ $^ $(SAN_LIBS) $(TLS_LIBS) $(BSD_LIBS) 2>&1 | \
		{ grep -v -e 'in statically linked applications requires' \
		-e ': in function .*:$$' >&2 || true; }
	@test -x $@

$(PAM_LOGIN): $(PAM_OBJS) $(LIBTELNETD) $(LIBTELNET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(SAN_LIBS) -Wl,--as-needed $(PKG_LIBS)

$(O)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(TLS_CFLAGS) $(CMOCKA_CFLAGS) \
		$(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(O)/obj/bin/test_%: $(O)/obj/tests/test_%.o $(LIBSUPPORT) $(LIBTELNETD) \
		$(LIBTELNET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS) $(TLS_LIBS) \
		-lutil $(SAN_LIBS)

$(O)/obj/bin/%: $(O)/obj/tests/tools/%.o $(LIBSUPPORT) $(LIBTELNETD) \
		$(LIBTELNET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TLS_LIBS) -lutil $(SAN_LIBS)

# --- tests ---------------------------------------------------------------
deps:
	@bash tools/deps.sh

# The deps step runs first, alone: later steps need what it installs.
check:
	@bash tools/deps.sh
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) check-corpus
	$(MAKE) check-fuzz-build
	@bash tests/run-side-by-side.sh "$(MAKE)" check-integration check-asan
	@LINT_JOBS=1 bash tests/run-side-by-side.sh "$(MAKE)" check-valgrind lint
	if command -v dpkg-buildpackage >/dev/null; then $(MAKE) check-deb; fi

# The engine benchmark checks every byte it counts: a quick run keeps it
# honest (it broke once, unseen, when CR LF became two events).
check-unit: $(UNIT_BINS) $(O)/obj/bin/bench_engine
	@bash tests/run-unit.sh $(UNIT_BINS)
	@ENGINE_BENCH_BYTES=1048576 $(O)/obj/bin/bench_engine >/dev/null && \
		echo "bench_engine: every mode's bytes counted right"

check-corpus: $(O)/obj/bin/fuzz_replay $(O)/obj/bin/fuzz_session_replay
	@bash tests/run-corpus.sh $(O)/obj/bin/fuzz_replay engine
	@bash tests/run-corpus.sh $(O)/obj/bin/fuzz_session_replay session

check-integration: all
	@bash tests/run-integration.sh $(abspath $(O))

# Unit tests, corpus replay and the integration suite again with
# AddressSanitizer + UndefinedBehaviorSanitizer in a separate tree (the
# integration fixtures give every daemon a sanitizer log_path and fail a
# test on any report).
check-asan:
	$(MAKE) O=build-asan OPT='-O1 -g -fno-omit-frame-pointer' \
		HARDEN= HARDEN_LD= DAEMON_LD= \
		SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' \
		SAN_LIBS='-Wl,--no-as-needed -lcrypt -Wl,--as-needed' \
		all build-asan/obj/bin/fuzz_replay \
		build-asan/obj/bin/fuzz_session_replay
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		bash tests/run-unit.sh $(patsubst $(O)/%,build-asan/%,$(UNIT_BINS))
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		bash tests/run-corpus.sh build-asan/obj/bin/fuzz_replay engine
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		bash tests/run-corpus.sh build-asan/obj/bin/fuzz_session_replay \
		session
	bash tests/run-integration.sh $(abspath build-asan)

# The fuzz harness linked with a replay driver instead of libFuzzer, so
# the kept corpus runs with the normal compiler in make check.
$(O)/obj/bin/fuzz_replay: $(O)/obj/tests/fuzz/fuzz_engine.o \
		$(O)/obj/tests/fuzz/replay_main.o $(LIBTELNETD) $(LIBTELNET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# The session harness (fuzz_session.c: the relay, negotiation and
# environment on a real pty and socket) with the same replay driver.
$(O)/obj/bin/fuzz_session_replay: $(O)/obj/tests/fuzz/fuzz_session.o \
		$(O)/obj/tests/fuzz/replay_main.o $(LIBTELNETD) $(LIBTELNET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TLS_LIBS) -lutil

# Unit tests, both fuzz corpora and a selection of integration
# sessions under valgrind memcheck, in build-valgrind/ (built with
# -DTELNETD_NO_SECCOMP: the relay's filter would kill valgrind; see
# tests/run-valgrind.sh).  About 2 minutes.
check-valgrind:
	@bash tests/run-valgrind.sh

# The libFuzzer harnesses, built by this Makefile from the same source
# lists as everything else (so a new daemon file is fuzzed, and nothing
# that is not the daemon's, like pam-login's main, is linked in): clang,
# ASan + UBSan everywhere, coverage instrumentation for the engine and
# the daemon but not the harnesses (their own checks must not steer the
# fuzzer).  make check builds both and runs each over its corpus once, so
# a harness that stops linking fails the check.
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_MAKE = $(MAKE) O=build-fuzz CC=$(FUZZ_CC) \
	OPT='-g -O1 -fno-omit-frame-pointer' HARDEN= HARDEN_LD= DAEMON_LD= \
	SAN='$(FUZZ_SAN) -fsanitize=fuzzer-no-link'
FUZZERS := build-fuzz/fuzz_engine build-fuzz/fuzz_session

fuzz-build:
	@$(FUZZ_MAKE) build-fuzz/libtelnet/libtelnet.a build-fuzz/obj/libtelnetd.a
	@$(MAKE) --no-print-directory $(FUZZERS)

build-fuzz/obj/harness/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) -std=gnu11 -g -O1 \
		-fno-omit-frame-pointer $(WARN) $(FUZZ_SAN) -MMD -MP -c -o $@ $<

# libtelnetd.a only for the server's policy table (policy.c).
build-fuzz/fuzz_engine: build-fuzz/obj/harness/fuzz_engine.o \
		build-fuzz/obj/libtelnetd.a build-fuzz/libtelnet/libtelnet.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^

build-fuzz/fuzz_session: build-fuzz/obj/harness/fuzz_session.o \
		build-fuzz/obj/libtelnetd.a build-fuzz/libtelnet/libtelnet.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -lutil

# Each harness once over its kept corpus (no fuzzing): they link and run.
check-fuzz-build: fuzz-build
	@bash tests/fuzz/smoke.sh build-fuzz/fuzz_engine tests/fuzz/corpus/engine
	@bash tests/fuzz/smoke.sh build-fuzz/fuzz_session tests/fuzz/corpus/session

# The Debian package: built from a copy of the tree (so its
# "debian/rules clean" leaves this build alone), checked with lintian,
# then installed with apt, used for logins and purged on the machine's
# root seen through a throw-away overlay (tests/package/).  About 40 s.
check-deb:
	@bash tests/package/run-package-test.sh

# The package alone: dist/telnetd-privsep_VERSION_ARCH.deb (and .changes).
deb:
	@bash tools/deb.sh $(abspath dist)

# Every harness, FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz: fuzz-build
	@bash tests/fuzz/run-fuzz.sh $(FUZZ_SECONDS)
	@bash tests/fuzz/run-fuzz-session.sh $(FUZZ_SECONDS)

# --- benchmarks ------------------------------------------------------------
bench: all
	@bash bench/run-bench.sh full

bench-quick: all
	@bash bench/run-bench.sh quick

# --- running and installing ----------------------------------------------
run: all
	@bash tools/run.sh $(abspath $(TELNETD))

lint:
	@bash tools/lint.sh

install: $(TELNETD) $(PAM_LOGIN) $(TLS_HELPER)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(PAMDIR) \
		$(DESTDIR)$(LIBEXECDIR)/telnetd
	install -m 755 $(TELNETD) $(DESTDIR)$(SBINDIR)/telnetd
	install -m 755 $(PAM_LOGIN) $(DESTDIR)$(LIBEXECDIR)/telnetd/pam-login
	install -m 755 $(TLS_HELPER) $(DESTDIR)$(LIBEXECDIR)/telnetd/tls-helper
	install -m 644 man/telnetd.8 $(DESTDIR)$(MANDIR)/man8/telnetd.8
	install -m 644 pam/telnetd.pam $(DESTDIR)$(PAMDIR)/telnetd
	install -d $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 644 contrib/telnetd.sysusers.conf \
		$(DESTDIR)$(SYSUSERSDIR)/telnetd.conf
	install -m 644 contrib/telnetd.tmpfiles.conf \
		$(DESTDIR)$(TMPFILESDIR)/telnetd.conf
	@if [ -n "$(DESTDIR)" ]; then \
		echo "install: DESTDIR is set: no user created (the sysusers.d file does it on the target)"; \
	else \
		bash tools/privsep-user.sh $(SYSUSERSDIR)/telnetd.conf \
			$(TMPFILESDIR)/telnetd.conf; \
	fi

# The telnetd user stays: files on the system may belong to it.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/telnetd $(DESTDIR)$(MANDIR)/man8/telnetd.8 \
		$(DESTDIR)$(PAMDIR)/telnetd \
		$(DESTDIR)$(LIBEXECDIR)/telnetd/pam-login \
		$(DESTDIR)$(SYSUSERSDIR)/telnetd.conf \
		$(DESTDIR)$(TMPFILESDIR)/telnetd.conf \
		$(DESTDIR)$(LIBEXECDIR)/telnetd/tls-helper
	-rmdir $(DESTDIR)$(LIBEXECDIR)/telnetd 2>/dev/null

clean:
	rm -rf obj build-asan build-fuzz build-valgrind libtelnet/libtelnet.a \
		telnetd/telnetd libexec dist

help:
	@sed -n '3,14p' Makefile

-include $(LIB_OBJS:.o=.d) $(D_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) \
	$(PAM_OBJS:.o=.d) $(TLSH_OBJS:.o=.d) \
	$(UNIT_SRCS:tests/%.c=$(O)/obj/tests/%.d) \
	$(SUPPORT_SRCS:tests/%.c=$(O)/obj/tests/%.d) \
	$(TOOL_SRCS:tests/%.c=$(O)/obj/tests/%.d) \
	$(wildcard $(O)/obj/tests/fuzz/*.d) \
	$(wildcard build-fuzz/obj/harness/*.d)
