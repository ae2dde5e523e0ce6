"""test_options.py - the options after the opening, over the real daemon:
TTYPE cycling and the terminfo pick, CHARSET UTF-8 -> BINARY + LANG (and
crossing REQUESTs), LFLOW agreed again, SNDLOC -> TELNET_LOCATION, EOR
ending a line (only when agreed), and the client report (--report,
--report-log) checked against what the test client sent.
"""
import json
import os
import pathlib
import re
import subprocess
import time

import pytest

from conftest import telnetd_path
from tnclient import (TelnetClient, DEFAULT_ANSWERS, IAC, EOR, DO, WILL,
                      TTYPE, BINARY, CHARSET, EOR_OPT, LFLOW, LINEMODE,
                      XDISPLOC, event_str)

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
LMPROG = str(PROGS / 'lmprog.py')
SNDLOC = 23
ACCEPTED, REJECTED = 2, 3
LFLOW_OFF, LFLOW_XON = 0, 3


def env_of(c):
    """TERM=, LANG=, LC_CTYPE=, TELNET_LOCATION= as printed by lmprog env."""
    c.expect(b'READY')
    return dict(m.groups() for m in re.finditer(
        rb'([A-Z_]+)=([^\r\n]*)\r\n', bytes(c.data)))


def test_ttype_cycling_three_names(inetd_daemon):
    """RFC 1091: asked until the list repeats; TERM is the first name the
    host's terminfo knows (not the first name)."""
    d = inetd_daemon(['-E', LMPROG + ' env'])
    c = TelnetClient(d.port, timeout=15)
    c.negotiate(term=['NO-SUCH-TERMINAL', 'VT100', 'ANSI'])
    env = env_of(c)
    assert env[b'TERM'] == b'vt100', env
    sends = [e for e in c.sbs(TTYPE) if e[2] == b'\x01']
    # Three names, and the fourth answer repeats the last: four SENDs.
    assert len(sends) == 4, [event_str(e) for e in c.events]
    c.send_data(b'\r\n')
    c.close()


def test_ttype_unknown_names_give_dumb(inetd_daemon):
    """Types the host's terminfo does not know: TERM=dumb, which every
    program can look up (not the unknown name, not an unset TERM)."""
    d = inetd_daemon(['-E', LMPROG + ' env'])
    c = TelnetClient(d.port, timeout=15)
    c.negotiate(term=['NO-SUCH-TERMINAL', 'ALSO-UNKNOWN'])
    env = env_of(c)
    assert env[b'TERM'] == b'dumb', env
    c.send_data(b'\r\n')
    c.close()


def test_ttype_single_name(inetd_daemon):
    d = inetd_daemon(['-E', LMPROG + ' env'])
    c = TelnetClient(d.port, timeout=15)
    c.negotiate(term='XTERM')
    env = env_of(c)
    assert env[b'TERM'] == b'xterm'
    assert len([e for e in c.sbs(TTYPE) if e[2] == b'\x01']) == 2
    c.close()


def charset_client(port, reply, env=None):
    c = TelnetClient(port, timeout=15)
    ans = dict(DEFAULT_ANSWERS)
    ans[BINARY] = True
    ans[CHARSET] = True
    c.negotiate(ans, env=env)
    c.request_will(CHARSET)
    i = c.wait_event(lambda e: e[0] == 'SB' and e[1] == CHARSET)
    assert c.events[i][2] == b'\x01;UTF-8;ISO-8859-1;US-ASCII', \
        c.events[i]
    c.send_sb(CHARSET, reply)
    return c


def test_charset_utf8_binary_and_lang(inetd_daemon):
    d = inetd_daemon(['-E', LMPROG + ' env'])
    c = charset_client(d.port, bytes([ACCEPTED]) + b'UTF-8')
    env = env_of(c)
    assert env[b'LANG'] == b'C.UTF-8', env
    # BINARY both ways, asked by the server.
    assert ('WILL', BINARY) in c.events and ('DO', BINARY) in c.events
    assert c.us.get(BINARY) and c.him.get(BINARY)
    c.close()


