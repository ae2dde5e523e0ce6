"""test_daemon_start.py - the opening of a session: the server's requests,
the start of the program with what the client told (TERM, window size,
speed, DISPLAY, environment), the bounded wait for a silent client, and
the command line.

Programs run with -E are small scripts in progs/ (the -E string is split on
blanks only, so nothing here relies on a shell's quoting).
"""
import os
import pathlib
import random
import re
import socket
import subprocess
import time

import pytest

from tnclient import (TelnetClient, DEFAULT_ANSWERS, DO, DONT, WILL, WONT,
                      TTYPE, TSPEED, XDISPLOC, NEW_ENVIRON, OLD_ENVIRON,
                      NAWS, SGA, ECHO, LFLOW, STATUS, IAC, IS, VAR, SEND)
from conftest import telnetd_path, _need, listen_starts, free_port

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
SHOWENV = str(PROGS / 'showenv.sh')
TPROG = str(PROGS / 'tprog.py')

# Both ENVIRON options in the first batch: a client that has only the old
# one answers in the same round trip.
OPENING = bytes([IAC, DO, TTYPE, IAC, DO, TSPEED, IAC, DO, XDISPLOC,
                 IAC, DO, NEW_ENVIRON, IAC, DO, OLD_ENVIRON, IAC, DO, NAWS,
                 IAC, WILL, SGA, IAC, WILL, ECHO, IAC, DO, LFLOW,
                 IAC, WILL, STATUS])


def parse_showenv(text):
    """{'TTY': ..., 'SIZE': ..., 'ENV': {name: value}, ...}"""
    out = {'ENV': {}}
    for line in text.replace('\r\n', '\n').split('\n'):
        if line.startswith('ENV:'):
            k, _, v = line[4:].partition('=')
            out['ENV'][k] = v
        elif '=' in line:
            k, _, v = line.partition('=')
            out[k] = v
    return out


def test_opening_requests_in_one_write(inetd_daemon):
    d = inetd_daemon(['-E', SHOWENV])
    s = socket.create_connection(('127.0.0.1', d.port), 5)
    s.settimeout(5)
    first = s.recv(4096)
    s.close()
    # One write: the first segment holds every request, in this order.
    assert first == OPENING


def test_start_with_client_information(inetd_daemon):
    d = inetd_daemon(['-E', SHOWENV + ' %u %t %T'])
    c = TelnetClient(d.port)
    t0 = time.monotonic()
    c.negotiate(term='XTERM-256color', naws=(123, 45), speed=(9600, 9600),
                display='example:0.0',
                env=[('LANG', 'C.UTF-8'), ('LD_PRELOAD', '/tmp/x.so'),
                     ('TZ', 'UTC')],
                user='bob')
    c.expect(b'END')
    started = time.monotonic() - t0
    info = parse_showenv(c.data.decode())
    c.close()
    assert info['ARGS'].split() == ['bob', info['TTY'][5:], 'xterm-256color']
    assert re.match(r'/dev/pts/\d+$', info['TTY'])
    assert info['SIZE'] == '45 123'
    assert info['SPEED'] == '9600'
    env = info['ENV']
    assert env['TERM'] == 'xterm-256color'
    assert env['DISPLAY'] == 'example:0.0'
    assert env['LANG'] == 'C.UTF-8'
    assert 'LD_PRELOAD' not in env
    assert 'USER' not in env
    # Every answer came at once: no waiting for the deadline.
    assert started < 0.8, started


def test_silent_client_gets_a_session(inetd_daemon):
    d = inetd_daemon(['-E', SHOWENV])
    c = TelnetClient(d.port)          # never answers anything
    t0 = time.monotonic()
    c.expect(b'END', timeout=5)
    assert time.monotonic() - t0 < 2.0
    info = parse_showenv(c.data.decode())
    # No terminal type named: TERM=dumb, not an unset TERM.
    assert info['ENV'].get('TERM') == 'dumb', info
    c.close()


def test_partial_answers_start_without_deadline(inetd_daemon):
    """A client that refuses everything starts at once too."""
    d = inetd_daemon(['-E', SHOWENV])
    c = TelnetClient(d.port)
    t0 = time.monotonic()
    c.negotiate({})                   # WONT/DONT to every request
    c.expect(b'END', timeout=5)
    assert time.monotonic() - t0 < 0.8
    c.close()


