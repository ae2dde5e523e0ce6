"""test_tls.py - TELNET over TLS: the pieces the relay is wired
to, proved without the daemon (the daemon's TLS sessions: test_tls_sessions.py).

  * tls_echo (tests/tools/tls_echo.c) runs the relay's TLS module
    (telnetd/tls.c) for one server handshake and an echo, with the private
    key in a signer process of its own, against `openssl s_client` checking
    the certificate against the test CA: RSA and ECDSA keys, TLS 1.2 and
    1.3, RSA-PSS and PKCS #1 v1.5, the bytes read before TLS began handed
    over (as after START_TLS's FOLLOWS), and a client that stalls in the
    handshake (the deadline);
  * the key is not in the relay: its whole memory is read through
    /proc/PID/mem after the handshake and no piece of the private key is
    there, while the same scan finds it in the signer;
  * the command line: --tls=MODE, --listen=PORT,tls=MODE, --tls-cert,
    --tls-key, each mistake one line and exit 2 (the files checked by the
    signer as it starts);
  * the daemon links no TLS library (a daemon not asked for TLS pays
    nothing for it).

The certificates come from tests/tls/make-test-ca.sh, made once per run.
"""
import os
import re
import select
import socket
import subprocess
import time

import pytest

from conftest import telnetd_path, tool_path, _need, BUILD

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_CA = os.path.join(HERE, '..', 'tls', 'make-test-ca.sh')


@pytest.fixture(scope='module')
def ca(tmp_path_factory):
    d = tmp_path_factory.mktemp('ca')
    subprocess.run(['bash', MAKE_CA, str(d)], check=True, timeout=60)
    return d


