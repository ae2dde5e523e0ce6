"""test_fingerprints.py - the report (--report) against the real
clients and terminals: every client's protocol fingerprint is its entry in
the database (telnetd/fpdb.c) on every run, in both report modes; the
terminal probe gets tmux's and GNU screen's answers and their real screen
size, erases what it drew, and a terminal that answers nothing ends the
probe within its bound.

Each client runs in a private tmux (clients/drive.py), as test_clients.py
runs them, under `env -i` with only what the test gives it; the terminal
that answers the probe's queries is tmux itself (or GNU screen inside it).
The report is read from --report-log, one JSON line per session.

A client whose fingerprint changed (a new version, a change in the daemon)
fails with the line to put in telnetd/fpdb.c; the fingerprint covers only
behaviour (fingerprint.c), so the terminal's name, the window size and
timings do not change it.
"""
import json
import os
import pathlib
import re
import select
import shutil
import subprocess
import tempfile
import time

import pytest

from clients.drive import parse_session, telnetlib3

HERE = pathlib.Path(__file__).resolve().parent
SESSION = str(HERE / 'clients' / 'session.py')
FPDB = HERE.parents[1] / 'telnetd' / 'fpdb.c'
BASE_ENV = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin:/usr/games',
            'LANG': 'C.UTF-8', 'TERM': 'xterm-256color'}
# termprobe.c: the bound of the first query, and of the whole probe.
TP_FIRST_MS, TP_TOTAL_MS = 400, 1500


def fpdb():
    """{(kind, hash): name} from telnetd/fpdb.c."""
    out = {}
    for kind, h, name in re.findall(
            r'\{ FP_(PROTOCOL|TERMINAL), "([0-9a-f]{16})", "([^"]+)" \}',
            FPDB.read_text()):
        out[(kind.lower(), h)] = name
    return out


def need(path):
    found = shutil.which(path, path=BASE_ENV['PATH'])
    if not found:
        pytest.skip('%s is not installed' % path)
    return found


def assert_known(r, kind, name):
    """The report's fingerprint of kind is the database's entry for
    name; else say what to put there."""
    fp = r['fingerprint']
    h, text = fp[kind], fp[kind + '_text']
    db = fpdb()
    assert db.get((kind, h)) == name, (
        '%s fingerprint %s of %s is not in telnetd/fpdb.c as that (it '
        'says %r); if the change is right, the entry is\n'
        '\t{ FP_%s, "%s", "%s" },\nover: %s'
        % (kind, h, name, db.get((kind, h)), kind.upper(), h, name, text))
    assert fp[kind + '_name'] == name


@pytest.fixture
def home():
    d = tempfile.mkdtemp(prefix='tdfp-home-')
    os.chmod(d, 0o755)
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def report_daemon(listen_daemon, tmp_path):
    """A --listen daemon whose reports go to a file; returns (daemon,
    reports) where reports(n, timeout) waits for n lines and parses
    them."""
    started = []

    def start(mode='--report', extra=()):
        log = tmp_path / ('reports-%d.jsonl' % len(started))
        tmp_path.chmod(0o755)
        d = listen_daemon([mode, '--report-log=%s' % log] + list(extra))
        started.append(d)

        def reports(n=1, timeout=20):
            deadline = time.monotonic() + timeout
            while True:
                lines = log.read_text().splitlines() if log.exists() \
                    else []
                if len(lines) >= n:
                    return [json.loads(x) for x in lines]
                if time.monotonic() > deadline:
                    raise AssertionError('%d report(s) in %ss, not %d:\n%s'
                                         % (len(lines), timeout, n,
                                            d.stderr_text()[-3000:]))
                time.sleep(0.05)
        return d, reports
    return start


# ---- the clients ------------------------------------------------------------

def _telnetlib3_argv(port):
    tl3 = telnetlib3('client')
    if tl3 is None:
        pytest.skip('shared/clients (telnetlib3 source) is not beside the '
                    'checkout; set TELNETD_SHARED_CLIENTS')
    return tl3[0] + ['127.0.0.1', port], tl3[1]


