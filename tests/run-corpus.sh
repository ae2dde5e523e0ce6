#!/usr/bin/env bash
# run-corpus.sh REPLAY - replay every kept fuzz input through the harness
# (built without libFuzzer); any crash, leak or broken invariant fails.
set -u
here=$(dirname "$0")
replay=$1
n=0
for d in "$here"/fuzz/corpus/*/; do
	[ -d "$d" ] || continue
	"$replay" "$d" || { echo "corpus: replay of $d failed"; exit 1; }
	n=$((n + $(find "$d" -type f | wc -l)))
done
echo "corpus: $n inputs replayed"