def test_charset_keeps_the_clients_lang(inetd_daemon):
    d = inetd_daemon(['-E', LMPROG + ' env'])
    c = charset_client(d.port, bytes([ACCEPTED]) + b'UTF-8',
                       env=[('LANG', 'de_DE.UTF-8')])
    env = env_of(c)
    assert env[b'LANG'] == b'de_DE.UTF-8', env
    c.close()


def test_charset_rejected(inetd_daemon):
    d = inetd_daemon(['-E', LMPROG + ' env'])
    c = charset_client(d.port, bytes([REJECTED]))
    env = env_of(c)
    assert env[b'LANG'] == b''
    assert ('WILL', BINARY) not in c.events
    c.close()


def test_charset_request_only_after_our_will_is_agreed(inetd_daemon):
    """RFC 2066 section 3: a CHARSET REQUEST "can only be sent by a side
    that has received a DO CHARSET message and sent a WILL CHARSET".  A
    client that only offers its side (WILL) gets DO and the server's own
    WILL; refused that (DONT), the server sends no REQUEST, and the
    client's own REQUEST is answered."""
    d = inetd_daemon(['-E', LMPROG + ' env'])
    c = TelnetClient(d.port, timeout=15)
    ans = dict(DEFAULT_ANSWERS)
    ans[('WILL', CHARSET)] = False      # DONT to the server's WILL
    c.negotiate(ans)
    c.request_will(CHARSET)
    c.wait_event(lambda e: e == ('WILL', CHARSET))
    c.settle(0.3)
    assert ('DO', CHARSET) in c.events, [event_str(e) for e in c.events]
    assert not c.sbs(CHARSET), [event_str(e) for e in c.sbs(CHARSET)]
    c.send_sb(CHARSET, b'\x01;KOI8-R;UTF-8')
    i = c.wait_event(lambda e: e[0] == 'SB' and e[1] == CHARSET)
    assert c.events[i][2] == bytes([ACCEPTED]) + b'UTF-8', \
        event_str(c.events[i])
    c.close()


def test_charset_our_will_turned_off_ends_our_request(inetd_daemon):
    """The client agrees to the server's WILL CHARSET, gets its REQUEST,
    then turns that side off (DONT) instead of answering: no answer can
    come now (RFC 2066 section 3: only the side with WILL in effect
    requests).  The start must not wait the negotiation deadline for
    one, and the client's own REQUEST after that is answered, not
    rejected as crossing a request that is no more."""
    d = inetd_daemon(['--negotiation-timeout=10000', '-E', LMPROG + ' env'])
    c = TelnetClient(d.port, timeout=15)
    ans = dict(DEFAULT_ANSWERS)
    ans[CHARSET] = True
    c.negotiate(ans)
    c.request_will(CHARSET)
    c.wait_event(lambda e: e[0] == 'SB' and e[1] == CHARSET)
    t0 = time.monotonic()
    c.request_do(CHARSET, False)
    c.expect(b'READY', timeout=12)
    assert time.monotonic() - t0 < 5, time.monotonic() - t0
    n = len(c.events)
    c.send_sb(CHARSET, b'\x01;UTF-8')
    i = c.wait_event(lambda e: e[0] == 'SB' and e[1] == CHARSET, start=n)
    assert c.events[i][2] == bytes([ACCEPTED]) + b'UTF-8', \
        event_str(c.events[i])
    c.close()


