"""test_clients.py - the clients people really use, against the daemon on
loopback: inetutils telnet (and its NEW-ENVIRON `environ` commands, a real
/bin/login, its mode), busybox telnet, PuTTY's plink, Python's telnetlib,
libtelnet's telnet-client, and a full-screen program (less) through
inetutils telnet in a terminal that is resized.

Interactive clients run in a private tmux server (clients/drive.py Tmux:
send-keys in, capture-pane out); batch clients on pipes (drive.py Piped).
Every client runs under `env -i` with only what the test gives it.  The
session program is clients/session.py: it prints ARGS (the -E words after
%u %T expansion), TERM, `stty size`, `stty speed` and its environment, then
answers `sum A B`, `size`, `env NAME` and `quit`.

What each client sends (Debian 12 versions, seen with -D options):
  inetutils telnet 2.4  TTYPE (upper case; arrives lower case), NAWS (and
                        again on SIGWINCH), TSPEED 38400, NEW-ENVIRON with
                        the `environ`-exported variables (well-known names
                        as VAR, others as USERVAR; USER from -l), LFLOW;
                        WONT XDISPLOC without DISPLAY.  No LINEMODE: the
                        daemon asks for it only with -l, so the client
                        runs in single character mode.
  busybox telnet 1.35   TTYPE, NAWS at start only (no SIGWINCH handling),
                        NEW-ENVIRON with VAR USER (-l); WONT TSPEED, LFLOW.
  plink 0.78            TTYPE "xterm", NAWS 80x24, TSPEED 38400 by default
                        (a saved session sets them), NEW-ENVIRON VAR USER
                        (the local user name unless one is configured) and
                        the configured variables as VAR.  On a terminal,
                        NAWS from it and again on SIGWINCH.
  telnetlib             refuses every option (DONT ECHO too) unless given a
                        callback.
  telnet-client 0.21    TTYPE from $TERM only (WONT NAWS, NEW-ENVIRON ...).

Two tests show a daemon bug and fail until it is fixed: after the client's
DONT ECHO the daemon answers WONT ECHO but leaves the pty's ECHO on, so it
still echoes (test_inetutils_telnet_mode_line_echoes_once,
test_telnetlib_refused_echo_is_not_echoed).
"""
import hashlib
import os
import pathlib
import pwd
import re
import shutil
import tempfile
import warnings

import pytest

from clients.drive import parse_session, telnetlib3
from conftest import need_tool as need, inetutils_telnet

HERE = pathlib.Path(__file__).resolve().parent
SESSION = str(HERE / 'clients' / 'session.py')
# -E with the user name the client sent and the terminal type.
SESSION_E = ['-h', '-E', SESSION + ' %u %T']

BASE_ENV = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'}
CLOSED = r'Connection closed by foreign host'


def client_env(home, **extra):
    env = dict(BASE_ENV, HOME=str(home))
    env.update(extra)
    return env


@pytest.fixture
def home():
    """An empty, world-readable home for the client (no ~/.putty, no
    ~/.telnetrc of the host's)."""
    d = tempfile.mkdtemp(prefix='tdclient-home-')
    os.chmod(d, 0o755)
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def assert_quit(t):
    """Leave session.py: BYE, then the client reports the close."""
    t.type('quit')
    t.wait(r'BYE')
    t.wait(CLOSED)


# ---- inetutils telnet ------------------------------------------------------

def test_inetutils_telnet_session(listen_daemon, tmux, home):
    """TERM and the window size arrive, a command runs, a resize of the
    terminal reaches the program as SIGWINCH with the new size; the client
    runs in single character mode (the daemon asks for no LINEMODE) and
    exits 0 when the session ends."""
    telnet = inetutils_telnet()
    d = listen_daemon(SESSION_E)
    tmux.start([telnet, '127.0.0.1', d.port],
               client_env(home, TERM='xterm-256color'), width=90, height=30)
    tmux.wait(r'END-OF-ENV[\s\S]*cmd>')
    info = parse_session(tmux.text())
    # The client sends XTERM-256COLOR; the daemon gives the program the
    # name in lower case, as TERM and as %T.
    assert info['TERM'] == 'xterm-256color', info
    assert info['ARGS'] == ['', 'xterm-256color'], info
    assert info['SIZE'] == '30 90', info
    assert info['SPEED'] == '38400', info
    assert info['ENV'].get('TERM') == 'xterm-256color'
    assert 'USER' not in info['ENV']

    tmux.type('sum 40 2')
    tmux.wait(r'SUM=42')

    tmux.resize(100, 40)
    tmux.wait(r'WINCH 40 100')
    tmux.type('size')
    tmux.wait(r'SIZE=40 100')

    # The client's own view of the connection, at its escape prompt.
    tmux.keys('C-]')
    tmux.wait(r'telnet> ?$')
    tmux.type('status')
    st = tmux.wait(r'Operating (in|with) ([^\n]*)')
    assert st.group(0) == 'Operating in single character mode', st.group(0)
    tmux.wait(r'Remote character echo')
    # status returns to the connection.
    tmux.type('sum 1 2')
    tmux.wait(r'SUM=3')
    assert_quit(tmux)
    assert tmux.exit_status() == 0
    assert 'HUH:' not in tmux.text()


