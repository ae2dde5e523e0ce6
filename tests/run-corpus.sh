#!/usr/bin/env bash
# run-corpus.sh REPLAY [NAME] - replay every kept fuzz input of
# tests/fuzz/corpus/NAME/ (default: engine) through the harness REPLAY
# (built without libFuzzer); any crash, leak or broken invariant fails.
# Each harness has its own corpus: fuzz_replay (fuzz_engine.c) reads
# corpus/engine, fuzz_session_replay (fuzz_session.c) corpus/session.
set -u
here=$(dirname "$0")
replay=$1
d=$here/fuzz/corpus/${2:-engine}
[ -d "$d" ] || { echo "corpus: no directory $d"; exit 1; }
"$replay" "$d" >/dev/null || { echo "corpus: replay of $d failed"; exit 1; }
echo "corpus: $(find "$d" -type f | wc -l) inputs of ${2:-engine} replayed"
