"""test_idle_timeout.py - --idle-timeout closes a session in which nothing
has moved either way for that long, the way a disconnect does: the client
gets one line saying why and the connection closes, the program gets
SIGHUP, and its utmp entry is cleared.  Input and output both count as
activity; without the option nothing is closed.

The timeouts are 1 or 2 s; the activity that must keep a session open
comes every 0.4-0.5 s (four times as often), and each closing is looked for
with several seconds to spare, so load on the machine moves nothing.
"""
import os
import pathlib
import time

from tnclient import TelnetClient
from test_daemon_procs import utmp_lines, utmp_file, wait_until  # noqa: F401

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
TPROG = str(PROGS / 'tprog.py')
WARNING = b'telnetd: no input or output for too long; closing the connection.'


def session(d, ready=b'READY'):
    c = TelnetClient(d.port, timeout=15)
    c.negotiate()
    c.expect(ready)
    return c


def test_idle_session_closes_like_a_disconnect(inetd_daemon, tmp_path,
                                               utmp_file):
    os.chmod(tmp_path, 0o777)
    mark = tmp_path / 'hup'
    d = inetd_daemon(['--idle-timeout=1', '-E', TPROG + ' hup ' + str(mark)])
    c = session(d)
    t0 = time.monotonic()
    pids = set(d.descendants())
    tty = [l for l in utmp_lines(pids)]
    assert len(tty) == 1, tty
    c.expect(WARNING, timeout=10)
    assert time.monotonic() - t0 >= 0.9
    c.read_until_close(timeout=10)
    c.close()
    wait_until(lambda: mark.exists() and 'HUP' in mark.read_text(), 10,
               'SIGHUP reached the program')
    wait_until(lambda: not utmp_lines(pids), 10, 'utmp entry cleared')


def test_input_keeps_the_session(inetd_daemon):
    """A line every 0.5 s for 3 s with a 2 s timeout: the session stays;
    once the client stops, it closes."""
    d = inetd_daemon(['--idle-timeout=2', '-E', TPROG + ' lines'])
    c = session(d)
    for i in range(6):
        c.send_data(b'l%d\r\n' % i)
        c.expect(b"LINE:b'l%d\\n'" % i)
        time.sleep(0.5)
    assert WARNING not in bytes(c.data)
    t0 = time.monotonic()
    c.expect(WARNING, timeout=12)
    assert time.monotonic() - t0 >= 1.5
    c.read_until_close(timeout=10)
    c.close()


def test_output_keeps_the_session(inetd_daemon, tmp_path):
    """The program printing every 0.4 s for 2.8 s keeps a 1 s timeout
    away; after its last line the session closes."""
    os.chmod(tmp_path, 0o777)
    mark = tmp_path / 'hup'
    d = inetd_daemon(['--idle-timeout=1', '-E',
                      TPROG + ' ticks 7 ' + str(mark)])
    c = session(d, ready=b'TICK 0')
    c.expect(b'QUIET', timeout=10)
    assert WARNING not in bytes(c.data)
    c.expect(WARNING, timeout=10)
    c.read_until_close(timeout=10)
    c.close()
    wait_until(lambda: mark.exists() and 'HUP' in mark.read_text(), 10,
               'SIGHUP reached the program')


def test_no_idle_timeout_by_default(inetd_daemon):
    """Without the option an idle session stays (3 s here, beyond every
    timeout above) and still answers."""
    d = inetd_daemon(['-E', TPROG + ' lines'])
    c = session(d)
    time.sleep(3)
    c.send_data(b'still\r\n')
    c.expect(b"LINE:b'still\\n'")
    assert WARNING not in bytes(c.data)
    c.close()
