"""test_daemon_memory.py - an idle session gives its buffers back.

The relay's buffers (the queue to the client, the queue to the program,
the read buffer and the protocol engine's subnegotiation buffers) are
pages of their own; after a quiet spell (IDLE_TRIM_MS, a tenth of a
second) the relay hands their pages back, so a session that once moved a
burst of data costs, when idle, what a fresh one costs.  Measured on the
live relay through /proc/PID/smaps_rollup (Private_Dirty), no timing
asserted: the test waits up to seconds for the drop.
"""
import os
import pathlib
import time

from tnclient import TelnetClient

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
TPROG = str(PROGS / 'tprog.py')


def private_dirty_kib(pid):
    with open('/proc/%d/smaps_rollup' % pid) as f:
        for line in f:
            if line.startswith('Private_Dirty:'):
                return int(line.split()[1])
    raise AssertionError('no Private_Dirty for %d' % pid)


def relay_of(d):
    """The session's relay: the daemon process that is not root."""
    found = []
    for pid in d.descendants():
        try:
            with open('/proc/%d/comm' % pid) as f:
                comm = f.read().strip()
            uid = os.stat('/proc/%d' % pid).st_uid
        except OSError:
            continue
        if comm == 'telnetd' and uid != 0:
            found.append(pid)
    assert len(found) == 1, found
    return found[0]


def settle(pid, below, timeout=5.0):
    """Private_Dirty of PID once it is at most BELOW KiB (or the last
    sample when it never gets there)."""
    deadline = time.monotonic() + timeout
    while True:
        v = private_dirty_kib(pid)
        if v <= below or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


def test_idle_session_gives_buffers_back(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' lines'])
    c = TelnetClient(d.port, timeout=20)
    c.negotiate()
    c.expect(b'READY')
    relay = relay_of(d)
    time.sleep(0.5)
    base = private_dirty_kib(relay)

    # A burst both ways: 400 lines of 900 bytes in, as many echoed out.
    # Sample the relay's private memory while it moves.
    peak = base
    line = b'x' * 900 + b'\r\n'
    for i in range(400):
        c.send_data(line)
        if i % 20 == 0:
            peak = max(peak, private_dirty_kib(relay))
        c._pump(0)
    for _ in range(400):
        c.expect(b"x\\n'")
    peak = max(peak, private_dirty_kib(relay))
    # The burst used the buffers (or this test could not tell) ...
    assert peak >= base + 32, (base, peak)
    # ... and a quiet session gives them back.
    after = settle(relay, base + 8)
    assert after <= base + 8, (base, peak, after)
    # and still works
    c.send_data(b'quit\r\n')
    c.expect(b"LINE:b'quit\\n'")
    c.close()
