#!/usr/bin/env bash
# lint.sh - cppcheck and clang-tidy over the project's C sources.  Any
# finding fails.  Suppressions live in tools/cppcheck.supp and .clang-tidy,
# each with its reason.
set -u
cd "$(dirname "$0")/.."
srcs=$(ls libtelnet/*.c telnetd/*.c pam/*.c tls/*.c bench/*.c 2>/dev/null)
inc="-Ilibtelnet -Itelnetd -Ipam"
defs="-D_GNU_SOURCE -DTELNETD_VERSION=\"lint\""
rc=0

echo "== cppcheck"
# shellcheck disable=SC2086
if ! cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	--inline-suppr --suppressions-list=tools/cppcheck.supp \
	$defs $inc $srcs; then
	rc=1
fi

echo "== clang-tidy"
pkgc=$(pkg-config --cflags libbsd-overlay pam)
# One clang-tidy per file, as many at once as there are CPUs (LINT_JOBS:
# make check runs lint beside valgrind's daemons and leaves them a CPU).
LINT_FLAGS="-std=gnu11 $defs $inc $pkgc"
export LINT_FLAGS
# shellcheck disable=SC2016,SC2086
out=$(printf '%s\n' $srcs | xargs -P "${LINT_JOBS:-$(nproc)}" -I{} sh -c \
	'clang-tidy --quiet "$1" -- $LINT_FLAGS 2>/dev/null' _ {})
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	rc=1
fi
[ "$rc" = 0 ] && echo "lint: clean"
exit "$rc"
