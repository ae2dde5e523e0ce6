#!/usr/bin/env bash
# run-package-test.sh - "make check-deb": build the Debian package from this
# tree (tools/deb.sh), check it with lintian (no error, no warning but the
# ones argued in debian/telnetd-privsep.lintian-overrides), then install,
# use and purge it with apt on this machine's root file system seen
# through a throw-away overlay (tests/package/pkgtest.py says why and what
# it asserts).  The machine is left as it was: inetutils-telnetd, which
# the package replaces, stays installed outside the overlay throughout.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
t0=$(date +%s)

if [ "$(id -u)" != 0 ]; then
	echo "check-deb: needs root (apt, mount namespaces)" >&2
	exit 1
fi
for t in dpkg-buildpackage dh lintian unshare; do
	command -v "$t" >/dev/null ||
		{ echo "check-deb: $t is missing (make deps installs it)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/telnetd-pkgtest.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

echo "== check-deb: building the package (tools/deb.sh)"
if ! bash "$root/tools/deb.sh" "$work/out" >"$work/build.log" 2>&1; then
	tail -40 "$work/build.log"
	echo "check-deb: the package build failed" >&2
	exit 1
fi
deb=$(ls "$work"/out/telnetd-privsep_*.deb)
changes=$(ls "$work"/out/*.changes)
echo "check-deb: built $(basename "$deb") in $(($(date +%s) - t0)) s"

echo "== check-deb: lintian"
# As an unprivileged user (lintian warns when it runs as root), with the
# informational and pedantic tags shown; errors and warnings fail.
chmod -R a+rX "$work/out"
# From the work directory: nobody may not enter the caller's (a checkout
# in a mode-700 directory from mktemp -d, as CI's may be).
if ! (cd "$work" && runuser -u nobody -- lintian --info --pedantic \
	--fail-on error,warning "$changes"); then
	echo "check-deb: lintian found errors or warnings" >&2
	exit 1
fi
echo "check-deb: lintian clean (overrides: debian/telnetd-privsep.lintian-overrides)"

# The other packages the overlay needs: an inetd (openbsd-inetd with
# update-inetd and tcpd), and inetutils-telnetd to install it back.  Kept
# in a cache, fetched when missing.
debs=/var/cache/telnetd-tests/debs
want="openbsd-inetd update-inetd tcpd inetutils-telnetd"
missing=""
for p in $want; do
	ls "$debs/${p}_"*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	mkdir -p "$debs/partial"
	# shellcheck disable=SC2086
	(cd "$debs" && apt-get download -qq $missing) >"$work/download.log" 2>&1 ||
		{ apt-get update -qq && (cd "$debs" && apt-get download -qq $missing); } \
			>>"$work/download.log" 2>&1 ||
		{ cat "$work/download.log"; echo "check-deb: cannot fetch$missing" >&2; exit 1; }
fi

echo "== check-deb: install, use and purge in an overlay of /"
if ! unshare --mount --net --propagation private \
	/usr/bin/python3 "$root/tests/package/pkgtest.py" "$work" "$deb" "$debs"; then
	echo "check-deb: FAILED (logs were in $work)" >&2
	exit 1
fi
echo "check-deb: passed in $(($(date +%s) - t0)) s"