def test_both_environ_options_new_one_used(inetd_daemon):
    """RFC 1572 section 6: a client that agrees to NEW-ENVIRON and the old
    ENVIRON is asked over NEW-ENVIRON only and told DONT ENVIRON."""
    d = inetd_daemon(['-E', SHOWENV])
    c = TelnetClient(d.port)
    answers = dict(DEFAULT_ANSWERS)
    answers[('DO', OLD_ENVIRON)] = True
    c.negotiate(answers, env=[('LANG', 'C.UTF-8')])
    c.expect(b'END')
    info = parse_showenv(c.data.decode())
    c.close()
    assert info['ENV'].get('LANG') == 'C.UTF-8', info
    assert ('DONT', OLD_ENVIRON) in c.negotiations()
    assert [e[2] for e in c.sbs(NEW_ENVIRON)] == [bytes([SEND])]
    assert c.sbs(OLD_ENVIRON) == []


def test_old_environ_only_client(inetd_daemon):
    """A client that refuses NEW-ENVIRON and agrees to the old ENVIRON
    (asked in the same batch) has its variables taken over the old one."""
    d = inetd_daemon(['-E', SHOWENV])
    c = TelnetClient(d.port)
    answers = dict(DEFAULT_ANSWERS)
    answers[('DO', NEW_ENVIRON)] = False
    answers[('DO', OLD_ENVIRON)] = True
    c.negotiate(answers, env=[('LANG', 'C.UTF-8')])
    c.expect(b'END')
    info = parse_showenv(c.data.decode())
    c.close()
    assert info['ENV'].get('LANG') == 'C.UTF-8', info
    assert [e[2] for e in c.sbs(OLD_ENVIRON)] == [bytes([SEND])]
    assert c.sbs(NEW_ENVIRON) == []
    assert ('DONT', OLD_ENVIRON) not in c.negotiations()


def test_start_waits_for_the_new_environ_answer(inetd_daemon):
    """WILL ENVIRON alone does not start the session: until NEW-ENVIRON is
    answered the server neither starts nor asks the old option; the
    refusal of NEW-ENVIRON then brings the old ENVIRON's SEND, and its
    answer the start.  (A long deadline, so only answers can start it.)"""
    d = inetd_daemon(['--negotiation-timeout=10000', '-E', SHOWENV])
    c = TelnetClient(d.port)
    c.wait_for(lambda c: len(c.raw) >= len(OPENING), what='opening')
    c.send_raw(bytes([IAC, WONT, TTYPE, IAC, WONT, TSPEED, IAC, WONT, XDISPLOC,
                      IAC, WILL, OLD_ENVIRON, IAC, WONT, NAWS,
                      IAC, DONT, SGA, IAC, DONT, ECHO, IAC, WONT, LFLOW,
                      IAC, DONT, STATUS]))
    c.settle(0.5)
    assert b'END' not in bytes(c.data)
    assert c.sbs(OLD_ENVIRON) == []
    c.send_neg(WONT, NEW_ENVIRON)
    c.wait_event(lambda e: e[0] == 'SB' and e[1] == OLD_ENVIRON)
    assert [e[2] for e in c.sbs(OLD_ENVIRON)] == [bytes([SEND])]
    c.settle(0.3)
    assert b'END' not in bytes(c.data)
    c.send_env(IS, [(VAR, 'LANG', 'C.UTF-8')], OLD_ENVIRON)
    c.expect(b'END')
    info = parse_showenv(c.data.decode())
    c.close()
    assert info['ENV'].get('LANG') == 'C.UTF-8', info


def test_program_that_cannot_run(inetd_daemon, tmp_path):
    """The child that fails its execve says why on the terminal (the
    client sees it) and the session ends; the daemon goes on."""
    missing = str(tmp_path / 'no-such-program')
    d = inetd_daemon(['-E', missing])
    c = TelnetClient(d.port)
    c.negotiate()
    text = c.read_until_close(timeout=10)
    c.close()
    assert (b'telnetd: cannot run ' + missing.encode() +
            b': No such file or directory') in text, text
    c = TelnetClient(d.port)          # the next session is served too
    c.negotiate()
    assert b'cannot run' in c.read_until_close(timeout=10)
    c.close()


