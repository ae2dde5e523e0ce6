"""test_tls_hostile.py - TELNET over TLS through the daemon, against a
hostile or clumsy client and an admin's mistakes (the review of issue 15):

  * after the daemon's START_TLS FOLLOWS nothing is answered in clear (an
    AYT, an AO: draft-altman-telnet-starttls-02 section 2), nor before the
    client's answer to DO START_TLS (section 3.1, item 3), and clear bytes
    behind the client's FOLLOWS are the handshake's, never TELNET;
  * a -required refusal is final;
  * TLS 1.0 and 1.1 only clients and a TLS 1.2 renegotiation are refused,
    a log line each, a session beside them untouched;
  * our FOLLOWS stuck behind output the client never reads still ends at
    the handshake's deadline;
  * a signer lost while the files on disk are a bad pair: logged as such,
    and tried again when the files change;
  * a SIGHUP that finds a FIFO where a file was: one line at once, the old
    pair stays.

The clients and helpers are test_tls_sessions.py's.
"""
import os
import re
import signal
import socket
import ssl
import subprocess
import shutil
import time
import warnings

import pytest

from tnclient import (TelnetClient, IAC, DO, DONT, WILL, WONT, AYT, AO,
                      STARTTLS, TTYPE, LOGOUT)
from test_tls_sessions import (TLSClient, tls_args, session_pids,
                               peer_cert_key_type, daemon_on_copies,
                               FOLLOWS, REQUIRED_LINE)
from test_tls import ca  # noqa: F401


def test_nothing_answered_after_our_follows(listen_daemon, ca):
    """Draft section 2: once the server has sent its FOLLOWS it "MUST NOT
    respond to nor initiate any additional telnet commands".  A client's
    AYT and AO between its WILL and its FOLLOWS (in the one segment, as
    C-Kermit sends WILL and FOLLOWS) get no [Yes] and no DM in clear, and
    the AO does not take our FOLLOWS back out of the queue: in clear the
    client sees DO START_TLS and FOLLOWS, nothing else, then the
    handshake.  What the client typed between its WILL and its FOLLOWS
    reaches no program."""
    d = listen_daemon(['-h', '-E', '/bin/cat'] + tls_args(ca, 'starttls'))
    c = TLSClient(d.port, ca, timeout=10)
    try:
        c.wait_event(('DO', STARTTLS))
        c.send_raw(bytes([IAC, WILL, STARTTLS, IAC, AYT, IAC, AO]) +
                   b'typed-between\r\n' + FOLLOWS)
        c.wait_event(lambda e: e[0] == 'SB' and e[1] == STARTTLS)
        c.wrap()
        assert bytes(c.raw) == bytes([IAC, DO, STARTTLS]) + FOLLOWS, c.raw
        c.negotiate()
        c.send_data(b'inside\r\n')
        c.expect(b'inside')
        # Typed between the WILL and the FOLLOWS, in clear: dropped, so
        # /bin/cat never echoes it (it would come before "inside").
        assert b'typed-between' not in bytes(c.data)
    finally:
        c.close()


def test_nothing_answered_before_the_tls_decision(listen_daemon, ca):
    """Draft section 3.1, item 3: after DO START_TLS the server "SHOULD NOT
    send additional Telnet data or commands ... except in response to
    client Telnet options" until the client's WONT or TLS is up.  An AYT
    and an AO before the client's answer get no [Yes] and no DM (nor does
    the AO clear what is queued): agreed, the client sees DO START_TLS and
    our FOLLOWS in clear, nothing else; refused, the session goes plain
    and the AYT sent before stays unanswered, one after is answered."""
    d = listen_daemon(['-h', '-E', '/bin/cat'] + tls_args(ca, 'starttls'))
    c = TLSClient(d.port, ca, timeout=10)
    try:
        c.wait_event(('DO', STARTTLS))
        c.send_raw(bytes([IAC, AYT, IAC, AO]))
        c.send_raw(bytes([IAC, WILL, STARTTLS]) + FOLLOWS)
        c.wait_event(lambda e: e[0] == 'SB' and e[1] == STARTTLS)
        c.wrap()
        assert bytes(c.raw) == bytes([IAC, DO, STARTTLS]) + FOLLOWS, c.raw
        c.negotiate()
        c.send_raw(bytes([IAC, AYT]))       # inside TLS: answered
        c.expect(b'[Yes]')
    finally:
        c.close()
    c = TelnetClient(d.port, timeout=10)
    try:
        c.wait_event(('DO', STARTTLS))
        c.send_raw(bytes([IAC, AYT]))
        c.negotiate()           # WONT START_TLS: plain from here
        c.wait_event(('DO', TTYPE))
        c.send_data(b'plain text\r\n')
        c.expect(b'plain text')
        c.send_raw(bytes([IAC, AYT]))
        c.expect(b'[Yes]')
        assert bytes(c.data).count(b'[Yes]') == 1, c.data
    finally:
        c.close()


