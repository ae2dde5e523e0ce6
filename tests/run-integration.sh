#!/usr/bin/env bash
# run-integration.sh OUTDIR - the integration suite (pytest) against the
# daemon and helper programs built in OUTDIR.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TELNETD_BUILD=${1:?usage: run-integration.sh OUTDIR}
export PYTHONDONTWRITEBYTECODE=1
# Debian's python3 has pytest from python3-pytest; a pyenv shim on PATH
# may not.
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "$here/integration" "${@:2}"
