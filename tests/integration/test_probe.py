"""test_probe.py - the report's option probe on the wire: what
it asks, that every option a client accepts is taken back at once (RFC
1143, never on) so a session after --report=login has the options it
would have had without it, that a subnegotiation a client sends before it
reads our DONT does nothing, the plans for clients known to break
(Microsoft telnet's terminal types) and clients that answer nothing, and
--report-dir's files.

The client is tnclient.TelnetClient, which records every byte the daemon
sends and keeps its own idea of each option's state.
"""
import json
import os
import pathlib
import re
import select
import socket
import stat
import subprocess
import threading
import time

import pytest

from conftest import telnetd_path
from tnclient import (TelnetClient, IAC, SB, SE, WILL, DO, DONT, WONT,
                      TTYPE, NAWS, TSPEED, LFLOW, XDISPLOC, OLD_ENVIRON,
                      NEW_ENVIRON, SGA, ECHO, STATUS, LINEMODE, CHARSET,
                      TM)

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
LMPROG = str(PROGS / 'lmprog.py')

# What the daemon lets be on (negotiate.c's policy) ...
REMOTE_OK = {0, 3, 23, 24, 25, 31, 32, 33, 34, 35, 36, 39, 42}
LOCAL_OK = {0, 1, 3, 5, 6, 18, 25, 42}
# ... and what a session's opening asks for.
OPENING_REMOTE = {TTYPE, TSPEED, XDISPLOC, NEW_ENVIRON, OLD_ENVIRON, NAWS,
                  LFLOW}
OPENING_LOCAL = {SGA, ECHO, STATUS}


class AcceptAll(dict):
    """tnclient answers: yes to every DO and WILL."""

    def __contains__(self, key):
        return False

    def get(self, key, default=None):
        return True


def greedy_client(port, **kw):
    c = TelnetClient(port, timeout=15)
    c.negotiate(term='xterm', display='here:0', **kw)
    c.answers = AcceptAll()
    return c


def on(c):
    """The options the client thinks are on: (its side, ours)."""
    return ({o for o, v in c.us.items() if v},
            {o for o, v in c.him.items() if v})


def server_verbs(c):
    """[(index, verb, option)] of the daemon's negotiation, in order."""
    return [(i, e[0], e[1]) for i, e in enumerate(c.events)
            if e[0] in ('DO', 'DONT', 'WILL', 'WONT')]


def env_of(c):
    c.expect(b'READY')
    return dict(m.groups() for m in re.finditer(
        rb'([A-Z_]+)=([^\r\n]*)\r\n', bytes(c.data)))