def _argv(prog, port):
    """(argv, extra environment) that run a client against port."""
    if prog == 'inetutils telnet':
        return [need('inetutils-telnet'), '127.0.0.1', port], {}
    if prog == 'telnet-ssl':
        return [need('telnet-ssl'), '127.0.0.1', port], {}
    if prog == 'busybox telnet':
        return [need('busybox'), 'telnet', '127.0.0.1', port], {}
    if prog == 'plink':
        return [need('plink'), '-telnet', '-P', port, '127.0.0.1'], {}
    if prog == 'kermit':
        # -Y: no init file; -J: connect like telnet.
        return [need('kermit'), '-Y', '-J', '127.0.0.1', port], {}
    if prog == 'tintin++':
        return [need('tt++'), '-G', '-e',
                '#session td 127.0.0.1 %d' % port], {}
    if prog == 'telnet-client':
        return [need('telnet-client'), '127.0.0.1', port], {}
    if prog == 'telnetlib3':
        return _telnetlib3_argv(port)
    if prog == 'python telnetlib':
        # The standard library's client (gone from Python 3.13).
        py = need('python3')
        if subprocess.run([py, '-W', 'ignore', '-c', 'import telnetlib'],
                          capture_output=True).returncode != 0:
            pytest.skip('%s has no telnetlib' % py)
        return [py, '-W', 'ignore', '-m', 'telnetlib', '127.0.0.1',
                port], {}
    if prog == 'busybox nc':
        return [need('busybox'), 'nc', '127.0.0.1', port], {}
    if prog == 'socat':
        return [need('socat'), '-', 'TCP:127.0.0.1:%d' % port], {}
    raise KeyError(prog)


def run_client(tmux, home, report_daemon, prog, mode='--report', width=90,
               height=30, wrap=None, extra=(), env_extra=None):
    """One session of prog against a report daemon; its report."""
    d, reports = report_daemon(mode, extra)
    argv, env = _argv(prog, d.port)
    env = dict(BASE_ENV, HOME=str(home), **env)
    env.update(env_extra or {})
    if wrap is not None:
        argv = wrap + argv
    tmux.start(argv, env, width=width, height=height)
    return reports(1)[0], d


# What each client does that the report must show, besides its name:
# (name in fpdb.c, probe plan, the terminal's answers reach us?)
CLIENTS = {
    'inetutils telnet': ('inetutils telnet 2.4', 'full', True),
    'telnet-ssl': ('telnet-ssl 0.17 (netkit)', 'full', True),
    'busybox telnet': ('busybox telnet 1.35', 'full', True),
    'plink': ('PuTTY plink 0.78', 'full', True),
    'kermit': ('C-Kermit 10.0 Beta.08', 'full', True),
    # A MUD client: asked about the MUD options too; it edits lines
    # itself, so the terminal's answers never reach the server.
    'tintin++': ('TinTin++ 2.02.20', 'full+mud', False),
    # Refuses SGA: it sends lines, the terminal is not asked.
    'telnet-client': ('libtelnet telnet-client 0.21', 'full', None),
    'telnetlib3': ('telnetlib3 4.0.5', 'full', True),
    # Refuses every request, each answer its own write.
    'python telnetlib': ('Python 3.11 telnetlib', 'full', None),
}


@pytest.mark.parametrize('prog', sorted(CLIENTS))
def test_client_fingerprint(prog, tmux, home, report_daemon):
    """The client's protocol fingerprint is its database entry; the probe
    ran as planned for it, every request answered (none silent on its own
    side), and the report reached its screen."""
    name, plan, terminal = CLIENTS[prog]
    r, d = run_client(tmux, home, report_daemon, prog)
    assert r['mode'] == 'show'
    assert_known(r, 'protocol', name)
    probe = r['probe']
    assert probe['plan'] == plan, probe
    assert probe['sent'] > 40, probe
    tp = r['terminal_probe']
    if terminal is None:
        assert tp['skipped'] == 'the client sends lines (it refused SGA)'
    elif terminal:
        assert_known(r, 'terminal', 'tmux 3.3a')
        assert tp['stopped'] is None and tp['size'] == {'rows': 30,
                                                         'cols': 90}, tp
    else:
        assert tp['skipped'] is None and tp['stopped'] == 'ENQ', tp
        assert r['fingerprint']['terminal'] is None
    tmux.wait(r'fingerprint: protocol %s \(%s\)' % (
        r['fingerprint']['protocol'], re.escape(name)), timeout=10)
    assert 'session from' not in d.stderr_text()


# Clients that send the X display when there is one, as in any terminal
# of an X session: another fingerprint (they agree to XDISPLOC).
WITH_DISPLAY = {
    'inetutils telnet': 'inetutils telnet 2.4, DISPLAY set',
    'telnet-ssl': 'telnet-ssl 0.17, DISPLAY set',
}


@pytest.mark.parametrize('prog', sorted(WITH_DISPLAY))
def test_client_fingerprint_with_display(prog, tmux, home, report_daemon):
    """With a DISPLAY the client agrees to XDISPLOC and sends it: its
    fingerprint with a DISPLAY is the database's too, and the display is
    in the report."""
    r, d = run_client(tmux, home, report_daemon, prog,
                      env_extra={'DISPLAY': 'xhost:0.0'})
    assert_known(r, 'protocol', WITH_DISPLAY[prog])
    assert r['xdisploc'] == 'xhost:0.0'
    assert 'DISPLAY=xhost:0.0' in r['env']['accepted']