def test_inetutils_telnet_new_environ(listen_daemon, tmux, home):
    """`environ define` + `environ export` at the telnet> prompt: the
    variables the allow-list takes arrive (TZ, LANG, and one added with
    --accept-env), a loader variable does not, and USER is the login name
    (%u), never a variable.  DISPLAY from the client's environment arrives
    (the client offers XDISPLOC and exports DISPLAY)."""
    telnet = inetutils_telnet()
    d = listen_daemon(SESSION_E + ['--accept-env=TDTEST_VAR'])
    tmux.start([telnet], client_env(home, TERM='vt220',
                                    DISPLAY='client.example:0.0'))
    n = 1
    tmux.wait(r'telnet> ?$')
    for cmd in ['environ define TZ UTC0', 'environ export TZ',
                'environ define LANG de_DE.UTF-8', 'environ export LANG',
                'environ define TDTEST_VAR hello-world',
                'environ export TDTEST_VAR',
                'environ define LD_PRELOAD /tmp/telnetd-itest-evil.so',
                'environ export LD_PRELOAD',
                'environ define USER someone', 'environ export USER',
                'environ define NOT_EXPORTED x',
                'environ unexport NOT_EXPORTED']:
        tmux.type(cmd)
        n += 1
        tmux.wait(r'telnet>', count=n)
    tmux.type('open 127.0.0.1 %d' % d.port)
    tmux.wait(r'END-OF-ENV[\s\S]*cmd>')
    info = parse_session(tmux.text())
    env = info['ENV']
    assert info['TERM'] == 'vt220', info
    assert info['ARGS'] == ['someone', 'vt220'], info
    assert env.get('TZ') == 'UTC0', env
    assert env.get('LANG') == 'de_DE.UTF-8', env
    assert env.get('TDTEST_VAR') == 'hello-world', env
    assert env.get('DISPLAY') == 'client.example:0.0', env
    assert 'LD_PRELOAD' not in env, env
    assert 'USER' not in env, env
    assert 'NOT_EXPORTED' not in env, env
    tmux.type('env TZ')
    tmux.wait(r'VAL:TZ=UTC0')
    assert_quit(tmux)
    assert tmux.exit_status() == 0


def test_inetutils_telnet_login(listen_daemon, tmux, home, test_user):
    """The real /bin/login: `telnet -l USER` sends the name by NEW-ENVIRON,
    login asks only for the password, the shell sees TERM and the window
    size (also after a resize), and `exit` closes the connection."""
    if not os.access('/bin/login', os.X_OK):
        pytest.skip('/bin/login is not installed')
    telnet = inetutils_telnet()
    user, password = test_user
    d = listen_daemon([])
    tmux.start([telnet, '-l', user, '127.0.0.1', d.port],
               client_env(home, TERM='xterm-256color'), width=90, height=30)
    tmux.wait(r'Password: ?$', timeout=20)
    assert 'login: ' not in tmux.text()
    tmux.type(password)
    tmux.wait(r'[$#] ?$', timeout=20)
    tmux.type('echo "T=$TERM S=$(stty size) U=$(id -un) N=$((40+2))"')
    tmux.wait(r'T=xterm-256color S=30 90 U=%s N=42' % re.escape(user))
    tmux.resize(120, 35)
    tmux.type('echo "S2=$(stty size)"')
    tmux.wait(r'S2=35 120')
    tmux.type('exit')
    tmux.wait(CLOSED, timeout=20)
    assert tmux.exit_status() == 0