def test_plain_after_follows_is_no_telnet(listen_daemon, ca):
    """Bytes in clear right behind the client's FOLLOWS (in its segment,
    or in the next) are the handshake's: a command line and an IAC there
    are not TELNET and reach no program; the handshake fails on them, a
    log line each, and the connection closes."""
    d = listen_daemon(['-h', '-E', '/bin/cat'] + tls_args(ca, 'starttls'))
    for split in (False, True):
        c = TelnetClient(d.port, timeout=10)
        try:
            c.wait_event(('DO', STARTTLS))
            c.send_raw(bytes([IAC, WILL, STARTTLS]) + FOLLOWS +
                       (b'' if split else b'echo IN-CLEAR\r\n'))
            if split:
                c.wait_event(lambda e: e[0] == 'SB' and e[1] == STARTTLS)
                c.send_raw(b'echo IN-CLEAR\r\n' + bytes([IAC, AYT]))
            c.read_until_close(timeout=10)
            assert b'IN-CLEAR' not in bytes(c.data)
            assert b'[Yes]' not in bytes(c.data)
        finally:
            c.close()
    wait_ended(d, 2)
    assert d.stderr_text().count('TLS handshake failed: handshake: '
                                 'error:0A00010B:SSL routines::wrong '
                                 'version number') == 2, d.stderr_text()
    assert 'session from' not in d.stderr_text()


def test_required_refusal_is_final(listen_daemon, ca):
    """--tls=starttls-required: a client that refuses START_TLS and asks
    for it again in the same breath (WONT, then WILL and its FOLLOWS) gets
    the one line and the close, not a DO START_TLS and a FOLLOWS after
    "connection closed" (a handshake nobody will run: the relay is
    draining)."""
    d = listen_daemon(['-h', '-E', '/bin/cat'] +
                      tls_args(ca, 'starttls-required'))
    c = TelnetClient(d.port, timeout=10)
    try:
        c.wait_event(('DO', STARTTLS))
        n = len(c.raw)
        c.send_raw(bytes([IAC, WONT, STARTTLS, IAC, WILL, STARTTLS]) +
                   FOLLOWS)
        c.read_until_close(timeout=10)
        after = bytes(c.raw[n:])
        assert REQUIRED_LINE in after
        assert FOLLOWS not in after and bytes([IAC, DO, STARTTLS]) not in \
            after, after
    finally:
        c.close()
    d.wait_stderr(r'refused: the client refused START_TLS')


def wait_ended(d, n, timeout=10):
    """Until the daemon has logged the end of n sessions."""
    deadline = time.monotonic() + timeout
    while True:
        got = len(re.findall(r'session \d+ from \S+ ended',
                             d.stderr_text()))
        if got >= n or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert got == n, d.stderr_text()


