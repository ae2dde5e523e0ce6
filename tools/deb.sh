#!/usr/bin/env bash
# deb.sh [OUTDIR] - build the Debian package with dpkg-buildpackage -b -us
# -uc (the target behind "make deb").  It builds in a copy of the tree: the
# package build starts with "debian/rules clean" (make clean), which must
# not wipe this tree's build, and dpkg-buildpackage writes its results into
# the parent directory, which is not ours.  The .deb, the .changes and the
# .buildinfo (and the -dbgsym .ddeb) land in OUTDIR, default dist/.
# DEB_BUILD_OPTIONS passes through (nocheck skips the unit tests).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist}

for t in dpkg-buildpackage dh; do
	command -v "$t" >/dev/null ||
		{ echo "deb: $t is missing (make deps installs it)" >&2; exit 1; }
done
src=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Source)
version=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)
mkversion=$(sed -n 's/^VERSION := *//p' "$root/Makefile")
if [ "$version" != "$mkversion" ]; then
	echo "deb: debian/changelog is at $version, the Makefile at" \
		"$mkversion: add a changelog entry (dch -v $mkversion)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/$src-$version
mkdir "$tree"
# The sources as they are (uncommitted changes too), without build output.
tar -C "$root" --exclude=./.git --exclude=./obj --exclude='./build-*' \
	--exclude=./dist --exclude=./libexec --exclude=./bench/results \
	--exclude=./telnetd/telnetd --exclude=./libtelnet/libtelnet.a \
	-cf - . | tar -C "$tree" -xf -
(cd "$tree" && dpkg-buildpackage -b -us -uc -j"$(nproc)")
mkdir -p "$out"
for f in "$tmp"/*.deb "$tmp"/*.ddeb "$tmp"/*.changes "$tmp"/*.buildinfo; do
	[ -e "$f" ] && cp "$f" "$out"/
done
echo "deb: $(cd "$out" && ls ./*"${version}"_*.deb)" >&2