def test_charset_crossing_requests_client_rejected(inetd_daemon):
    """RFC 2066 section 2 and 5: when both sides send CHARSET REQUEST at
    once, the server MUST answer the client's with REJECTED (it may not
    ignore it: the client would wait for an answer), and the client
    answers the server's."""
    d = inetd_daemon(['-E', LMPROG + ' env'])
    c = TelnetClient(d.port, timeout=15)
    ans = dict(DEFAULT_ANSWERS)
    ans[CHARSET] = True
    c.negotiate(ans)
    c.request_will(CHARSET)
    i = c.wait_event(lambda e: e[0] == 'SB' and e[1] == CHARSET)
    # Ours, sent as if before the server's arrived.
    c.send_sb(CHARSET, b'\x01;UTF-8')
    j = c.wait_event(lambda e: e[0] == 'SB' and e[1] == CHARSET,
                     start=i + 1)
    assert c.events[j][2] == bytes([REJECTED]), event_str(c.events[j])
    # The server's request still stands: our answer to it counts.
    c.send_sb(CHARSET, bytes([ACCEPTED]) + b'UTF-8')
    env = env_of(c)
    assert env[b'LANG'] == b'C.UTF-8', env
    c.close()


def test_flow_control_state_sent_again_when_lflow_agreed_again(
        inetd_daemon):
    """RFC 1372 section 5: as soon as DO and WILL are exchanged the
    client enables flow control and its restart mode is its own; after
    WONT/DONT it "may revert to an implementation-defined default".  So
    an LFLOW agreed again is told the program's state again: OFF (the
    program turned IXON off) and RESTART-XON."""
    d = inetd_daemon(['-E', LMPROG + ' flow'])
    c = TelnetClient(d.port, timeout=15)
    c.negotiate()
    c.expect(b'READY')
    c.wait_event(('SB', LFLOW, bytes([LFLOW_XON])))
    n = len(c.events)
    c.send_data(b'next\r\n')
    c.expect(b'NOIXON\r\n')
    c.wait_event(('SB', LFLOW, bytes([LFLOW_OFF])), start=n)
    n = len(c.events)
    c.request_will(LFLOW, False)
    c.wait_event(('DONT', LFLOW), start=n)
    n = len(c.events)
    c.request_will(LFLOW, True)
    c.wait_event(('DO', LFLOW), start=n)
    c.settle(0.3)
    got = [e for e in c.events[n:] if e[0] in ('DO', 'DONT', 'SB')]
    assert got == [('DO', LFLOW), ('SB', LFLOW, bytes([LFLOW_OFF])),
                   ('SB', LFLOW, bytes([LFLOW_XON]))], \
        [event_str(e) for e in got]
    c.send_data(b'end\r\nend\r\nend\r\nend\r\n')
    c.read_until_close()
    c.close()


def test_sndloc_exported(inetd_daemon):
    d = inetd_daemon(['-E', LMPROG + ' env'])
    c = TelnetClient(d.port, timeout=15)
    # RFC 779: the client offers and sends its location at once.
    c.send_raw(bytes([IAC, WILL, SNDLOC, IAC, 250, SNDLOC]) +
               b'Building 7, room 101' + bytes([IAC, 240]))
    c.negotiate()
    env = env_of(c)
    assert env[b'TELNET_LOCATION'] == b'Building 7, room 101', env
    c.close()


def test_eor_ends_a_line(inetd_daemon):
    """The client's END-OF-RECORD (its WILL, our DO, RFC 885): its IAC
    EOR ends a line."""
    d = inetd_daemon(['-E', LMPROG + ' lines'])
    c = TelnetClient(d.port, timeout=15)
    ans = dict(DEFAULT_ANSWERS)
    ans[('DO', EOR_OPT)] = True
    c.negotiate(ans)
    c.expect(b'READY')
    c.request_will(EOR_OPT)
    c.wait_event(('DO', EOR_OPT))
    c.send_raw(b'record' + bytes([IAC, EOR]))
    c.expect(b"LINE:b'record\\n'")
    c.close()