def test_inetutils_telnet_linemode_option(listen_daemon, tmux, home):
    """With -l the daemon asks for LINEMODE: inetutils telnet agrees, says
    so in its status, and the session works in line mode."""
    telnet = inetutils_telnet()
    d = listen_daemon(SESSION_E + ['-l'])
    tmux.start([telnet, '127.0.0.1', d.port],
               client_env(home, TERM='xterm'), width=80, height=24)
    tmux.wait(r'END-OF-ENV[\s\S]*cmd>')
    info = parse_session(tmux.text())
    assert info['TERM'] == 'xterm' and info['SIZE'] == '24 80', info
    tmux.type('sum 2 3')
    tmux.wait(r'SUM=5')
    tmux.keys('C-]')
    tmux.wait(r'telnet> ?$')
    tmux.type('status')
    st = tmux.wait(r'Operating (in|with) ([^\n]*)').group(0)
    tmux.type('sum 3 4')
    tmux.wait(r'SUM=7')
    assert_quit(tmux)
    assert st == 'Operating with LINEMODE option', st


def test_inetutils_telnet_linemode_paste_and_eof(listen_daemon, tmux, home,
                                                 tmp_path):
    """A paste of 20 KiB into inetutils telnet in LINEMODE, then ^D, to a
    program that starts reading half a second later: every line arrives
    and the ^D is its end of file (the line discipline in EXTPROC dropped
    all but 4 KiB of such a paste, and lost an EOF not read within 20 ms:
    ldisc_room.c, pty_input.c)."""
    telnet = inetutils_telnet()
    lmprog = str(HERE / 'progs' / 'lmprog.py')
    d = listen_daemon(['-h', '-l', '-E', lmprog + ' paste 2'])
    lines = [b'%04d %s' % (i, b'pasted through a real client ' * 3)
             for i in range(200)]
    paste = tmp_path / 'paste.txt'
    paste.write_bytes(b'\n'.join(lines) + b'\n')
    want = hashlib.sha1(b''.join(x + b'\n' for x in lines)).hexdigest()
    tmux.start([telnet, '127.0.0.1', d.port],
               client_env(home, TERM='xterm'), width=200, height=50)
    tmux.wait(r'^READY')
    tmux.tmux('load-buffer', '-b', 'p', str(paste))
    tmux.tmux('paste-buffer', '-b', 'p', '-t', 'td')
    tmux.keys('C-d')
    m = tmux.wait(r'GOT:(\d+) ([0-9a-f]+)', timeout=20)
    assert (int(m.group(1)), m.group(2)) == (200, want), tmux.text()[-500:]
    tmux.wait(CLOSED)


def test_inetutils_telnet_mode_line_echoes_once(listen_daemon, tmux, home):
    """`mode line` at the telnet> prompt: the client asks for kludge line
    mode (DONT SGA, DONT ECHO; the daemon answers WONT SGA, WONT ECHO) and
    echoes what is typed itself.  Having said WONT ECHO the server must not
    echo too (RFC 857), so a typed line shows once: the daemon turns the
    pty's echo off on DONT ECHO, as GNU inetutils telnetd does."""
    telnet = inetutils_telnet()
    d = listen_daemon(SESSION_E)
    tmux.start([telnet, '127.0.0.1', d.port],
               client_env(home, TERM='xterm'), width=80, height=24)
    tmux.wait(r'END-OF-ENV[\s\S]*cmd>')
    tmux.keys('C-]')
    tmux.wait(r'telnet> ?$')
    tmux.type('mode line')
    tmux.keys('C-]')
    tmux.wait(r'telnet>', count=2)
    tmux.type('status')
    tmux.wait(r'Operating (in|with) ([^\n]*)')
    tmux.wait(r'Local character echo')
    tmux.type('sum 5 5')
    tmux.wait(r'SUM=10')
    text = tmux.text()
    tmux.type('quit')
    tmux.wait(CLOSED)
    assert text.count('sum 5 5') == 1, text


# ---- busybox telnet --------------------------------------------------------

def test_busybox_telnet(listen_daemon, tmux, home):
    """busybox telnet: TERM, the window size, the user name from -l, a
    command; the client reports the close (it exits 1 by design then)."""
    busybox = need('busybox')
    d = listen_daemon(SESSION_E)
    tmux.start([busybox, 'telnet', '-l', 'someone', '127.0.0.1', d.port],
               client_env(home, TERM='screen'), width=100, height=30)
    tmux.wait(r'END-OF-ENV[\s\S]*cmd>')
    info = parse_session(tmux.text())
    assert info['TERM'] == 'screen', info
    assert info['SIZE'] == '30 100', info
    assert info['ARGS'] == ['someone', 'screen'], info
    assert 'USER' not in info['ENV']
    tmux.type('sum 40 2')
    tmux.wait(r'SUM=42')
    assert_quit(tmux)
    tmux.exit_status()