class Echo:
    """tls_echo on a free loopback port; lines of its stdout on demand."""

    def __init__(self, ca, kind, *flags):
        exe = _need(tool_path('tls_echo'))
        helper = _need(BUILD / 'libexec' / 'telnetd' / 'tls-helper')
        self.p = subprocess.Popen(
            [exe, '-H', helper, '-c', str(ca / ('%s-chain.pem' % kind)),
             '-k', str(ca / ('%s.key' % kind))] + list(flags),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        self.buf = b''
        line = self.line()
        m = re.match(r'READY (\d+)$', line)
        assert m, 'tls_echo said %r' % line
        self.port = int(m.group(1))

    def line(self, timeout=10):
        """The next line of its stdout (read unbuffered: what is left
        goes to finish())."""
        end = time.monotonic() + timeout
        while b'\n' not in self.buf:
            left = end - time.monotonic()
            r, _, _ = select.select([self.p.stdout], [], [], max(left, 0))
            assert r, 'tls_echo said nothing in %s s' % timeout
            chunk = os.read(self.p.stdout.fileno(), 4096)
            assert chunk, 'tls_echo ended: %r' % self.buf
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b'\n')
        return line.decode()

    def finish(self, timeout=10):
        out, err = self.p.communicate(timeout=timeout)
        return self.p.returncode, (self.buf + out).decode(), err.decode()

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def s_client(ca, port, *args, data=b'hello over tls\n', timeout=10):
    """openssl s_client checking the chain against the test CA and the
    name localhost; returns (status, what came back)."""
    p = subprocess.Popen(
        ['openssl', 's_client', '-connect', '127.0.0.1:%d' % port,
         '-CAfile', str(ca / 'ca.pem'), '-verify_return_error',
         '-verify_hostname', 'localhost', '-servername', 'localhost',
         '-quiet', '-no_ign_eof'] + list(args),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    p.stdin.write(data)
    p.stdin.flush()
    got = b''
    end = time.monotonic() + timeout
    while len(got) < len(data) and time.monotonic() < end:
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if r:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            got += chunk
    p.stdin.close()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    err = p.stderr.read().decode(errors='replace')
    p.stdout.close()
    p.stderr.close()
    return p.returncode, got, err


CASES = [
    ('rsa', '-tls1_3', [], 'TLSv1.3'),
    ('rsa', '-tls1_2', [], 'TLSv1.2'),
    ('ec', '-tls1_3', [], 'TLSv1.3'),
    ('ec', '-tls1_2', [], 'TLSv1.2'),
    ('rsa', '-tls1_2', ['-sigalgs', 'RSA+SHA256'], 'TLSv1.2'),
    ('rsa', '-tls1_2', ['-sigalgs', 'rsa_pss_rsae_sha384'], 'TLSv1.2'),
    ('rsa', '-tls1_3', ['-sigalgs', 'rsa_pss_rsae_sha512'], 'TLSv1.3'),
    ('ec', '-tls1_2', ['-sigalgs', 'ECDSA+SHA512'], 'TLSv1.2'),
    ('rsa', '-tls1_2', ['-groups', 'P-521'], 'TLSv1.2'),
    ('ec', '-tls1_3', ['-groups', 'X448'], 'TLSv1.3'),
]


@pytest.mark.parametrize('kind,version,extra,want', CASES,
                         ids=['-'.join([c[0], c[1][1:]] + c[2])
                              for c in CASES])
def test_handshake_and_echo(ca, kind, version, extra, want):
    e = Echo(ca, kind)
    try:
        rc, got, err = s_client(ca, e.port, version, *extra)
        assert got == b'hello over tls\n', err
        hs = e.line()
        assert hs.startswith('HANDSHAKE %s ' % want), hs
        assert 'sni=localhost' in hs, hs
        status, out, eerr = e.finish()
        assert status == 0, (out, eerr)
        assert 'DONE 15' in out, out
    finally:
        e.kill()


@pytest.mark.parametrize('kind,version', [('rsa', '-tls1_3'),
                                          ('ec', '-tls1_2')])
def test_bytes_read_before_tls(ca, kind, version):
    """-P: the first read (the start of the ClientHello) is done in plain
    and handed to tls_prefix, as the relay will hand over what follows
    IAC SB START_TLS FOLLOWS IAC SE in the same read."""
    e = Echo(ca, kind, '-P')
    try:
        rc, got, err = s_client(ca, e.port, version)
        assert got == b'hello over tls\n', err
        assert e.line().startswith('HANDSHAKE')
        assert e.finish()[0] == 0
    finally:
        e.kill()


def refused_handshake(ca, *client_args):
    """s_client with these arguments fails, and so does the server's
    handshake step, with a reason."""
    e = Echo(ca, 'rsa')
    try:
        p = subprocess.run(
            ['openssl', 's_client', '-connect', '127.0.0.1:%d' % e.port,
             '-quiet', '-no_ign_eof'] + list(client_args),
            input=b'x\n', capture_output=True, timeout=10)
        assert p.returncode != 0
        status, out, _ = e.finish()
        assert status == 1 and 'ERROR handshake' in out, out
    finally:
        e.kill()


def test_signer_refuses_a_key_that_does_not_match(ca):
    """tls-helper signer checks the pair before it says it is ready; the
    daemon's side (ks_signer_start) gets the reason."""
    exe = _need(tool_path('tls_echo'))
    helper = _need(BUILD / 'libexec' / 'telnetd' / 'tls-helper')
    p = subprocess.run([exe, '-H', helper, '-c', str(ca / 'rsa-chain.pem'),
                        '-k', str(ca / 'other.key')], capture_output=True,
                       timeout=20)
    assert p.returncode == 1
    assert re.match(rb'ERROR signer: key \S+ does not match the certificate',
                    p.stdout), p.stdout


def test_client_without_the_ca_is_refused(ca):
    # A leaf certificate is no CA: the chain does not verify.
    refused_handshake(ca, '-CAfile', str(ca / 'ec.pem'),
                      '-verify_return_error')


def test_tls10_client_is_refused(ca):
    """TLS 1.2 and 1.3 only."""
    refused_handshake(ca, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0')


def test_stalled_handshake_hits_the_deadline(ca):
    """A client that sends half a ClientHello and waits: the handshake
    step reports the deadline (TLS_HANDSHAKE_MS, 10 s)."""
    e = Echo(ca, 'ec')
    s = socket.create_connection(('127.0.0.1', e.port))
    try:
        s.sendall(b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')
        t0 = time.monotonic()
        status, out, _ = e.finish(timeout=20)
        took = time.monotonic() - t0
        assert status == 1, out
        assert 'ERROR handshake: handshake not done in 10000 ms' in out, out
        assert 9 < took < 15, took
    finally:
        s.close()
        e.kill()


def test_garbage_instead_of_a_client_hello(ca):
    e = Echo(ca, 'rsa')
    s = socket.create_connection(('127.0.0.1', e.port))
    try:
        s.sendall(b'GET / HTTP/1.0\r\n\r\n' + bytes(range(256)))
        status, out, _ = e.finish()
        assert status == 1 and 'ERROR handshake' in out, out
    finally:
        s.close()
        e.kill()


# --- the key stays out of the relay -----------------------------------------

def key_pieces(ca, kind):
    """Byte strings that are parts of the private key as it may sit in
    memory: the secret numbers big- and little-endian (OpenSSL's BIGNUMs
    are arrays of little-endian words), the DER and the PEM text."""
    key = str(ca / ('%s.key' % kind))
    text = subprocess.run(['openssl', 'pkey', '-in', key, '-text', '-noout'],
                          capture_output=True, text=True, check=True).stdout
    nums, cur = {}, None
    for line in text.splitlines():
        m = re.match(r'^(\w+):\s*$', line)
        if m:
            cur = m.group(1)
            nums[cur] = ''
        elif cur and re.match(r'^\s+[0-9a-f:]+$', line):
            nums[cur] += line.strip().replace(':', '')
        else:
            cur = None
    secret = ['privateExponent', 'prime1', 'prime2', 'exponent1',
              'exponent2', 'coefficient'] if kind == 'rsa' else ['priv']
    pieces = {}
    for name in secret:
        # Without its leading zero bytes, as a BIGNUM holds it: a P-256
        # secret is 31 bytes or fewer once in 256 keys.  24 bytes are
        # still unique in any memory; fewer happens once in 2^64.
        b = bytes.fromhex(nums[name]).lstrip(b'\0')
        assert len(b) >= 24, (name, len(b))
        pieces[name + ' (big-endian)'] = b[:32]
        pieces[name + ' (little-endian)'] = b[::-1][:32]
    if kind == 'rsa':
        # The end of an RSA key's DER is its coefficient (an EC key's DER
        # ends with the public point, which the certificate has too).
        der = subprocess.run(['openssl', 'pkey', '-in', key, '-outform',
                              'DER'], capture_output=True, check=True).stdout
        pieces['DER'] = der[-64:]
    pem = open(key).read().splitlines()
    pieces['PEM'] = pem[len(pem) // 2].encode()
    return pieces


# A sanitizer build's shadow memory is mapped readable and terabytes big;
# nothing of the program is in a mapping of that size.
MAPPING_MAX = 1 << 32


def read_memory(pid):
    """Every readable mapping of pid, as (name, bytes)."""
    out = []
    with open('/proc/%d/maps' % pid) as maps, \
            open('/proc/%d/mem' % pid, 'rb', 0) as mem:
        for line in maps:
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split('-'))
            if f[1][0] != 'r' or (len(f) > 5 and f[5] == '[vvar]') or \
                    hi - lo > MAPPING_MAX:
                continue
            try:
                mem.seek(lo)
                out.append((line.strip(), mem.read(hi - lo)))
            except OSError:
                continue
    return out


def found(memory, pieces):
    return sorted({name for name, piece in pieces.items()
                   for _, data in memory if piece in data})


@pytest.mark.parametrize('kind', ['rsa', 'ec'])
def test_key_not_in_relay_memory(ca, kind):
    """After a full handshake the relay's whole memory holds no piece of
    the private key; the signer's does (the scan works)."""
    if os.geteuid() != 0:
        pytest.skip('reading another process\'s memory needs root')
    pieces = key_pieces(ca, kind)
    e = Echo(ca, kind, '-W')
    try:
        p = subprocess.Popen(
            ['openssl', 's_client', '-connect', '127.0.0.1:%d' % e.port,
             '-CAfile', str(ca / 'ca.pem'), '-verify_return_error',
             '-quiet', '-no_ign_eof'], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL)
        assert e.line().startswith('HANDSHAKE')
        m = re.match(r'WAIT (\d+)$', e.line())
        assert m
        relay = int(m.group(1))
        with open('/proc/%d/task/%d/children' % (relay, relay)) as f:
            kids = [int(x) for x in f.read().split()]
        assert len(kids) == 1, kids
        signer = kids[0]
        in_relay = found(read_memory(relay), pieces)
        in_signer = found(read_memory(signer), pieces)
        e.p.stdin.write(b'go\n')
        e.p.stdin.flush()
        p.stdin.write(b'bye\n')
        p.stdin.close()
        p.wait(timeout=10)
        status, out, err = e.finish()
        assert status == 0, (out, err)
        assert in_relay == [], 'key material in the relay: %s' % in_relay
        assert in_signer, 'the scan found nothing in the signer either'
    finally:
        e.kill()


# --- the command line ----------------------------------------------------------

def run_daemon(*args):
    exe = _need(telnetd_path())
    return subprocess.run([exe] + list(args), capture_output=True,
                          timeout=20, stdin=subprocess.DEVNULL)


def one_line(p):
    assert p.returncode == 2, p
    err = p.stderr.decode()
    assert err.count('\n') == 1 and err.startswith('telnetd: '), err
    assert p.stdout == b''
    return err


def test_bad_tls_options(ca):
    rsa, key = str(ca / 'rsa-chain.pem'), str(ca / 'rsa.key')
    cases = [
        (['--tls=bogus'], 'unknown mode'),
        (['--tls='], 'unknown mode'),
        (['--tls=starttls'], 'needs both --tls-cert'),
        (['--tls=implicit', '--tls-cert=' + rsa], 'needs both'),
        (['--tls-cert=' + rsa, '--tls-key=' + key], 'need --tls=MODE'),
        (['--listen=127.0.0.1:23,tls=off', '--tls-cert=' + rsa,
          '--tls-key=' + key], 'need --tls=MODE'),
        (['--tls=auto', '--tls-cert=/nonexistent/chain.pem',
          '--tls-key=' + key], 'No such file'),
        (['--tls=auto', '--tls-cert=', '--tls-key=' + key], 'empty'),
        (['--tls=auto', '--tls-cert=' + rsa,
          '--tls-key=' + str(ca / 'other.key')], 'does not match'),
        (['--tls=auto', '--tls-cert=' + rsa,
          '--tls-key=' + str(ca / 'ec.key')], 'does not match'),
        (['--tls=auto', '--tls-cert=' + key, '--tls-key=' + key],
         'certificate'),
        (['--tls=auto', '--tls-cert=' + rsa, '--tls-key=' + rsa], 'key'),
        (['--listen=127.0.0.1:23,tls=sometimes'], 'unknown TLS mode'),
        (['--listen=127.0.0.1:23,ssl'], 'only ,tls=MODE'),
    ]
    for args, want in cases:
        err = one_line(run_daemon(*args))
        assert want in err, (args, err)



@pytest.mark.parametrize('which', ['cert', 'key'])
@pytest.mark.parametrize('kind', ['fifo', 'directory'])
def test_tls_files_must_be_regular(ca, tmp_path, which, kind):
    """A FIFO named as the certificate or the key would hold the signer's
    read until a writer came (the start gave up after its 10 s with "did
    not start: Connection timed out"), a directory gave OpenSSL's
    "DECODER routines::unsupported": both are one clear line and exit 2
    at once, as --issue's check is."""
    bad = tmp_path / 'bad'
    if kind == 'fifo':
        os.mkfifo(bad)
    else:
        bad.mkdir()
    files = {'cert': str(ca / 'rsa-chain.pem'), 'key': str(ca / 'rsa.key')}
    files[which] = str(bad)
    err = one_line(run_daemon('--tls=auto', '--tls-cert=' + files['cert'],
                              '--tls-key=' + files['key']))
    what = 'certificate' if which == 'cert' else 'key'
    assert '%s %s: not a regular file' % (what, bad) in err, err

def test_tls_off_is_plain(ca):
    """--tls=off (also with a tls=off listener) is the daemon as before."""
    p = run_daemon('--tls=off')
    err = p.stderr.decode()
    assert p.returncode == 2 and 'standard input is not a socket' in err, p


def test_plain_daemon_never_runs_tls_helper(listen_daemon):
    """A daemon not asked for TLS stays the daemon binary in every process
    (listener, monitor, relay): no page of tls-helper (OpenSSL) is mapped,
    so plain sessions pay nothing for TLS."""
    from tnclient import TelnetClient
    d = listen_daemon(['-h', '-E', '/bin/cat'])
    c = TelnetClient(d.port, timeout=10)
    try:
        c.negotiate()
        c.send_data(b'hi\r\n')
        c.expect(b'hi')
        pids = [d.pid] + d.descendants()
        daemon = os.path.realpath(telnetd_path())
        seen = 0
        for pid in pids:
            try:
                exe = os.path.realpath('/proc/%d/exe' % pid)
                with open('/proc/%d/maps' % pid) as f:
                    maps = f.read()
            except OSError:
                continue
            assert 'tls-helper' not in maps, (pid, exe)
            if exe == daemon:
                seen += 1
        assert seen >= 3, pids     # listener, monitor, relay
    finally:
        c.close()


def test_daemon_links_no_tls_library():
    """The TLS code lives in tls-helper: the daemon's own binary has none
    of OpenSSL (linked into the static-pie daemon it cost every plain
    session about 1.5 MB)."""
    daemon = open(_need(telnetd_path()), 'rb').read()
    for marker in (b'SSL_CTX_new', b'OpenSSL 3', b'EVP_DigestSign'):
        assert marker not in daemon, marker
    helper = open(_need(BUILD / 'libexec' / 'telnetd' / 'tls-helper'),
                  'rb').read()
    assert b'X509_check_private_key' in helper