def test_reverse_lookup_names_the_host(inetd_daemon):
    """-U: the client's reverse name (127.0.0.1 is localhost in
    /etc/hosts) is what %h expands to."""
    d = inetd_daemon(['-U', '-E', SHOWENV + ' %h'])
    c = TelnetClient(d.port)
    c.negotiate()
    c.expect(b'END')
    info = parse_showenv(c.data.decode())
    c.close()
    assert info['ARGS'] in ('localhost', 'localhost.localdomain')


def test_host_is_numeric_without_lookup(inetd_daemon):
    d = inetd_daemon(['-E', SHOWENV + ' %h'])
    c = TelnetClient(d.port)
    c.negotiate()
    c.expect(b'END')
    info = parse_showenv(c.data.decode())
    c.close()
    assert info['ARGS'] == '127.0.0.1'


def test_banner_before_the_program_and_h(inetd_daemon, tmp_path):
    """--issue's file, escapes expanded, reaches the terminal before an -E
    program; -h (SPEC.md: print nothing host-specific) turns it off even
    then, and without --issue an -E program gets no banner at all."""
    issue = tmp_path / 'issue'
    issue.write_text('WELCOME on %t at 100%% \\s\n')
    host = open('/etc/issue.net').read().strip() \
        if os.path.exists('/etc/issue.net') else ''
    for args, shown in ((['--issue=%s' % issue], True),
                        (['--issue=%s' % issue, '-h'], False),
                        ([], False)):
        d = inetd_daemon(args + ['-E', SHOWENV])
        c = TelnetClient(d.port)
        c.negotiate()
        c.expect(b'END')
        text = c.data.decode()
        c.close()
        d.stop()
        info = parse_showenv(text)
        if shown:
            banner = 'WELCOME on %s at 100%% Linux' % info['TTY'][5:]
            assert text.index(banner) < text.index('ARGS='), text
        else:
            assert 'WELCOME' not in text, (args, text)
            assert not host or host not in text, (args, text)


def socket_timers(port):
    """The timer column ss shows for the server's side of each connection
    on PORT: 'keepalive' where SO_KEEPALIVE is on."""
    r = subprocess.run(['ss', '-tnoH', 'state', 'established',
                        '( sport = :%d )' % port], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return [l for l in r.stdout.splitlines() if l.strip()]


@pytest.mark.parametrize('args,keepalive', [([], True), (['-n'], False),
                                            (['--no-keepalive'], False)])
def test_keepalive_and_n(inetd_daemon, args, keepalive):
    """SO_KEEPALIVE on the client's connection unless -n."""
    d = inetd_daemon(args + ['-E', TPROG + ' sleep'])
    c = TelnetClient(d.port)
    c.negotiate()
    c.expect(b'READY')
    conns = socket_timers(d.port)
    c.close()
    assert len(conns) == 1, conns
    assert ('keepalive' in conns[0]) == keepalive, conns


def test_signals_default_in_program(inetd_daemon):
    d = inetd_daemon(['-E', str(PROGS / 'sigstate.sh')])
    c = TelnetClient(d.port)
    c.negotiate()
    c.expect(b'END')
    text = c.data.decode()
    c.close()
    assert re.search(r'SigBlk:\s*0+\r?\n', text), text
    assert re.search(r'SigIgn:\s*0+\r?\n', text), text


def test_winsize_change_sends_sigwinch(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' winch'])
    c = TelnetClient(d.port)
    c.negotiate(naws=(100, 30))
    c.expect(b'SIZE 30 100')
    c.send_naws(132, 50)
    c.expect(b'WINCH 50 132')
    c.close()


def test_inetd_mode_writes_nothing_about_itself(inetd_daemon):
    """-D all in inetd mode: traces go to syslog, never into the
    connection; the client sees the protocol and the program only."""
    d = inetd_daemon(['-D', 'all', '-E', TPROG + ' tail 10'])
    c = TelnetClient(d.port)
    c.negotiate()
    out = c.read_until_close()
    c.close()
    assert bytes(c.data) == b'0123456789'
    assert b'telnetd' not in bytes(c.raw)