# ---- PuTTY plink -----------------------------------------------------------

def run_piped_session(p, a=20, b=22):
    """Wait for session.py's header, run one command and quit; returns the
    parsed header."""
    p.expect(r'END-OF-ENV')
    info = parse_session(p.output())
    p.expect(r'cmd> ')
    p.send(b'sum %d %d\n' % (a, b))
    p.expect(r'SUM=%d\r\n' % (a + b))
    p.expect(r'cmd> ')
    p.send(b'quit\n')
    p.expect(r'BYE\r\n')
    return info


def test_plink_batch_defaults(listen_daemon, piped, home):
    """plink -telnet in batch mode on pipes, with no saved settings: PuTTY's
    defaults arrive (TERM xterm, 80x24, 38400 baud) and the local user name
    as %u."""
    plink = need('plink')
    d = listen_daemon(SESSION_E)
    p = piped([plink, '-batch', '-telnet', '-P', d.port, '127.0.0.1'],
              client_env(home))
    info = run_piped_session(p)
    assert p.finish() == 0
    me = pwd.getpwuid(os.getuid()).pw_name
    assert info['TERM'] == 'xterm', info
    assert info['SIZE'] == '24 80', info
    assert info['SPEED'] == '38400', info
    assert info['ARGS'] == [me, 'xterm'], info
    assert 'USER' not in info['ENV']


def test_plink_saved_session(listen_daemon, piped, home):
    """A saved PuTTY session sets the terminal type, size, speed, user and
    environment; each arrives (the variables through the allow-list)."""
    plink = need('plink')
    d = listen_daemon(SESSION_E)
    sessions = home / '.putty' / 'sessions'
    sessions.mkdir(parents=True)
    (sessions / 'tdtest').write_text(
        'TerminalType=vt220\n'
        'TerminalSpeed=9600,9600\n'
        'TermWidth=132\n'
        'TermHeight=43\n'
        'UserName=someone\n'
        'Environment=TZ=UTC0,LANG=C.UTF-8,LD_PRELOAD=/tmp/evil.so\n')
    p = piped([plink, '-batch', '-load', 'tdtest', '-telnet', '-P', d.port,
               '127.0.0.1'], client_env(home))
    info = run_piped_session(p, 1, 2)
    assert p.finish() == 0
    assert info['TERM'] == 'vt220', info
    assert info['SIZE'] == '43 132', info
    assert info['SPEED'] == '9600', info
    assert info['ARGS'] == ['someone', 'vt220'], info
    env = info['ENV']
    assert env.get('TZ') == 'UTC0' and env.get('LANG') == 'C.UTF-8', env
    assert 'LD_PRELOAD' not in env and 'USER' not in env, env


def test_plink_interactive_resized(listen_daemon, tmux, home):
    """plink -telnet on a terminal: the window size is the terminal's and a
    resize reaches the program (SIGWINCH); TERM is PuTTY's configured type
    ("xterm"), not the local $TERM; the session ends with plink exiting 0."""
    plink = need('plink')
    d = listen_daemon(SESSION_E)
    tmux.start([plink, '-telnet', '-P', d.port, '127.0.0.1'],
               client_env(home, TERM='screen'), width=100, height=40)
    tmux.wait(r'END-OF-ENV[\s\S]*cmd>')
    info = parse_session(tmux.text())
    assert info['TERM'] == 'xterm', info
    assert info['SIZE'] == '40 100', info
    tmux.type('sum 5 5')
    tmux.wait(r'SUM=10')
    tmux.resize(120, 30)
    tmux.wait(r'WINCH 30 120')
    tmux.type('size')
    tmux.wait(r'SIZE=30 120')
    tmux.type('quit')
    tmux.wait(r'BYE')
    assert tmux.exit_status() == 0


# ---- Python telnetlib ------------------------------------------------------

def telnetlib_module():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        try:
            import telnetlib
        except ImportError:
            pytest.skip('telnetlib is gone from this Python')
    return telnetlib


def tl_session(tn, a, b):
    head = tn.read_until(b'END-OF-ENV\r\ncmd> ', 15)
    tn.write(b'sum %d %d\n' % (a, b))
    out = tn.read_until(b'SUM=%d' % (a + b), 15)
    assert b'SUM=%d' % (a + b) in out, out
    tn.write(b'quit\n')
    rest = tn.read_all()
    assert b'BYE' in rest, rest
    return head