@pytest.mark.parametrize('server_sends_eor', [False, True])
def test_eor_not_in_effect_is_a_nop(inetd_daemon, server_sends_eor):
    """RFC 885 section 5: "When the END-OF-RECORD option is not in
    effect, the IAC EOR command should be treated as a NOP if received".
    EOR is negotiated for each direction: our WILL (the client's DO)
    lets the server send EORs, not the client."""
    d = inetd_daemon(['-E', LMPROG + ' lines'])
    c = TelnetClient(d.port, timeout=15)
    c.negotiate()
    c.expect(b'READY')
    if server_sends_eor:
        c.request_do(EOR_OPT)
        c.wait_event(('WILL', EOR_OPT))
    c.send_raw(b'rec' + bytes([IAC, EOR]) + b'ord\r\n')
    c.expect(b"LINE:b'record\\n'")
    c.close()


def report_client(port):
    c = TelnetClient(port, timeout=15)
    ans = dict(DEFAULT_ANSWERS)
    ans[('DO', LINEMODE)] = True
    c.negotiate(ans, term=['XTERM-256COLOR', 'XTERM', 'VT100'],
                naws=(132, 43), speed=(9600, 19200),
                display='remote:0.0',
                env=[('LANG', 'en_US.UTF-8'), ('SECRET_TOKEN', 'x'),
                     ('LD_PRELOAD', '/tmp/evil.so')],
                user='alice')
    return c


def test_report(inetd_daemon, tmp_path):
    log = tmp_path / 'reports.jsonl'
    tmp_path.chmod(0o755)
    d = inetd_daemon(['--report', '--report-log=%s' % log])
    c = report_client(d.port)
    # LINEMODE: the client sends its SLC table after WILL LINEMODE.
    c.wait_event(('DO', LINEMODE))
    c.send_sb(LINEMODE, bytes([3, 3, 0x62, 3, 10, 2, 0x7f]))
    text = c.read_until_close(timeout=10)
    assert b'telnetd client report' in text
    assert b'terminal types: xterm-256color xterm vt100' in text
    assert b'window: 132 columns x 43 rows' in text
    # Kept variables with their values; refused ones by name only.
    # (DISPLAY from XDISPLOC is one of them.)
    assert (b'environment: DISPLAY=remote:0.0 LANG=en_US.UTF-8 USER=alice; '
            b'refused: SECRET_TOKEN LD_PRELOAD') in text
    assert b'/tmp/evil.so' not in text and b'SECRET_TOKEN=' not in text
    lines = log.read_text().splitlines()
    assert len(lines) == 1
    r = json.loads(lines[0])
    assert r['ttype'] == ['xterm-256color', 'xterm', 'vt100']
    assert r['naws']['cols'] == 132 and r['naws']['rows'] == 43
    assert r['tspeed']['tx'] == 9600 and r['tspeed']['rx'] == 19200
    assert r['xdisploc'] == 'remote:0.0'
    assert r['env']['accepted'] == ['DISPLAY=remote:0.0', 'LANG=en_US.UTF-8']
    assert sorted(r['env']['denied']) == ['LD_PRELOAD', 'SECRET_TOKEN']
    assert r['env']['user'] == 'alice'
    assert r['linemode']['type'] == 'real'
    assert r['slc'] == [
        {'func': 'IP', 'code': 3, 'level': 'VALUE', 'value': 3,
         'ack': False, 'flushin': True, 'flushout': True},
        {'func': 'EC', 'code': 10, 'level': 'VALUE', 'value': 127,
         'ack': False, 'flushin': False, 'flushout': False}]
    assert r['timing_mark'] == 'WILL'
    # The opening's answers; what the probe asked after it (LINEMODE,
    # SNDLOC, BINARY among them) is in 'probe'.
    opts = {(o['option'], o['side']): o for o in r['options']}
    for name in ('TTYPE', 'NAWS', 'TSPEED', 'NEW-ENVIRON', 'LFLOW',
                 'XDISPLOC'):
        assert opts[(name, 'client')]['answer'] == 'agreed', name
        assert opts[(name, 'client')]['ms'] >= 1
    for name in ('ECHO', 'SGA', 'STATUS'):
        assert opts[(name, 'server')]['answer'] == 'agreed', name
    probe = r['probe']
    assert probe['plan'] == 'full'
    assert probe['client']['agreed'].keys() == {'LINEMODE'}
    # Refused: what tnclient does not agree to.
    for name in ('SNDLOC', 'BINARY', 'NAOL', 'KERMIT'):
        assert name in probe['client']['refused'], name
    assert r['negotiation_ms'] < 2000
    c.close()
    assert 'session from' not in d.stop()