@pytest.mark.parametrize('prog', ['busybox nc', 'socat'])
def test_raw_tcp_fingerprint(prog, tmux, home, report_daemon):
    """A raw TCP client answers nothing: the report ends after the
    opening's bound, asks nothing more, and names it as such."""
    r, d = run_client(tmux, home, report_daemon, prog)
    assert_known(r, 'protocol', 'raw TCP (nc, socat): no TELNET')
    assert r['probe']['plan'] == 'skipped (no answer to the opening)'
    assert r['probe']['sent'] == 0
    assert r['terminal_probe']['skipped'] == 'the client negotiated nothing'
    assert r['negotiation_ms'] < 2000
    tmux.wait(r'fingerprint: protocol %s \(raw TCP' %
              r['fingerprint']['protocol'], timeout=10)


def test_inventory_mode_same_fingerprint(tmux, home, report_daemon):
    """--report=login: the same protocol fingerprint as --report (the
    opening and the burst are the same), no terminal probe, the report
    logged with the client's name, and then login as usual (-E program
    here) on the same connection."""
    d, reports = report_daemon('--report=login',
                               ['-h', '-E', SESSION + ' %u %T'])
    argv, env = _argv('inetutils telnet', d.port)
    tmux.start(argv, dict(BASE_ENV, HOME=str(home), **env), width=90,
               height=30)
    r = reports(1)[0]
    assert r['mode'] == 'login'
    assert_known(r, 'protocol', 'inetutils telnet 2.4')
    assert r['terminal_probe']['skipped'] == 'not with --report=login'
    tmux.wait(r'END-OF-ENV[\s\S]*cmd>')
    info = parse_session(tmux.text())
    assert info['TERM'] == 'xterm-256color' and info['SIZE'] == '30 90'
    tmux.type('sum 40 2')
    tmux.wait(r'SUM=42')
    d.wait_stderr(r'client 127\.0\.0\.1: protocol %s \(inetutils telnet '
                  r'2\.4\)' % r['fingerprint']['protocol'])
    # No probe drew on the screen: the program's output is all there is.
    assert 'telnetd client report' not in tmux.text()


# ---- the terminal probe -----------------------------------------------------

def test_terminal_probe_tmux(tmux, home, report_daemon):
    """tmux (through inetutils telnet) answers DA1, DA2 and XTVERSION; the
    far corner is the pane's real size, which NAWS said too; a wide
    character takes 2 columns and a combining accent none; the 8-bit CSI
    is not understood.  What the probe drew is gone from the screen."""
    r, d = run_client(tmux, home, report_daemon, 'inetutils telnet',
                      width=100, height=35)
    tp = r['terminal_probe']
    assert tp['stopped'] is None
    assert tp['da1'] == '1;2' and tp['da1_means'] == 'VT100 class with AVO'
    assert tp['da2'] == '84;0;0' and tp['da2_means'] == 'tmux'
    assert tp['xtversion'] == 'tmux 3.3a'
    assert tp['size'] == {'rows': 35, 'cols': 100}
    assert r['naws'] == {'cols': 100, 'rows': 35, 'ms': r['naws']['ms']}
    assert tp['naws_matches'] is True
    assert tp['wide_columns'] == 2 and tp['combining_columns'] == 1
    assert tp['utf8'] is True and tp['c1'] is False
    assert tp['answerback'] is None
    assert all(ms >= 0 for ms in tp['query_ms'].values()), tp
    assert tp['ms'] < TP_TOTAL_MS
    assert_known(r, 'terminal', 'tmux 3.3a')
    screen = tmux.wait_screen(
        lambda rows: any('Connection closed' in x for x in rows),
        what='the end of the session')
    text = '\n'.join(screen)
    assert 'XTVERSION: tmux 3.3a' in text
    assert 'screen: 100 columns x 35 rows (as NAWS said)' in text
    # The width test's characters and the C1 test's "6n" were erased.
    assert '\u4e00' not in text and 'e\u0301' not in text and \
        '\u00e9' not in text and '6n' not in text, text


def test_terminal_probe_screen(tmux, home, report_daemon):
    """GNU screen (inside tmux, both headless) answers as itself: DA2 83
    with its version, no XTVERSION, the size of its window."""
    screen = need('screen')
    sdir = home / 'screens'
    sdir.mkdir(mode=0o700)
    r, d = run_client(
        tmux, home, report_daemon, 'inetutils telnet', width=84, height=26,
        wrap=['env', 'SCREENDIR=%s' % sdir, screen, '-c', '/dev/null'])
    tp = r['terminal_probe']
    assert tp['da2'] == '83;40900;0', tp
    assert tp['da2_means'] == 'GNU screen 4.09.00'
    assert tp['xtversion'] is None
    assert tp['size'] == {'rows': 26, 'cols': 84}, tp
    assert tp['naws_matches'] is True
    assert tp['wide_columns'] == 2 and tp['combining_columns'] == 1
    assert_known(r, 'terminal', 'GNU screen 4.09.00')
    # The client is the same: so is its fingerprint.
    assert_known(r, 'protocol', 'inetutils telnet 2.4')