def report_lines(log, n=1, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= n:
            return [json.loads(x) for x in lines]
        time.sleep(0.05)
    raise AssertionError('no report in %s' % log)


def login_daemon(start, tmp_path):
    """A --report=login daemon (start: inetd_daemon or listen_daemon)
    whose program prints its environment; (daemon, its report log)."""
    tmp_path.chmod(0o755)
    log = tmp_path / 'r.jsonl'
    return start(['--report=login', '--report-log=%s' % log,
                  '-E', LMPROG + ' env']), log


def test_probe_takes_back_every_option(inetd_daemon, tmp_path):
    """--report=login with a client that agrees to everything: each DO
    and WILL of the burst it accepts is answered DONT and WONT at once,
    nothing but the opening's options is left on either side, exactly as
    in a session without --report, and the program starts."""
    d, log = login_daemon(inetd_daemon, tmp_path)
    c = greedy_client(d.port)
    env = env_of(c)
    assert env[b'TERM'] == b'xterm'
    # The burst: far more than the opening asked.
    verbs = server_verbs(c)
    asked_do = {o for _, v, o in verbs if v == 'DO'}
    asked_will = {o for _, v, o in verbs if v == 'WILL'}
    assert {0, 8, 21, 34, 37, 42, 47, 138} <= asked_do, sorted(asked_do)
    assert {0, 2, 37, 42, 47, 140} <= asked_will, sorted(asked_will)
    # Never asked: TIMING-MARK is the marker (DO only), LOGOUT, START-TLS,
    # nor the other side of an option that is on (our ECHO and SGA, the
    # client's TTYPE and NAWS).
    assert 18 not in asked_do | asked_will and 46 not in asked_do | \
        asked_will
    assert ECHO not in asked_do and SGA not in asked_do
    assert TTYPE not in asked_will and NAWS not in asked_will
    # Every acceptance taken back, right after the client's answer.
    for i, verb, opt in verbs:
        if verb == 'DO' and opt not in OPENING_REMOTE | {TM}:
            assert any(v == 'DONT' and o == opt and j > i
                       for j, v, o in verbs), 'DO %d kept' % opt
        if verb == 'WILL' and opt not in OPENING_LOCAL:
            assert any(v == 'WONT' and o == opt and j > i
                       for j, v, o in verbs), 'WILL %d kept' % opt
    mine, ours = on(c)
    assert mine <= OPENING_REMOTE and ours <= OPENING_LOCAL, (mine, ours)
    # The CHARSET the client agreed to was not used (no UTF-8 LANG).
    assert env[b'LANG'] == b''
    r = report_lines(log)[0]
    assert r['mode'] == 'login' and r['probe']['plan'] == 'full'
    assert not r['probe']['client']['silent'], r['probe']
    assert r['probe']['timing_mark'] == 'WILL'
    c.close()

    # The same client without --report: the same options on.
    d2 = inetd_daemon(['-E', LMPROG + ' env'])
    c2 = greedy_client(d2.port)
    env_of(c2)
    assert on(c2) == (mine, ours)
    c2.close()


def test_probe_show_mode_leaves_only_what_is_implemented(inetd_daemon,
                                                          tmp_path):
    """--report with a client that agrees to everything: at the end, only
    options the daemon implements are on (the report keeps LINEMODE,
    CHARSET and SNDLOC, whose answers it shows)."""
    tmp_path.chmod(0o755)
    log = tmp_path / 'r.jsonl'
    d = inetd_daemon(['--report', '--report-log=%s' % log])
    c = greedy_client(d.port)
    text = c.read_until_close(timeout=15)
    assert b'telnetd client report' in text
    mine, ours = on(c)
    assert mine <= REMOTE_OK and ours <= LOCAL_OK, (mine, ours)
    assert LINEMODE in mine
    r = report_lines(log)[0]
    assert set(r['probe']['client']['agreed']) >= {'BINARY', 'LINEMODE',
                                                   'KERMIT', 'NAOL'}
    assert r['linemode']['type'] == 'real'


class EagerClient(TelnetClient):
    """Sends what a real client sends right after agreeing: its SLC table
    after WILL LINEMODE (BSD telnet), a CHARSET REQUEST after WILL CHARSET
    (telnetlib3), before it has read our DONT."""

    def _on_verb(self, verb, opt):
        super()._on_verb(verb, opt)
        if verb == 'DO' and opt == LINEMODE and self.us.get(LINEMODE):
            self.send_sb(LINEMODE, bytes([3, 3, 0x62, 3, 10, 2, 0x7f]))
        if verb == 'DO' and opt == CHARSET and self.us.get(CHARSET):
            self.send_sb(CHARSET, b'\x01;UTF-8')


def test_probe_subnegotiation_before_dont_does_nothing(inetd_daemon,
                                                       tmp_path):
    """The SLC table and the CHARSET REQUEST sent right after agreeing to
    the probe's DO: the report records the table, but no SLC answer, no
    ACCEPTED, no UTF-8 LANG and no line mode for the program."""
    d, log = login_daemon(inetd_daemon, tmp_path)
    c = EagerClient(d.port, timeout=15)
    c.negotiate(term='xterm')
    c.answers = AcceptAll()
    env = env_of(c)
    assert env[b'LANG'] == b''
    assert not c.sbs(LINEMODE) and not c.sbs(CHARSET), \
        [e for e in c.events if e[0] == 'SB']
    r = report_lines(log)[0]
    assert [(x['func'], x['value']) for x in r['slc']] == [('IP', 3),
                                                           ('EC', 127)]
    assert r['linemode']['type'] == 'none' and r['charset'] is None
    c.close()


def test_probe_reduced_for_microsoft_telnet(inetd_daemon, tmp_path):
    """Terminal types ANSI then VT100 (Microsoft telnet, which crashes on
    a burst of legacy DOs): no WILL at all in the probe, DO only for the
    options terminals use."""
    tmp_path.chmod(0o755)
    log = tmp_path / 'r.jsonl'
    d = inetd_daemon(['--report', '--report-log=%s' % log])
    c = TelnetClient(d.port, timeout=15)
    c.negotiate(term=['ANSI', 'VT100'])
    c.read_until_close(timeout=15)
    r = report_lines(log)[0]
    assert r['ttype'] == ['ansi', 'vt100']
    assert r['probe']['plan'] == 'reduced (Microsoft telnet)'
    wills = {o for _, v, o in server_verbs(c) if v == 'WILL'}
    dos = {o for _, v, o in server_verbs(c) if v == 'DO'}
    core = {0, 1, 3, 5, 24, 25, 31, 32, 33, 34, 35, 42, 23, 44}
    assert wills <= OPENING_LOCAL, sorted(wills)
    assert dos <= OPENING_REMOTE | core | {TM}, sorted(dos - core)
    assert r['probe']['server'] == {'agreed': {}, 'refused': {},
                                    'silent': []}


def test_probe_skipped_for_a_silent_client(inetd_daemon, tmp_path):
    """A client that answers nothing (raw TCP): no burst, no terminal
    queries; the report says why."""
    tmp_path.chmod(0o755)
    log = tmp_path / 'r.jsonl'
    d = inetd_daemon(['--report', '--report-log=%s' % log])
    c = TelnetClient(d.port, timeout=15)     # never answers
    c.read_until_close(timeout=15)
    r = report_lines(log)[0]
    assert r['probe']['plan'] == 'skipped (no answer to the opening)'
    assert r['probe']['sent'] == 0
    assert r['terminal_probe']['skipped'] == 'the client negotiated nothing'
    assert 8 not in {o for _, v, o in server_verbs(c)}
    assert b'\x1b[6n' not in bytes(c.data)


def refusing_client(port, hold=(), hold_s=0.3, timeout=15):
    """A client that refuses every request, in order, each answer its own
    write (as Python's telnetlib does).  From its refusal of an option in
    hold on, its answers wait until the burst's first question (DO or WILL
    of an option the opening does not ask) or hold_s after the connection,
    what comes first: the opening's requests answered in a later segment.
    Reads until the daemon closes."""
    sock = socket.create_connection(('127.0.0.1', port), 5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0, buf, held, burst = time.monotonic(), b'', [], False
    end = t0 + timeout
    try:
        while time.monotonic() < end:
            if held and (burst or time.monotonic() >= t0 + hold_s):
                for a in held:
                    sock.sendall(a)
                held = []
            wait = t0 + hold_s - time.monotonic() if held else 1.0
            r, _, _ = select.select([sock], [], [], max(wait, 0.01))
            if not r:
                continue
            chunk = sock.recv(4096)
            if not chunk:
                return
            buf += chunk
            while True:
                i = buf.find(bytes([IAC]))
                if i < 0 or len(buf) < i + 3:
                    buf = buf[i:] if i >= 0 else b''
                    break
                verb, opt = buf[i + 1], buf[i + 2]
                buf = buf[i + 3:]
                if verb not in (DO, WILL):
                    continue
                if opt not in OPENING_REMOTE | OPENING_LOCAL | {TM}:
                    burst = True
                a = bytes([IAC, WONT if verb == DO else DONT, opt])
                if (opt in hold or held) and not burst:
                    held.append(a)
                else:
                    for h in held + [a]:
                        sock.sendall(h)
                    held = []
    finally:
        sock.close()


def test_probe_fingerprint_does_not_depend_on_segments(inetd_daemon,
                                                      tmp_path):
    """A client whose refusals of the opening's WILL ECHO, SGA, STATUS
    and DO LFLOW come in a later segment than those of TTYPE, NAWS and the
    rest: the burst waits for them, so it asks the other side of each as
    it does when they all come at once; the fingerprint is the same."""
    tmp_path.chmod(0o755)
    log = tmp_path / 'r.jsonl'
    d = inetd_daemon(['--report', '--report-log=%s' % log])
    refusing_client(d.port)
    d2 = inetd_daemon(['--report', '--report-log=%s' % log])
    refusing_client(d2.port, hold={ECHO, SGA, STATUS, LFLOW})
    one, split = report_lines(log, 2)
    text = split['fingerprint']['protocol_text']
    for part in ('1:RR', '3:RR', '5:RR', '33:RR'):
        assert ',%s,' % part in text, text
    assert split['fingerprint']['protocol'] == \
        one['fingerprint']['protocol'], (one['fingerprint'], text)


class NoMarkClient(TelnetClient):
    """Answers no DO TIMING-MARK: the burst's end waits for its bound."""

    def _on_verb(self, verb, opt):
        if opt != TM:
            TelnetClient._on_verb(self, verb, opt)


def test_probe_report_kept_when_client_leaves(listen_daemon, tmp_path):
    """A client that closes the connection when the burst comes (as
    Microsoft telnet crashes on one): --report=login still logs its report,
    which says it left during the option probe and has no fingerprint (its
    answers are not all in).  One that leaves during the terminal probe
    (--report): its report has the protocol's fingerprint, not the
    terminal's, and the monitor's answer to it (EXITED: no program) finds
    the relay still there."""
    d, log = login_daemon(listen_daemon, tmp_path)
    c = NoMarkClient(d.port, timeout=15)
    c.negotiate(term='xterm')
    c.wait_for(lambda c: any(e[:2] == ('DO', 8) for e in c.events),
               what='the burst')
    c.close()
    r = report_lines(log)[0]
    assert r['mode'] == 'login'
    assert r['probe']['left'] == 'options', r['probe']
    assert r['fingerprint']['protocol'] is None
    assert r['fingerprint']['terminal'] is None

    log2 = tmp_path / 'r2.jsonl'
    d2 = listen_daemon(['--report', '--report-log=%s' % log2])
    c = TelnetClient(d2.port, timeout=15)
    c.negotiate(term='xterm')
    c.expect(b'\x1b[6n')
    c.close()
    r = report_lines(log2)[0]
    assert r['mode'] == 'show'
    assert r['probe']['left'] == 'terminal', r['probe']
    assert r['fingerprint']['protocol'] is not None
    assert r['fingerprint']['terminal'] is None
    d2.wait_stderr(r'session \d+ from 127\.0\.0\.1 ended')
    assert not re.search(r'send to relay|bad report|broke the protocol',
                         d2.stderr_text()), d2.stderr_text()


def test_report_log_whole_lines_from_concurrent_sessions(listen_daemon,
                                                         tmp_path):
    """Sessions that end together: each report is one whole line of its
    own in --report-log (each monitor appends it in one write, O_APPEND),
    never two interleaved."""
    tmp_path.chmod(0o755)
    log = tmp_path / 'r.jsonl'
    n = 24
    d = listen_daemon(['--report', '--report-log=%s' % log,
                       '--accept-env=V0', '--accept-env=V1',
                       '--accept-env=V2', '--accept-env=V3'])

    def session(i):
        c = TelnetClient(d.port, timeout=20)
        c.negotiate(term='xterm', env=[('V%d' % k, '%02d' % i * 120)
                                       for k in range(4)])
        c.read_until_close(timeout=20)

    threads = [threading.Thread(target=session, args=(i,))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = report_lines(log, n)
    assert len(lines) == n
    seen = set()
    for r in lines:
        values = {v.split('=', 1)[1] for v in r['env']['accepted']}
        assert len(r['env']['accepted']) == 4 and len(values) == 1, r['env']
        seen |= values
    assert len(seen) == n


def test_report_dir(listen_daemon, tmp_path):
    """--report-dir alone: login goes on (the inventory mode), and one
    file per new fingerprint, named by it: the same client twice makes
    one file, another client a second one."""
    rdir = tmp_path / 'fingerprints'
    rdir.mkdir(mode=0o755)
    tmp_path.chmod(0o755)
    d = listen_daemon(['--report-dir=%s' % rdir, '-E', LMPROG + ' env'])

    def session(**kw):
        c = TelnetClient(d.port, timeout=15)
        c.negotiate(term='xterm', **kw)
        env_of(c)
        c.close()

    def files(n):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            names = sorted(os.listdir(rdir))
            if len(names) >= n:
                return names
            time.sleep(0.05)
        return sorted(os.listdir(rdir))

    session()
    first = files(1)
    assert len(first) == 1 and re.fullmatch(r'[0-9a-f]{16}\.json',
                                            first[0]), first
    st = os.stat(rdir / first[0])
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_uid == os.geteuid()
    r = json.loads((rdir / first[0]).read_text())
    assert r['mode'] == 'login'
    assert r['fingerprint']['protocol'] + '.json' == first[0]
    session()
    d.wait_stderr(r'protocol %s' % r['fingerprint']['protocol'])
    time.sleep(0.3)
    assert sorted(os.listdir(rdir)) == first
    # Another client: it refuses NAWS.
    from tnclient import DEFAULT_ANSWERS
    ans = dict(DEFAULT_ANSWERS)
    ans[('DO', NAWS)] = False
    c = TelnetClient(d.port, timeout=15)
    c.negotiate(ans, term='xterm')
    env_of(c)
    c.close()
    assert len(files(2)) == 2
    assert 'new fingerprint: %s/%s' % (rdir, first[0]) in d.stop()


@pytest.mark.parametrize('args, why', [
    (['--report=bogus'], "--report=bogus: unknown mode (show, login)"),
    (['--report-dir=relative'], "--report-dir: 'relative' is not an "
     "absolute path"),
])
def test_report_options_refused(args, why):
    r = subprocess.run([str(telnetd_path())] + args, capture_output=True,
                       text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert r.returncode == 2, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and why in lines[0], r.stderr


def test_report_dir_unsafe_refused_at_start(tmp_path):
    """--report-dir is written by the root monitor: a directory others may
    write to (sticky or not), a link to one, or another user's is one
    clear line and exit status 2."""
    if os.geteuid() != 0:
        pytest.skip('needs root (a directory of another owner)')
    tmp_path.chmod(0o755)
    cases = []
    d = tmp_path / 'open'
    d.mkdir()
    d.chmod(0o1777)
    cases.append((d, 'writable by group or others'))
    d = tmp_path / 'group'
    d.mkdir()
    d.chmod(0o775)
    cases.append((d, 'writable by group or others'))
    d = tmp_path / 'other'
    d.mkdir()
    os.chown(d, 65534, 65534)
    cases.append((d, 'owned by another user'))
    (tmp_path / 'link').symlink_to(tmp_path / 'group')
    cases.append((tmp_path / 'link', 'a symbolic link'))
    (tmp_path / 'file').write_text('')
    cases.append((tmp_path / 'file', 'not a directory'))
    for path, why in cases:
        r = subprocess.run([str(telnetd_path()), '--report',
                            '--report-dir=%s' % path], capture_output=True,
                           text=True, timeout=10, stdin=subprocess.DEVNULL)
        assert r.returncode == 2, (why, r)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and why in lines[0] and str(path) in \
            lines[0], (why, r.stderr)
