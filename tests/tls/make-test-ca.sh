#!/usr/bin/env bash
# make-test-ca.sh DIR - a test CA and server certificates for the TLS tests
# made with `openssl req` into DIR (created; existing files are
# replaced):
#
#   ca.pem  ca.key              the test CA (ECDSA P-256, self-signed)
#   rsa.pem rsa.key             server cert + key, RSA 2048
#   rsa-chain.pem               server cert followed by the CA (a chain file)
#   ec.pem  ec.key ec-chain.pem server cert + key, ECDSA P-256
#   other.key                   an RSA key that matches no certificate
#
# The server certificates name localhost, 127.0.0.1 and ::1 (subjectAltName),
# so a client that checks the name against "localhost" or the address
# verifies them against ca.pem.  Valid for 30 days from now: made afresh for
# every test run, never checked in.
set -eu
dir=${1:?usage: make-test-ca.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

days=30
san="subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	-nodes -keyout ca.key -out ca.pem -days "$days" \
	-subj "/O=telnetd tests/CN=telnetd test CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# server NAME KEYOPTS...
server() {
	name=$1
	shift
	openssl req -new -newkey "$@" -nodes -keyout "$name.key" \
		-out "$name.csr" -subj "/O=telnetd tests/CN=localhost" 2>/dev/null
	openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key \
		-CAcreateserial -out "$name.pem" -days "$days" \
		-extfile <(printf '%s\n%s\n%s\n' "$san" \
		"basicConstraints=CA:FALSE" \
		"extendedKeyUsage=serverAuth") 2>/dev/null
	cat "$name.pem" ca.pem >"$name-chain.pem"
	rm -f "$name.csr"
}

server rsa rsa:2048
server ec ec -pkeyopt ec_paramgen_curve:P-256
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out other.key 2>/dev/null
rm -f ca.srl
# Readable by the tests' unprivileged users too (they are test keys).
chmod 644 ./*.pem ./*.key
