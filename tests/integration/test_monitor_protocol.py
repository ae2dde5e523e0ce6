"""test_monitor_protocol.py - the monitor's side of the relay protocol,
against a relay taken over (gdb makes it send what it likes, as
test_confinement.py does).

Once the program runs, the monitor takes nothing from its relay but PS_LOG
lines of printable text (test_confinement.py has their limit): a line with
a control character, a second START, a REPORT, a type it does not know, a
message too short to hold a type, or one longer than any it takes is a
relay out of protocol (a descriptor attached too: test_relay_fds.py).  Each one ends that session the
same way, and says so: "relay broke the protocol", the relay SIGKILLed,
the client's connection closed; the other session goes on.  Nothing of
the message is logged.
"""
import re
import signal
import socket
import struct

import pytest

from test_confinement import (any_sessions, relay_syscalls,  # noqa: F401
                              _ps_log, session_procs, sock_fds)
from test_daemon_procs import utmp_file, wait_until  # noqa: F401

SYS_SENDTO = 44
MSG_DONTWAIT = 0x40
PS_START, PS_REPORT = 1, 4
BIG = 40000             # past the monitor's buffer (a START, IO_CHUNK)


def readable_region(pid, size):
    """The address of a mapping of pid readable for size bytes (its
    program's text will do: what it says does not matter)."""
    with open('/proc/%d/maps' % pid) as f:
        for line in f:
            m = re.match(r'([0-9a-f]+)-([0-9a-f]+) r', line)
            if m and int(m.group(2), 16) - int(m.group(1), 16) >= size:
                return int(m.group(1), 16)
    raise AssertionError('no readable mapping of %d bytes' % size)


MESSAGES = {
    'log line with a control character': _ps_log(b'MARK\x1b[2JLINE'),
    # A START (the fields do not matter: the program runs already).
    'second START': struct.pack('<I', PS_START) + b'MARK-START'.ljust(60,
                                                                    b'\0'),
    'REPORT after START': struct.pack('<I', PS_REPORT) + bytes(34) +
    b'{"MARK-REPORT":1}',
    'unknown type': struct.pack('<I', 99) + b'MARK-UNKNOWN',
    'shorter than a type': b'\x05\x00',
    'longer than any message': None,
    # SOCK_SEQPACKET: read as 0 bytes, as the end of the relay would be.
    'empty message': b'',
}


@pytest.mark.parametrize('what', sorted(MESSAGES))
def test_out_of_protocol_ends_session(any_sessions, what):  # noqa: F811
    s = any_sessions
    msg = MESSAGES[what]
    if msg is None:
        call = {'nr': SYS_SENDTO, 'args': [
            s.mon, readable_region(s.relay, BIG), BIG, MSG_DONTWAIT, 0, 0]}
        size = BIG
    elif msg == b'':
        call = {'nr': SYS_SENDTO, 'args': [s.mon, 0, 0, MSG_DONTWAIT, 0,
                                           0]}
        size = 0
    else:
        call = {'nr': SYS_SENDTO, 'args': [s.mon, 'mem', len(msg),
                                           MSG_DONTWAIT, 0, 0],
                'mem': msg.hex()}
        size = len(msg)
    # (gdb may see the relay die: the monitor's SIGKILL can come before
    # it has put the registers back.)
    died, results, out = relay_syscalls(s.relay, [call])
    assert died or results == [size], out
    ended_for_protocol(s, r'relay broke the protocol')


def ended_for_protocol(s, why):
    """Session a of any_sessions ended by its monitor for WHY: logged,
    the relay SIGKILLed, the client's connection closed, nothing of what
    it sent (MARK...) logged; session c goes on."""
    s.d.wait_stderr(why, timeout=10)
    s.d.wait_stderr(r'relay killed by signal %d' % signal.SIGKILL,
                    timeout=10)
    s.a.read_until_close(timeout=10)
    assert 'MARK' not in s.d.stderr_text()
    s.c.send_raw(bytes([255, 246]))
    s.c.expect(b'[Yes]')


def test_report_without_report_option_ends_session(listen_daemon):
    """Before START, a REPORT from the relay of a daemon not asked for
    reports (--report off: the relay never sends one) is out of protocol
    too: nothing of it is logged as the client's report."""
    d = listen_daemon(['--negotiation-timeout=60000', '-E', '/bin/cat'])
    cl = socket.create_connection(('127.0.0.1', d.port), timeout=10)
    try:
        # The client answers nothing: the relay waits for it, START not
        # sent.
        wait_until(lambda: session_procs(d, set())[0] is not None, 10,
                   'the relay')
        relay = session_procs(d, set())[0]
        wait_until(lambda: None not in sock_fds(relay), 10,
                   'the relay\'s sockets')
        mon = sock_fds(relay)[1]
        msg = MESSAGES['REPORT after START']
        relay_syscalls(relay, [{'nr': SYS_SENDTO, 'args': [
            mon, 'mem', len(msg), MSG_DONTWAIT, 0, 0], 'mem': msg.hex()}])
        d.wait_stderr(r'relay broke the protocol', timeout=10)
        d.wait_stderr(r'relay killed by signal %d' % signal.SIGKILL,
                      timeout=10)
        assert 'MARK' not in d.stderr_text()
        assert 'client report' not in d.stderr_text()
    finally:
        cl.close()