def test_telnetlib_default(listen_daemon):
    """telnetlib as it comes refuses every option: the session starts all
    the same, with TERM=dumb (no terminal type was named; also as %T) and
    no window size."""
    telnetlib = telnetlib_module()
    d = listen_daemon(SESSION_E)
    with telnetlib.Telnet('127.0.0.1', d.port, 15) as tn:
        text = tn.read_until(b'END-OF-ENV', 15)
        tn.read_until(b'cmd> ', 15)
        tn.write(b'sum 40 2\n')
        assert b'SUM=42' in tn.read_until(b'SUM=42', 15)
        tn.write(b'quit\n')
        assert b'BYE' in tn.read_all()
    info = parse_session(text.decode())
    assert info['TERM'] == 'dumb', info
    assert info['ENV'].get('TERM') == 'dumb', info
    assert info['SIZE'] == '0 0', info
    assert info['ARGS'] == ['', 'dumb'], info


def test_telnetlib_refused_echo_is_not_echoed(listen_daemon):
    """telnetlib refuses the server's WILL ECHO (DONT ECHO); the server
    then says WONT ECHO and must not echo what the client sends (RFC 857):
    the answer to a line is the program's output alone, as GNU inetutils
    telnetd sends it (the pty's echo would add "sum 40 2\\r\\n" first)."""
    telnetlib = telnetlib_module()
    d = listen_daemon(SESSION_E)
    with telnetlib.Telnet('127.0.0.1', d.port, 15) as tn:
        tn.read_until(b'END-OF-ENV\r\ncmd> ', 15)
        tn.write(b'sum 40 2\n')
        reply = tn.read_until(b'cmd> ', 15)
        tn.write(b'quit\n')
        rest = tn.read_all()
    assert reply == b'SUM=42\r\ncmd> ', reply
    assert rest == b'BYE\r\n', rest


def test_telnetlib_with_negotiation(listen_daemon):
    """telnetlib with an option callback that agrees to TTYPE and NAWS
    (the usual way to use it for a terminal session)."""
    telnetlib = telnetlib_module()
    IAC, SB, SE = telnetlib.IAC, telnetlib.SB, telnetlib.SE
    DO, DONT, WILL, WONT = (telnetlib.DO, telnetlib.DONT, telnetlib.WILL,
                            telnetlib.WONT)
    TTYPE, NAWS = telnetlib.TTYPE, telnetlib.NAWS
    ECHO, SGA = telnetlib.ECHO, telnetlib.SGA
    d = listen_daemon(SESSION_E)
    tn = telnetlib.Telnet()

    def option(sock, cmd, opt):
        if cmd == DO and opt == TTYPE:
            sock.sendall(IAC + WILL + TTYPE)
        elif cmd == DO and opt == NAWS:
            sock.sendall(IAC + WILL + NAWS + IAC + SB + NAWS
                         + bytes([0, 100, 0, 30]) + IAC + SE)
        elif cmd == DO:
            sock.sendall(IAC + WONT + opt)
        elif cmd == WILL and opt in (ECHO, SGA):
            sock.sendall(IAC + DO + opt)
        elif cmd == WILL:
            sock.sendall(IAC + DONT + opt)
        elif cmd == SE:
            sb = tn.read_sb_data()
            if sb[:2] == TTYPE + bytes([1]):         # TTYPE SEND
                sock.sendall(IAC + SB + TTYPE + bytes([0]) + b'VT100'
                             + IAC + SE)
    tn.set_option_negotiation_callback(option)
    tn.open('127.0.0.1', d.port, 15)
    try:
        head = tl_session(tn, 5, 6)
    finally:
        tn.close()
    info = parse_session(head.decode())
    assert info['TERM'] == 'vt100', info
    assert info['SIZE'] == '30 100', info
    assert info['ARGS'] == ['', 'vt100'], info


# ---- libtelnet's telnet-client ----------------------------------------------

def test_libtelnet_telnet_client(listen_daemon, piped, home):
    """telnet-client (libtelnet-utils) on pipes: TERM from its environment
    arrives; it offers no NAWS, so the pty keeps a 0x0 size."""
    tc = need('telnet-client')
    d = listen_daemon(SESSION_E)
    p = piped([tc, '127.0.0.1', d.port], client_env(home, TERM='vt102'))
    info = run_piped_session(p, 7, 8)
    assert p.finish() == 0
    assert info['TERM'] == 'vt102', info
    assert info['ARGS'] == ['', 'vt102'], info
    assert info['SIZE'] == '0 0', info


