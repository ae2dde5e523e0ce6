"""test_daemon_memory.py - an idle session costs its state, nothing more.

The relay's buffers (the queue to the client, the queue to the program,
the read buffer and the protocol engine's subnegotiation buffers) are
pages of their own; after a quiet spell (IDLE_TRIM_MS, a tenth of a
second) the relay hands their pages back, so a session that once moved a
burst of data costs, when idle, what a fresh one costs.  Measured on the
live relay through /proc/PID/smaps_rollup (Private_Dirty), no timing
asserted: the test waits up to seconds for the drop.

What a fresh idle session's state takes is counted too, in pages: the
layout of struct session (session.h) keeps what an idle session writes on
as few pages as it can, and a field in the wrong place costs every session
a page, which this test sees.
"""
import os
import pathlib
import re
import subprocess
import time

import pytest

from conftest import telnetd_path, _need, status_kib
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


# The pages an idle session's own state takes in the relay: the first page
# of struct session (all of its scalars and the head of the queue to the
# client), the page where the client's variables start (its env), the
# engine's state, and the report table's answers.
STATE_PAGES = 4
PAGE_KIB = os.sysconf('SC_PAGESIZE') // 1024
SANITIZED = 'asan' in os.environ.get('TELNETD_BUILD', '')


def own_state_kib(pid):
    """Private_Dirty of what the relay mapped for its session: its
    anonymous mappings, not its heap, stack or the binary's own (the
    anonymous one right after the binary's file mappings is its bss)."""
    total, prev_file = 0, None
    with open('/proc/%d/smaps' % pid) as f:
        cur = None
        for line in f:
            fields = line.split()
            if not fields[0].endswith(':'):
                start, end = (int(x, 16) for x in fields[0].split('-'))
                name = fields[5] if len(fields) > 5 else ''
                bss = name == '' and prev_file == start
                cur = name == '' and not bss
                prev_file = end if name.startswith('/') else None
            elif fields[0] == 'Private_Dirty:' and cur:
                total += int(fields[1])
    return total


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
    # The kernel's high-water mark of the relay's resident memory, reset
    # to what it holds now (clear_refs 5): the burst's peak, whenever it
    # came.  Sampling missed it: the program's output is read straight
    # into the queue, which touches fewer pages at a time than when it
    # went through the read buffer too.
    with open('/proc/%d/clear_refs' % relay, 'w') as f:
        f.write('5')
    rss = status_kib(relay, 'VmRSS')

    # A burst both ways: 400 lines of 900 bytes in, as many echoed out,
    # sent 100 lines (90 KB) at a time, so that the relay's reads are
    # whole read buffers (IO_CHUNK) whatever the machine's pace: sent a
    # line at a time, a relay that keeps up reads each line alone and
    # touches a page of it (CI once saw the peak only 12 KiB up).
    line = b'x' * 900 + b'\r\n'
    for i in range(4):
        c.send_data(line * 100)
        c._pump(0)
    for _ in range(400):
        c.expect(b"x\\n'")
    peak = status_kib(relay, 'VmHWM')
    # The burst used the buffers (or this test could not tell) ...
    assert peak >= rss + 32, (rss, peak)
    # ... and a quiet session gives them back.
    after = settle(relay, base + 8)
    assert after <= base + 8, (base, peak, after)
    # and still works
    c.send_data(b'quit\r\n')
    c.expect(b"LINE:b'quit\\n'")
    c.close()


@pytest.mark.skipif(SANITIZED, reason='AddressSanitizer maps shadow memory '
                    'for every page the relay writes: the count is the '
                    'shipped build\'s')
def test_idle_session_state_pages(inetd_daemon):
    """A client that sends a user name, a variable and its window size,
    then nothing: the relay's state takes STATE_PAGES pages."""
    d = inetd_daemon(['-E', TPROG + ' lines'])
    c = TelnetClient(d.port, timeout=20)
    c.negotiate(user='alice', env=[('LANG', 'C.UTF-8')], naws=(80, 24))
    c.expect(b'READY')
    relay = relay_of(d)
    kib = own_state_kib(relay)
    deadline = time.monotonic() + 5.0
    while kib > STATE_PAGES * PAGE_KIB and time.monotonic() < deadline:
        time.sleep(0.05)        # the idle trim has not come yet
        kib = own_state_kib(relay)
    assert kib <= STATE_PAGES * PAGE_KIB, (kib, STATE_PAGES)
    c.send_data(b'quit\r\n')
    c.expect(b"LINE:b'quit\\n'")
    c.close()


# Every process of the static-pie daemon writes its relocated read-only
# data (GNU_RELRO: pointer tables, getopt's options, libc's locale tables)
# at start, so each page there is a dirty page in every monitor and relay.
# Pointer-free tables (names in arrays) keep it at five; a sixth showed as
# 4 KiB more per session in make bench's memory row.
RELRO_PAGES = 5


def test_relocated_data_pages():
    path = _need(telnetd_path())
    out = subprocess.run(['readelf', '-lW', path], capture_output=True,
                         text=True, check=True).stdout
    m = re.search(r'GNU_RELRO\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+'
                  r'\s+(0x[0-9a-f]+)', out)
    assert m, out
    start, size = int(m.group(1), 16), int(m.group(2), 16)
    page = os.sysconf('SC_PAGESIZE')
    pages = (start + size + page - 1) // page - start // page
    assert pages <= RELRO_PAGES, (pages, hex(start), hex(size))