def test_old_versions_and_renegotiation_refused(listen_daemon, ca):
    """Through the daemon, beside a working session: a client that offers
    only TLS 1.0 or only TLS 1.1 fails its handshake (a log line each); a
    TLS 1.2 client that asks to renegotiate (s_client's R command) is
    refused and its session ends (a log line); the working session
    answers throughout."""
    d = listen_daemon(['-h', '-E', '/bin/cat'] + tls_args(ca, 'implicit'))
    good = TLSClient(d.port, ca, implicit=True, timeout=10)
    p = None
    try:
        good.negotiate()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            versions = (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1)
        for v in versions:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(str(ca / 'ca.pem'))
            ctx.set_ciphers('DEFAULT@SECLEVEL=0')
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', DeprecationWarning)
                ctx.minimum_version = ctx.maximum_version = v
            with socket.create_connection(('127.0.0.1', d.port)) as raw:
                with pytest.raises(ssl.SSLError):
                    ctx.wrap_socket(raw, server_hostname='localhost')
        wait_ended(d, 2)
        assert d.stderr_text().count(
            'TLS handshake failed: handshake: error:0A000102:SSL routines'
            '::unsupported protocol') == 2, d.stderr_text()
        good.send_raw(bytes([IAC, AYT]))
        good.expect(b'[Yes]')

        p = subprocess.Popen(
            ['openssl', 's_client', '-connect', '127.0.0.1:%d' % d.port,
             '-CAfile', str(ca / 'ca.pem'), '-verify_return_error',
             '-servername', 'localhost', '-tls1_2'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        d.wait_stderr(r'TLS TLSv1\.2 \S+, SNI localhost')
        p.stdin.write(b'R\n')
        p.stdin.flush()
        d.wait_stderr(r'TLS: read: .*(no renegotiation|alert handshake '
                      r'failure)')
        wait_ended(d, 3)
        good.send_raw(bytes([IAC, AYT]))
        good.expect(b'[Yes]', timeout=10)
    finally:
        if p is not None:
            p.kill()
            p.wait()
            p.stdin.close()
            p.stdout.close()
        good.close()


def test_follows_never_read_hits_the_deadline(listen_daemon, ca):
    """A client that has the daemon queue more than the kernel takes
    (refusals of an option it offers again and again, which it never
    reads: an AYT gets no answer before the TLS decision) and then sends
    WILL START_TLS and its FOLLOWS: our FOLLOWS waits behind the answers,
    the handshake cannot begin, and the wait is bounded all the same (a
    log line and the close), not a relay and a monitor held for as long
    as the client likes.  The answers are the kernel's most for a
    socket's send buffer (tcp_wmem) and 2 MiB more, so some are always
    left in the queue."""
    with open('/proc/sys/net/ipv4/tcp_wmem') as f:
        wmem_max = int(f.read().split()[2])
    offers = (wmem_max + (2 << 20)) // len(bytes([IAC, DONT, LOGOUT]))
    d = listen_daemon(['-h', '-E', '/bin/cat', '--output-buffer=%d'
                       % (16 << 20), '--negotiation-timeout=60000'] +
                      tls_args(ca, 'starttls'))
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.connect(('127.0.0.1', d.port))
        s.settimeout(10)
        assert s.recv(3) == bytes([IAC, DO, STARTTLS])
        s.sendall(bytes([IAC, WILL, LOGOUT]) * offers +
                  bytes([IAC, WILL, STARTTLS]) + FOLLOWS)
        t0 = time.monotonic()
        d.wait_stderr(r'TLS handshake failed: handshake not done in 10000 '
                      r'ms \(our FOLLOWS not read\)', timeout=20)
        assert time.monotonic() - t0 < 15
        d.wait_stderr(r'session \d+ from 127.0.0.1 ended', timeout=5)
    finally:
        s.close()


def test_signer_lost_with_bad_files_comes_back(listen_daemon, ca, tmp_path):
    """The signer in service ends (the OOM killer, an admin's kill) while
    the files on disk are a bad pair (a renewal half done): the log says
    TLS connections are refused (not that "the old ones stay in service":
    there is none), and they are, a line each; once the files pass again
    the next TLS connection starts a signer and is served, without
    waiting for a SIGHUP.  Files that did not change are not tried again
    for every connection; a SIGHUP tries them, and says so."""
    d, cert, key = daemon_on_copies(listen_daemon, ca, tmp_path)
    assert peer_cert_key_type(d.port, ca) == 'rsaEncryption'
    signer, = session_pids(d)['signer']
    shutil.copy(ca / 'other.key', key)      # matches nothing
    os.kill(signer, signal.SIGKILL)
    d.wait_stderr(r'signer restart: no signer, TLS connections refused '
                  r'until the files pass: .*does not match')
    for _ in range(2):
        with pytest.raises(OSError):
            peer_cert_key_type(d.port, ca)
    d.wait_stderr(r'(refused 127\.0\.0\.1 port \d+: no signer for TLS'
                  r'(.|\n)*){2}')
    assert d.stderr_text().count('signer restart:') == 1
    os.kill(d.pid, signal.SIGHUP)           # the admin tries: a line
    d.wait_stderr(r'SIGHUP: no signer, TLS connections refused until the '
                  r'files pass: .*does not match')
    shutil.copy(ca / 'rsa.key', key)
    assert peer_cert_key_type(d.port, ca) == 'rsaEncryption'
    d.wait_stderr(r'signer restart: certificate \S+ and key \S+ loaded for '
                  r'new sessions')


@pytest.mark.parametrize('which', ['cert', 'key'])
def test_sighup_finding_a_fifo_keeps_the_old_pair(listen_daemon, ca,
                                                  tmp_path, which):
    """The key (or certificate) replaced by a FIFO, then SIGHUP: the new
    signer's read would wait for a writer that never comes (the listener
    waited the signer's 10 s, serving no one, then logged "Connection
    timed out").  The reload says at once, in one line, that the file is
    not a regular file, and the old pair stays in service."""
    d, cert, key = daemon_on_copies(listen_daemon, ca, tmp_path)
    path = cert if which == 'cert' else key
    os.remove(path)
    os.mkfifo(path)
    os.kill(d.pid, signal.SIGHUP)
    d.wait_stderr(r'SIGHUP: certificate and key not reloaded, the old ones '
                  r'stay in service: %s %s: not a regular file'
                  % ('certificate' if which == 'cert' else 'key',
                     re.escape(str(path))), timeout=5)
    assert d.stderr_text().count('SIGHUP:') == 1, d.stderr_text()
    assert peer_cert_key_type(d.port, ca) == 'rsaEncryption'