def test_report_log_with_login_goes_on(inetd_daemon, tmp_path):
    log = tmp_path / 'r.jsonl'
    tmp_path.chmod(0o755)
    d = inetd_daemon(['--report-log=%s' % log, '-E', LMPROG + ' env'])
    c = TelnetClient(d.port, timeout=15)
    c.negotiate(term='VT100')
    env = env_of(c)
    assert env[b'TERM'] == b'vt100'
    r = json.loads(log.read_text().splitlines()[0])
    assert r['ttype'] == ['vt100']
    assert r['linemode']['type'] == 'none'
    c.close()


def _bad_report_logs(tmp_path):
    """(name, path) of --report-log paths the root monitor must refuse."""
    tmp_path.chmod(0o755)
    target = tmp_path / 'target'
    target.write_text('')
    target.chmod(0o644)
    (tmp_path / 'link').symlink_to(target)
    os.mkfifo(tmp_path / 'fifo', 0o600)
    gw = tmp_path / 'group-writable'
    gw.write_text('')
    gw.chmod(0o664)
    other = tmp_path / 'someone-elses'
    other.write_text('')
    other.chmod(0o644)
    os.chown(other, 65534, 65534)
    open_dir = tmp_path / 'open'
    open_dir.mkdir()
    open_dir.chmod(0o777)
    return [('a symbolic link', tmp_path / 'link'),
            ('a FIFO', tmp_path / 'fifo'),
            ('writable by group or others', gw),
            ('owned by another user', other),
            ('its directory is writable by other users', open_dir / 'r'),
            ('Not a directory', target / 'r')]


def test_report_log_unsafe_paths_refused_at_start(tmp_path):
    """--report-log is opened by the root monitor: a path that is a symbolic
    link, a FIFO (which would block it), a file others may write or own,
    or a file in a directory others may write to is one clear line on
    stderr and exit status 2 before anything starts."""
    if os.geteuid() != 0:
        pytest.skip('needs root (files of another owner)')
    for why, path in _bad_report_logs(tmp_path):
        r = subprocess.run([str(telnetd_path()), '--report',
                            '--report-log=%s' % path], capture_output=True,
                           text=True, timeout=10, stdin=subprocess.DEVNULL)
        assert r.returncode == 2, (why, r)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and why in lines[0] and \
            str(path) in lines[0], (why, r.stderr)
    # The link's target was not created or written through.
    assert (tmp_path / 'target').read_text() == ''


def test_report_log_turned_fifo_does_not_block(listen_daemon, tmp_path):
    """The file is checked again at every append: replaced by a FIFO after
    the daemon started (--listen checked it once), it is not written (the
    monitor would block on it), the session still ends normally, and the
    next report goes to a good file again."""
    log = tmp_path / 'r.jsonl'
    tmp_path.chmod(0o755)
    d = listen_daemon(['--report', '--report-log=%s' % log])
    log.unlink()
    os.mkfifo(log, 0o600)
    c = report_client(d.port)
    text = c.read_until_close(timeout=10)
    assert b'telnetd client report' in text
    c.close()
    log.unlink()
    c = report_client(d.port)
    c.read_until_close(timeout=10)
    c.close()
    assert len(log.read_text().splitlines()) == 1
    assert 'a FIFO or socket: report not written' in d.stop()