def test_inetd_bad_option_says_nothing_to_client(inetd_daemon):
    d = inetd_daemon(['--no-such-option'])
    s = socket.create_connection(('127.0.0.1', d.port), 5)
    s.settimeout(5)
    assert s.recv(4096) == b''
    s.close()


@pytest.mark.parametrize('args', [
    ['--no-such-option'],
    ['-D', 'nonsense'],
    ['--listen=abc'],
    ['--listen=::1:23'],
    ['--listen=127.0.0.1:70000'],
    ['--listen=127.0.0.1:no-such-service'],
    ['--login-timeout=soon'],
    ['--privsep-user=no-such-user-here'],
    ['-l', 'maybe'],
    ['stray-argument'],
    ['--accept-env=LD_PRELOAD'],
    ['-E', ''],
    ['-E'],
])
def test_bad_command_line(args):
    exe = _need(telnetd_path())
    p = subprocess.run([exe] + args, capture_output=True, timeout=10,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 2, (args, p)
    err = p.stderr.decode()
    assert err.count('\n') == 1 and err.startswith('telnetd: '), err
    assert p.stdout == b''


# A bad command line whose one line must say what was wrong with which
# option: getopt_long reports a long option's mistake with optopt set to
# the option's table value (a control character, or 0), so the line has to
# be made from the word the user typed.  Numbers are digits only (strtoul
# would take " 5" and "+5"), and two --listen addresses the kernel cannot
# both bind are a command line error, not a listener that starts on the
# first and serves part of what it was asked (or exits 1).
@pytest.mark.parametrize('args,says', [
    (['--idle-timeout'], r'option --idle-timeout needs a value'),
    (['--listen'], r'option --listen needs a value'),
    (['--help=x'], r'option --help takes no value'),
    (['--version=1'], r'option --version takes no value'),
    (['--no-hostinfo=1'], r'option --no-hostinfo takes no value'),
    (['--no=1'], r'ambiguous option --no=1'),
    (['--no-such-option'], r'unknown option --no-such-option'),
    (['-x'], r'unknown option -x'),
    (['-E'], r'option -E needs a value'),
    (['--idle-timeout=+5'], r'--idle-timeout: not a number'),
    (['--idle-timeout= 5'], r'--idle-timeout: not a number'),
    (['--login-timeout=+5'], r'--login-timeout: not a number'),
    (['--negotiation-timeout= 5'], r'--negotiation-timeout: not a number'),
    (['--idle-timeout=10x'], r'--idle-timeout: bad value'),
    (['--idle-timeout=99999999999999999999'], r'--idle-timeout: bad value'),
    (['--listen=+2323'], r'--listen=\+2323: bad port'),
    (['--listen= 2323'], r'--listen= 2323: bad port'),
    (['--debug='], r'--debug: empty mode list'),
    (['-D', ''], r"unexpected argument ''"),
    (['--issue=/etc'], r'--issue=/etc: not a regular file'),
    (['--listen=127.0.0.1:{p}', '--listen=127.0.0.1:{p}'],
     r'--listen=127.0.0.1:{p}: 127.0.0.1:{p} is already given'),
    (['--listen=127.0.0.1:{p}', '--listen={p}'],
     r'--listen={p}: 127.0.0.1:{p} is already given'),
    (['--listen=[::1]:{p}', '--listen={p}'],
     r'--listen={p}: \[::1\]:{p} is already given'),
    (['--listen=0.0.0.0:{p}', '--listen=127.0.0.1:{p}'],
     r'--listen=127.0.0.1:{p}: 0.0.0.0:{p} is already given'),
], ids=lambda a: ' '.join(a) if isinstance(a, list) else '')
def test_bad_command_line_says_what(args, says):
    exe = _need(telnetd_path())
    port = str(free_port())
    args = [a.replace('{p}', port) for a in args]
    p = subprocess.run([exe] + args, capture_output=True, timeout=10,
                       stdin=subprocess.DEVNULL)
    err = p.stderr.decode()
    assert p.returncode == 2, (args, p.returncode, err)
    assert err.count('\n') == 1 and err.startswith('telnetd: '), err
    assert re.search(says.replace('{p}', port), err), err
    assert p.stdout == b''


def test_listen_addresses_that_coexist():
    """The same port on addresses the kernel binds side by side (two IPv4
    loopback addresses, IPv4 and IPv6 loopback) is no conflict."""
    port = free_port()
    ok, err = listen_starts(
        telnetd_path(), ['--listen=127.0.0.2:%d' % port,
                         '--listen=[::1]:%d' % port, '-E', '/bin/true'],
        listen='--listen=127.0.0.1:%d' % port)
    assert ok, err


def test_listen_every_address_is_both_families():
    """--listen=PORT is every address, IPv4 and IPv6 (SPEC.md).  With
    port PORT taken on IPv4 by another program the listener does not
    start on IPv6 alone, leaving IPv4 clients to the other program: it
    exits 1, saying why.  (A host without IPv6 at all still serves IPv4:
    that family is missing, not taken.)"""
    exe = _need(telnetd_path())
    port = free_port()
    other = socket.socket()
    other.bind(('0.0.0.0', port))
    other.listen()
    try:
        p = subprocess.run([exe, '--listen=%d' % port, '-E', '/bin/true'],
                           capture_output=True, timeout=10,
                           stdin=subprocess.DEVNULL)
    finally:
        other.close()
    err = p.stderr.decode()
    assert p.returncode == 1, (p.returncode, err)
    assert 'cannot listen on 0.0.0.0 port %d: Address already in use' % \
        port in err, err
    assert 'not started' in err and not re.search(r'telnetd \S+ ready',
                                                  err), err


def test_listen_on_a_service_name():
    """--listen takes a service name from /etc/services.  The daemon is a
    static program and looks it up with glibc's built-in "files" source
    whatever nsswitch.conf says (Debian's "services: db files" would
    otherwise load libnss_db into it)."""
    # What a lookup finds for a name: the first tcp line that has it, as
    # name or alias ("dicom" is 104, an alias of acr-nema, before its own
    # line says 11112).
    first = {}
    with open('/etc/services') as f:
        for line in f:
            w = line.split('#')[0].split()
            if len(w) >= 2 and w[1].endswith('/tcp'):
                p = int(w[1].split('/')[0])
                for n in [w[0]] + w[2:]:
                    first.setdefault(n, p)
    named = [(n, p) for n, p in first.items() if p >= 1024]
    # A random one, not the first: make check runs two suites at once, and
    # both taking the first free name would race for one port.
    random.shuffle(named)
    name = port = None
    for name_, port_ in named:
        s = socket.socket()
        try:
            s.bind(('127.0.0.1', port_))
        except OSError:
            continue
        finally:
            s.close()
        name, port = name_, port_
        break
    assert name, 'no free tcp port named in /etc/services'
    ok, err = listen_starts(
        telnetd_path(), ['-E', '/bin/true'],
        listen='--listen=127.0.0.1:%s' % name,
        check=lambda: socket.create_connection(('127.0.0.1', port),
                                               5).close())
    assert ok, (name, port, err)


def test_version_and_help():
    exe = _need(telnetd_path())
    p = subprocess.run([exe, '--version'], capture_output=True, timeout=10)
    assert p.returncode == 0 and p.stdout.startswith(b'telnetd ')
    p = subprocess.run([exe, '--help'], capture_output=True, timeout=10)
    assert p.returncode == 0 and b'--listen' in p.stdout


def test_help_says_the_defaults_the_manual_does():
    """--help's defaults in parentheses are the manual's: -D alone traces
    options and report (it said "(all)"); the relay's user is telnetd,
    else nobody (it said nothing)."""
    text = ' '.join(subprocess.run([_need(telnetd_path()), '--help'],
                                   capture_output=True, text=True,
                                   timeout=10).stdout.split())
    assert 'ptydata, or all (options,report)' in text, text
    assert 'of the relay (telnetd, else nobody)' in text, text
    man = (PROGS.parents[2] / 'man' / 'telnetd.8').read_text()
    man = ' '.join(man.split())
    assert '.Cm options and .Cm report are traced' in man
    assert 'The default is .Cm telnetd' in man and 'when it does not ' \
        'exist, .Cm nobody' in man