# ---- telnetlib3's client ----------------------------------------------------

def test_telnetlib3_client(listen_daemon, tmux, home):
    """telnetlib3-client (telnetlib3 4.0.5 from shared/clients, on a
    terminal): TERM, the window size, LANG from its NEW-ENVIRON, and a
    command answered at once.  It sends Enter as a bare CR while BINARY is
    off (seen with -D netdata, asserted below): the daemon takes the CR as
    the end of the line when it arrives, so the answer comes without
    another key (a daemon that waits for the CR's partner stalls here)."""
    tl3 = telnetlib3('client')
    if tl3 is None:
        pytest.skip('shared/clients (telnetlib3 source) is not beside the '
                    'checkout; set TELNETD_SHARED_CLIENTS')
    argv, extra = tl3
    d = listen_daemon(SESSION_E + ['-D', 'netdata'])
    tmux.start(argv + ['127.0.0.1', d.port],
               client_env(home, TERM='xterm-256color', **extra),
               width=90, height=30)
    tmux.wait(r'END-OF-ENV[\s\S]*cmd>', timeout=20)
    info = parse_session(tmux.text())
    assert info['TERM'] == 'xterm-256color', info
    assert info['SIZE'] == '30 90', info
    assert info['ARGS'] == ['', 'xterm-256color'], info
    assert info['ENV'].get('LANG', '').lower().endswith('utf8') or \
        info['ENV'].get('LANG', '').lower().endswith('utf-8'), info
    tmux.type('sum 40 2')
    tmux.wait(r'SUM=42', timeout=5)
    # What the client sent from the command on: its Enter was a bare CR.
    log = d.stderr_text()
    sent = ''.join(re.findall(r'net< \d+ bytes(?: \(cont\.\))?: "(.*)"',
                              log))
    sent = sent[sent.index('sum 40 2'):]
    assert sent.startswith('sum 40 2\\r') and '\\r\\n' not in sent and \
        '\\r\\000' not in sent, log[-3000:]
    tmux.type('quit')
    tmux.wait(r'BYE')
    tmux.wait(r'Connection closed|\[client exited', timeout=15)


# ---- a full-screen program, resized -----------------------------------------

def test_less_fullscreen_resized(listen_daemon, tmux, home):
    """less through inetutils telnet in a terminal: it fills the screen the
    client has, and when the terminal grows and shrinks, its prompt moves to
    the new last row and G shows the file's last lines at the new height."""
    telnet = inetutils_telnet()
    less = need('less')
    lines = 200
    (home / 'lines.txt').write_text(''.join('line %03d\n' % i
                                            for i in range(1, lines + 1)))
    os.chmod(home / 'lines.txt', 0o644)
    d = listen_daemon(['-h', '-E', '%s %s' % (less, home / 'lines.txt')])
    tmux.start([telnet, '127.0.0.1', d.port],
               client_env(home, TERM='tmux-256color'), width=80, height=24)

    def at_end(height):
        """less at the end of the file on a terminal ``height`` rows high:
        the last height-1 lines, then its (END) prompt on the last row."""
        first = lines - (height - 1) + 1

        def pred(rows):
            return (len(rows) == height and rows[-1].startswith('(END)')
                    and rows[0] == 'line %03d' % first
                    and rows[-2] == 'line %03d' % lines)
        return pred

    tmux.wait_screen(lambda r: r[0] == 'line 001' and
                     r[-2] == 'line 023' and 'lines.txt' in r[-1],
                     what='less at the top, 24 rows')
    tmux.keys('G')
    tmux.wait_screen(at_end(24), what='less at the end, 24 rows')

    tmux.resize(100, 40)
    # The prompt moves to the new last row at once (SIGWINCH repaint).
    tmux.wait_screen(lambda r: len(r) == 40 and r[-1].startswith('(END)'),
                     what='the prompt on row 40')
    tmux.keys('g', 'G')
    tmux.wait_screen(at_end(40), what='less at the end, 40 rows')

    tmux.resize(70, 15)
    tmux.wait_screen(lambda r: len(r) == 15, what='15 rows')
    tmux.keys('g', 'G')
    tmux.wait_screen(at_end(15), what='less at the end, 15 rows')

    tmux.keys('q')
    tmux.wait(CLOSED)
    assert tmux.exit_status() == 0
