"""test_confinement.py - the relay's seccomp filter against the running
daemon: a forbidden system call kills only that session's relay.

There is no way for a client to make the relay call something outside its
filter (that is the point), and the daemon has no test hook for it either.
The test plays the attacker who has taken over the relay's code: it
attaches gdb (as root, by PID) to one session's relay and makes it call
getuid(2), which the filter does not allow (the daemon links getuid: it
checks for root at start; the relay never calls it).  Then:

  - that relay dies of SIGSYS (the kernel's SECCOMP_RET_KILL_PROCESS);
  - its monitor notices, logs "relay killed by signal 31", hangs up the
    program (SIGHUP reaches it) and clears its utmp entry; the client's
    connection closes;
  - the other session, started before, goes on working, and a new client
    gets a new session.

Skipped without gdb, and in sanitizer builds (no filter there: the
sanitizer runtime makes calls the relay never does; test_daemon_procs.py
checks which build has which).
"""
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from tnclient import TelnetClient
from test_daemon_procs import (proc_status, proc_comm, utmp_lines,
                               utmp_file, wait_until)  # noqa: F401

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
TPROG = str(PROGS / 'tprog.py')


def session_procs(d, known):
    """(relay, program tty) of the one session not in ``known``."""
    relay = tty = None
    for p in d.descendants():
        if p in known:
            continue
        st = proc_status(p)
        if st is None:
            continue
        if proc_comm(p) == 'telnetd' and int(st['Uid'].split()[0]) != 0:
            relay = p
        try:
            fd0 = os.readlink('/proc/%d/fd/0' % p)
        except OSError:
            continue
        if fd0.startswith('/dev/pts/'):
            tty = fd0[5:]
    return relay, tty


def test_forbidden_syscall_kills_only_that_session(listen_daemon, tmp_path,
                                                   utmp_file):
    gdb = shutil.which('gdb')
    if gdb is None:
        pytest.skip('gdb is not installed')
    if 'asan' in os.environ.get('TELNETD_BUILD', ''):
        pytest.skip('sanitizer build: the relay has no seccomp filter')
    os.chmod(tmp_path, 0o777)
    mark = tmp_path / 'hup'
    d = listen_daemon(['-E', TPROG + ' hup ' + str(mark)])

    a = TelnetClient(d.port, timeout=10)
    a.negotiate()
    a.expect(b'READY')
    relay_a, tty_a = session_procs(d, set())
    assert relay_a and tty_a, d.descendants()
    assert proc_status(relay_a)['Seccomp'].strip() == '2'
    assert tty_a in utmp_lines()
    known_a = set(d.descendants())

    d2 = listen_daemon(['-E', TPROG + ' lines'])
    b = TelnetClient(d2.port, timeout=10)
    b.negotiate()
    b.expect(b'READY')
    # A second session on the same daemon as A, too.
    c = TelnetClient(d.port, timeout=10)
    c.negotiate()
    c.expect(b'READY')
    relay_c, tty_c = session_procs(d, known_a)
    assert relay_c and relay_c != relay_a

    # The "compromised" relay makes a call outside its filter.
    r = subprocess.run([gdb, '-p', str(relay_a), '-batch', '-nx',
                        '-ex', 'call (int)getuid()'],
                       capture_output=True, timeout=60)
    out = r.stdout.decode('utf-8', 'replace') + \
        r.stderr.decode('utf-8', 'replace')
    assert 'SIGSYS' in out, out

    # Only that session ends: the monitor logs it, hangs up the program,
    # clears utmp, and the client sees the connection close.
    d.wait_stderr(r'relay killed by signal %d' % signal.SIGSYS, timeout=10)
    wait_until(lambda: mark.exists() and 'HUP' in mark.read_text(), 10,
               'SIGHUP reached the program of the killed session')
    a.read_until_close(timeout=10)
    a.close()
    wait_until(lambda: tty_a not in utmp_lines(), 10, 'utmp entry cleared')
    assert not os.path.exists('/proc/%d' % relay_a) or \
        proc_status(relay_a) is None

    # The other sessions go on.
    assert proc_status(relay_c) is not None
    assert tty_c in utmp_lines()
    b.send_data(b'still here\r\n')
    b.expect(b"LINE:b'still here")
    b.close()
    # (C runs "hup": it has nothing to say, but its relay answers AYT.)
    c.send_raw(bytes([255, 246]))
    c.expect(b'[Yes]')
    c.close()
    # And a new client gets a new session.
    e = TelnetClient(d.port, timeout=10)
    e.negotiate()
    e.expect(b'READY')
    e.close()