@pytest.fixture
def xvfb():
    """A private X server (Xvfb picks a free display number and says it
    on a pipe); its DISPLAY.  Ended by its PID."""
    path = need('Xvfb')
    r, w = os.pipe()
    p = subprocess.Popen([path, '-displayfd', str(w), '-nolisten', 'tcp',
                          '-screen', '0', '1024x768x24'], pass_fds=(w,),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    os.close(w)
    try:
        got = b''
        deadline = time.monotonic() + 10
        while not got.endswith(b'\n') and time.monotonic() < deadline:
            ready, _, _ = select.select([r], [], [], 0.5)
            if ready:
                chunk = os.read(r, 16)
                if not chunk:
                    break
                got += chunk
        assert got.strip().isdigit(), 'Xvfb gave no display: %r' % got
        yield ':' + got.strip().decode()
    finally:
        os.close(r)
        p.kill()
        p.wait()


# X terminals: argv before -e, and what the probe must find in each.
X_TERMINALS = {
    'xterm': (['xterm', '-geometry', '84x26'], {
        'da1': '64;1;2;6;9;15;16;17;18;21;22;28',
        'da1_means': 'VT420 class, 132 columns, printer, selective erase, '
                     'NRCS, technical characters, windowing, horizontal '
                     'scrolling, ANSI color, rectangular editing',
        'da2': '41;379;0', 'xtversion': 'XTerm(379)'}, 'xterm 379'),
    'urxvt': (['urxvt', '-geometry', '84x26'], {
        'da1': '1;2', 'da2': '85;95;0',
        'da2_means': 'rxvt-unicode, firmware 95', 'xtversion': None},
        'rxvt-unicode 9.30'),
    # st answers neither DA2 nor XTVERSION: VT102 and UTF-8 widths are all
    # it says, which other terminals say too; not named.
    'st': (['st', '-g', '84x26'], {
        'da1': '6', 'da1_means': 'VT102', 'da2': None, 'xtversion': None},
        None),
}


@pytest.mark.parametrize('term', sorted(X_TERMINALS))
def test_terminal_probe_x(term, xvfb, home, report_daemon):
    """An X terminal emulator (under Xvfb) answers as itself: its DA1 with
    every extension named, DA2 and XTVERSION where it has them, the size
    of its window, UTF-8 widths.  Its terminal fingerprint is the
    database's, and inetutils telnet, with the DISPLAY every X terminal
    has, is named."""
    argv, want, name = X_TERMINALS[term]
    d, reports = report_daemon()
    env = dict(BASE_ENV, HOME=str(home), DISPLAY=xvfb)
    p = subprocess.Popen([need(argv[0])] + argv[1:] + [
        '-e', need('inetutils-telnet'), '127.0.0.1', str(d.port)], env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        r = reports(1)[0]
    finally:
        p.kill()
        p.wait()
    tp = r['terminal_probe']
    assert tp['stopped'] is None, tp
    assert {k: tp[k] for k in want} == want, tp
    assert tp['size'] == {'rows': 26, 'cols': 84} and tp['naws_matches']
    assert tp['wide_columns'] == 2 and tp['combining_columns'] == 1
    if name is None:
        assert r['fingerprint']['terminal_name'] is None
    else:
        assert_known(r, 'terminal', name)
    assert_known(r, 'protocol', 'inetutils telnet 2.4, DISPLAY set')


def test_silent_terminal_ends_probe(report_daemon):
    """A client in character mode whose terminal answers nothing: the
    probe stops at its first query after its bound, draws nothing more
    (no clean-up for a screen that may not know the sequences), and the
    report comes."""
    from tnclient import TelnetClient
    d, reports = report_daemon()
    c = TelnetClient(d.port, timeout=15)
    c.negotiate()
    t0 = time.monotonic()
    text = c.read_until_close(timeout=10)
    wall = time.monotonic() - t0
    r = reports(1)[0]
    tp = r['terminal_probe']
    assert tp['skipped'] is None and tp['stopped'] == 'ENQ', tp
    assert tp['da1'] is None and tp['size'] is None
    assert TP_FIRST_MS <= tp['ms'] < TP_TOTAL_MS, tp
    assert r['fingerprint']['terminal'] is None
    assert b'terminal: no answer within' in text
    # The queries went out once: ESC 7 ENQ CSI 6n, and no clean-up.
    assert text.count(b'\x1b[6n') == 1 and b'\x1b8' not in text, text
    assert wall < 10
