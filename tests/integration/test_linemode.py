"""test_linemode.py - RFC 1184 LINEMODE and kludge linemode over the real
daemon: the MODE, ECHO, SLC and LFLOW messages that must follow the
program's termios, byte for byte, and the input path while the pty is in
EXTPROC (end of line, signals, EOF).
"""
import hashlib
import pathlib
import re
import time

import pytest

from tnclient import (TelnetClient, DEFAULT_ANSWERS, IAC, IP, xEOF, WILL,
                      WONT, DO, DONT, ECHO, SGA, TM, LINEMODE, LFLOW, STATUS,
                      event_str)
from test_daemon_memory import relay_of

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
LMPROG = str(PROGS / 'lmprog.py')
TPROG = str(PROGS / 'tprog.py')

MODE, FORWARDMASK, SLC = 1, 2, 3
EDIT, TRAPSIG, ACK = 0x01, 0x02, 0x04
SLC_VALUE, SLC_DEFAULT, SLC_NOSUPPORT = 2, 3, 0
SLC_ACK, FLUSHIN, FLUSHOUT = 0x80, 0x40, 0x20
SLC_IP, SLC_EC, SLC_EL = 3, 10, 11
LFLOW_OFF, LFLOW_ON, LFLOW_ANY, LFLOW_XON = 0, 1, 2, 3


def lm_client(port, slc=None, **neg):
    """A client that offers LINEMODE (like BSD telnet) and sends an SLC
    table right after."""
    c = TelnetClient(port, timeout=15)
    ans = dict(DEFAULT_ANSWERS)
    ans[('DO', LINEMODE)] = True
    c.negotiate(ans, **neg)
    c.request_will(LINEMODE)
    if slc is not None:
        c.send_sb(LINEMODE, bytes([SLC]) + slc)
    return c


def after(c, start, kinds=('WILL', 'WONT', 'DO', 'DONT', 'SB')):
    """The negotiation events from index start on, for exact checks."""
    return [e for e in c.events[start:] if e[0] in kinds]


def test_mode_follows_icanon_both_ways(inetd_daemon):
    d = inetd_daemon(['-E', LMPROG + ' switch'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    ev = after(c, 0)
    # Canonical with echo: the client edits and echoes (WONT ECHO before
    # the MODE), then LFLOW's restart mode, which BSD sends first too.
    i = ev.index(('SB', LINEMODE, bytes([MODE, EDIT | TRAPSIG])))
    assert ev[i - 1] == ('WONT', ECHO), [event_str(e) for e in ev]
    assert ('SB', LFLOW, bytes([LFLOW_XON])) in ev
    # The line goes out whole; the server does not echo it; the program
    # gets "\n" (ICRNL done by the relay, the pty is in EXTPROC).
    n = len(c.events)
    c.send_data(b'go\r\n')
    c.expect(b'NOCANON')
    c.settle(0.2)
    # vi-like: character at a time, the server echoes (MODE, then WILL).
    assert after(c, n) == [('SB', LINEMODE, bytes([MODE, TRAPSIG])),
                           ('WILL', ECHO)]
    assert b'go' not in bytes(c.data)
    n = len(c.events)
    c.send_data(b'x')
    c.expect(b"KEY:b'x'")
    c.expect(b'CANON')
    c.settle(0.2)
    # And back again: WONT ECHO, then the MODE.
    assert after(c, n) == [('WONT', ECHO),
                           ('SB', LINEMODE, bytes([MODE, EDIT | TRAPSIG]))]
    c.send_data(b'hello\r\n')
    c.expect(b"LINE:b'hello\\n'")
    # IAC EOF on an empty line: the program reads end of file.
    c.send_cmd(xEOF)
    c.expect(b'EOF')
    c.read_until_close()
    c.close()


@pytest.mark.parametrize('eol', [b'\r\n', b'\r\0'])
def test_input_typed_before_the_start_keeps_its_line_ends(inetd_daemon, eol):
    """A client that offers LINEMODE and types at once, before the
    negotiation is done: its input waits for the program in the relay's
    queue, taken as the line discipline takes it without EXTPROC (a CR,
    for ICRNL to make a newline).  EXTPROC comes on before it is written,
    and EXTPROC queues input raw: the program must still read a line
    ending in "\n" (RFC 1123 3.3.1), not "early\r" run into the next."""
    d = inetd_daemon(['-E', LMPROG + ' lines'])
    c = TelnetClient(d.port, timeout=15)
    c.send_raw(bytes([IAC, WILL, LINEMODE]) + b'early' + eol)
    ans = dict(DEFAULT_ANSWERS)
    ans[('DO', LINEMODE)] = True
    c.negotiate(ans)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_data(b'late\r\n')
    got = c.expect(b"LINE:b'late\\n'")
    assert b"LINE:b'early\\n'" in got, got
    c.close()


def test_eof_right_after_a_command(inetd_daemon):
    """A shell reads the command line in character mode (the relay writes
    the client's CR as it is, the line discipline's ICRNL makes it a
    newline); the command then reads lines, and an EOF typed at once is
    an end of file for it: it comes at a line's start."""
    d = inetd_daemon(['-E', LMPROG + ' shell'])
    c = lm_client(d.port)
    c.expect(b'NOCANON')
    c.settle(0.2)
    c.send_data(b'cat\r\n')
    c.expect(b"CMD:b'cat\\n'")
    c.expect(b'CANON')
    c.settle(0.2)
    c.send_cmd(xEOF)
    c.expect(b'EOF')
    c.read_until_close()
    c.close()


@pytest.mark.parametrize('eof', [b'\x04', bytes([IAC, xEOF])])
def test_eof_after_a_key_read_in_character_mode(inetd_daemon, eof):
    """A key read in character mode ("press any key", a y/n), then lines:
    an EOF typed first is an end of file, as ICANON's line starts when
    the mode comes on.  The relay took the key (the last byte it queued)
    for the start of a partial line, wrote nothing for the EOF, and the
    program waited on."""
    d = inetd_daemon(['-E', LMPROG + ' keyeof'])
    c = lm_client(d.port)
    c.expect(b'NOCANON')
    c.settle(0.2)
    c.send_data(b'y')
    c.expect(b'CANON\r')
    c.settle(0.3)
    c.send_raw(eof) if eof[0] == IAC else c.send_data(eof)
    c.expect(re.compile(rb'(EOF|DATA:.*)\r'), timeout=5)
    assert c.match.group(1) == b'EOF'
    c.read_until_close()
    c.close()


def test_eof_typed_ahead_does_not_reach_a_line_editor_as_ctrl_d(
        inetd_daemon):
    """^D typed while a command runs (ICANON, not reading), and the shell's
    line editor reads next, in character mode: on a plain pty the line
    discipline keeps the ^D as its end-of-file mark, which a reader of
    keys gets as a NUL.  So here: the VEOF goes in with EXTPROC off
    (ttymode.c's tty_eof_window_begin).  In EXTPROC it stayed the byte ^D,
    and bash's readline logs out at ^D on an empty line (seen with bash
    --norc -i, "sleep 1", then ^D)."""
    d = inetd_daemon(['-E', LMPROG + ' lateraw'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_cmd(xEOF)
    c.expect(re.compile(rb'RAW:(.*)\r'), timeout=5)
    assert c.match.group(1) == b"b'\\x00'", c.match.group(1)
    c.read_until_close()
    c.close()


def test_two_eofs_typed_ahead_reach_a_line_editor_as_nuls(inetd_daemon):
    """A line and two ^D typed while a command runs, and the shell's line
    editor reads next, in character mode: a plain pty keeps both EOFs as
    its end-of-file marks, which a reader of keys gets as NULs:
    'line\\n\\0\\0'.  The second waits behind the first (held), and the
    program reads keys by the time it is due."""
    d = inetd_daemon(['-E', LMPROG + ' lateraw'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_raw(b'line\r\n' + bytes([IAC, xEOF, IAC, xEOF]))
    c.expect(re.compile(rb'RAW:(.*)\r'), timeout=5)
    assert c.match.group(1) == b"b'line\\n\\x00\\x00'", c.match.group(1)
    c.read_until_close()
    c.close()


def cpu_ticks(pid):
    """User and system time of pid, in clock ticks."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_eof_leaves_the_modes_and_the_relay_idle(inetd_daemon):
    """An EOF in EXTPROC is a VEOF alone in the line discipline's queue
    (pty_input.c): the pty's modes stay the program's (EXTPROC and the
    echo as they were; an EOF used to turn both off for a moment), and
    the idle relay does not spin once the program has read it."""
    d = inetd_daemon(['-E', LMPROG + ' eof'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_data(b'line\r\n')
    c.expect(b'LINE')
    c.send_cmd(xEOF)
    c.expect(b'EOF')
    relay = relay_of(d)
    before = cpu_ticks(relay)
    c.expect(b'EXTPROC=1 ECHO=1')
    time.sleep(1.0)
    # An idle relay takes no CPU at all; one that spins, all it gets.
    assert cpu_ticks(relay) - before < 10
    c.send_data(b'bye\r\n')
    c.read_until_close()
    c.close()


def test_eof_inside_a_read(inetd_daemon):
    """EOF characters in the middle of one read from the client, in
    EXTPROC: one that ends a partial line makes it a read(2) of its own,
    one at a line's start is an end of file (a read of 0), and what
    follows each waits for the next read, in order."""
    d = inetd_daemon(['-E', LMPROG + ' reads'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    n = len(c.events)
    c.send_data(b'ab\x04cd\r\n\x04quit\r\n')
    c.expect(b"quit")
    text = bytes(c.data)
    reads = re.findall(rb"READ:(b'[^']*')", text)
    assert reads == [b"b'ab'", b"b'cd\\n'", b"b''", b"b'quit\\n'"], text
    # No terminal mode changes for an EOF: the client is told nothing.
    c.settle(0.3)
    assert after(c, n) == [], [event_str(e) for e in after(c, n)]
    c.read_until_close()
    c.close()


def test_second_eof_for_a_program_that_reads_in_silence(inetd_daemon):
    """Two EOFs behind a line, for a program busy when they come that then
    reads the line and both ends of file without writing a byte.  The
    second EOF waits (held_eof) until the first is done; the first was
    done in a write step after a DL_LDISC look, and nothing woke the loop
    again: the client was not read (held input), no deadline was due, no
    output came - the session hung, IP included."""
    d = inetd_daemon(['-E', LMPROG + ' eofs'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_data(b'line\r\n\x04\x04')
    c.expect(b"GOT:[b'line\\n', b'', b'']", timeout=5)
    c.read_until_close()
    c.close()


def expect_line(c, word, timeout=6):
    """What came up to the program's line that starts with word, and
    that line."""
    got = c.expect(word, timeout=timeout)
    return got + c.expect(b'\n')


def test_line_written_as_extproc_comes_on(inetd_daemon):
    """A program back to reading lines without a word: the relay writes
    the client's CR for ICRNL, then its termios look turns EXTPROC on.
    The line discipline may not have taken the CR yet (the pty's flip
    buffer is worked on later); the program must still read a line."""
    d = inetd_daemon(['-E', LMPROG + ' quietcanon'])
    c = lm_client(d.port)
    c.expect(b'NOCANON')
    c.settle(1.3)
    c.send_data(b'abc\r\n')
    got = expect_line(c, b'LINE:')
    assert b"LINE:b'abc\\n'" in got, got
    c.close()


def test_input_behind_an_eof_mapped_once(inetd_daemon):
    """Input typed behind an EOF is taken as EXTPROC input (its CR made
    a newline by ICRNL) while the VEOF's window has EXTPROC off; when
    EXTPROC comes back it must not be mapped a second time: under INLCR
    and ICRNL that turns the newline back into a CR, and the program
    never gets its line."""
    d = inetd_daemon(['-E', LMPROG + ' swapeol'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_data(b'\x04after\r\n')
    got = expect_line(c, b'READS:')
    assert b"READS:[b'', b'after\\n']" in got, got
    c.read_until_close()
    c.close()


@pytest.mark.parametrize('lines', [10, 60])
def test_program_flush_drops_a_pending_eof(inetd_daemon, lines):
    """The program's tcflush(TCIFLUSH) (FLUSHREAD) drops the relay's input
    queue, and with it an EOF waiting in it: its place (eof_at) pointed
    past the emptied queue, and the relay wrote that many stale bytes
    from the queue's start (the paste's beginning, read again) and then
    the EOF, where a terminal drops the EOF with the rest."""
    d = inetd_daemon(['-E', LMPROG + ' tflush'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_data(paste_lines(lines) + b'\x04')
    c.expect(b'FLUSHED', timeout=5)
    c.settle(1.0)
    c.send_data(b'after\r\n')
    c.expect(re.compile(rb'READS:(.*)\r'), timeout=5)
    assert c.match.group(1) == b"[b'after\\n']", c.match.group(1)[-300:]
    c.read_until_close()
    c.close()


def paste_lines(n):
    return b''.join(b'%05d %s\r\n' % (i, b'pasted text ' * 6)
                    for i in range(n))


@pytest.mark.parametrize('pause_ms,end', [(0, b'quit\r\n'),
                                          (2, b'quit\r\n'),
                                          (2, b'\x04')])
def test_paste_before_the_program_reads(inetd_daemon, pause_ms, end):
    """A paste of 28 KiB in a line mode that lands before the program
    reads: Linux's line discipline, in EXTPROC, dropped all but its first
    4 KiB (ldisc_room.c says why).  Every line arrives, in order, for a
    program that then reads at once and for one that reads slowly."""
    d = inetd_daemon(['-E', LMPROG + ' paste %d' % pause_ms])
    c = lm_client(d.port)
    c.expect(b'READY')
    paste = paste_lines(360)
    c.send_data(paste + end)
    want = hashlib.sha1(paste.replace(b'\r\n', b'\n')).hexdigest()
    c.expect(re.compile(rb'GOT:(\d+) ([0-9a-f]+)\r'))
    assert (int(c.match.group(1)), c.match.group(2).decode()) == (360, want)
    c.read_until_close()
    c.close()


def test_interrupt_drops_the_rest_of_a_paste(inetd_daemon):
    """IP while a paste waits for a program that does not read it (sent
    with a Synch, as a LINEMODE client sends it: our SLC table sets
    FLUSHIN for IP, RFC 1184 5.8): the program gets SIGINT and none of
    it.  What the line discipline held (2000 bytes at most, ldisc_room.c)
    and the rest, waiting in the relay, are both dropped, as the line
    discipline drops its queue at ^C (TIOCSIG does not), so that none of
    it reaches the shell next.  Input after the IP goes through."""
    d = inetd_daemon(['-E', LMPROG + ' sigpaste'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.send_data(paste_lines(150))      # about 12 KiB: one read
    c.expect(b'PENDING')               # the relay has read it
    c.send_synch(bytes([IAC, IP]))
    c.expect(b'INT')
    c.expect(re.compile(rb'GOT:(\d+)\r'))
    assert int(c.match.group(1)) == 0, c.match.group(0)
    c.send_data(b'after\r\n')
    c.expect(b"LINE:b'after\\n'")
    c.read_until_close()
    c.close()


def test_interrupt_behind_a_held_paste(inetd_daemon):
    """IP after a paste into a busy program (one that reads nothing for
    now): the relay holds back what the line discipline must not take
    yet (ldisc_room.c), but it still reads the client, so the IP acts at
    once.  It used to wait behind the held paste until the program read,
    here 20 s."""
    d = inetd_daemon(['-E', LMPROG + ' busy'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_data(paste_lines(60))        # about 5 KiB: more than it takes
    c.settle(0.3)
    c.send_cmd(IP)
    c.expect(b'INT', timeout=3)
    c.read_until_close()
    c.close()


def test_mode_ack_is_not_answered(inetd_daemon):
    d = inetd_daemon(['-E', LMPROG + ' lines'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    n = len(c.events)
    c.send_sb(LINEMODE, bytes([MODE, EDIT | TRAPSIG | ACK]))
    # A MODE without ACK that differs: the server answers its own mode.
    c.send_sb(LINEMODE, bytes([MODE, 0]))
    c.wait_event(('SB', LINEMODE, bytes([MODE, EDIT | TRAPSIG])), start=n)
    c.settle(0.2)
    assert after(c, n) == [('SB', LINEMODE, bytes([MODE, EDIT | TRAPSIG]))]
    c.send_data(b'quit\r\n')
    c.expect(b"LINE:b'quit\\n'")
    c.close()


def test_forwardmask_from_the_client_is_not_answered(inetd_daemon):
    """RFC 1184 2.3 and 5.7: only the DO LINEMODE side (the server) may
    send DO/DONT FORWARDMASK, and WILL/WONT FORWARDMASK only the WILL
    LINEMODE side (the client): a client's DO FORWARDMASK gets no
    FORWARDMASK back, and the session goes on."""
    d = inetd_daemon(['-E', LMPROG + ' lines'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    n = len(c.events)
    c.send_sb(LINEMODE, bytes([DO, FORWARDMASK, 0x80]))
    c.send_sb(LINEMODE, bytes([DONT, FORWARDMASK]))
    c.send_data(b'quit\r\n')
    c.expect(b"LINE:b'quit\\n'")
    c.settle(0.2)
    assert after(c, n) == [], [event_str(e) for e in after(c, n)]
    c.close()


def test_slc_table_answered(inetd_daemon):
    """RFC 1184 5.9: a matching triplet is ignored, a new VALUE is
    acknowledged (and written to the termios), DEFAULT gets our value."""
    table = bytes([SLC_IP, SLC_VALUE | FLUSHIN | FLUSHOUT, 3,     # same
                   SLC_EC, SLC_VALUE, 0x08,                       # ^H
                   SLC_EL, SLC_DEFAULT, 0])                       # ours
    d = inetd_daemon(['-E', LMPROG + ' lines'])
    c = lm_client(d.port, slc=table)
    c.expect(b'READY')
    c.settle(0.2)
    slc = [e for e in c.sbs(LINEMODE) if e[2][:1] == bytes([SLC])]
    assert slc == [('SB', LINEMODE, bytes([
        SLC, SLC_EC, SLC_VALUE | SLC_ACK, 0x08,
        SLC_EL, SLC_VALUE, 0x15]))], slc
    # "0 VALUE 0": the whole current table.
    n = len(c.events)
    c.send_sb(LINEMODE, bytes([SLC, 0, SLC_VALUE, 0]))
    c.wait_event(lambda e: e[0] == 'SB' and e[1] == LINEMODE, start=n)
    full = after(c, n)[0][2]
    assert full[0] == SLC and (len(full) - 1) % 3 == 0
    trip = {full[k]: (full[k + 1], full[k + 2])
            for k in range(1, len(full), 3)}
    assert trip[SLC_EC] == (SLC_VALUE, 0x08)
    assert trip[SLC_IP] == (SLC_VALUE | FLUSHIN | FLUSHOUT, 3)
    assert trip[1] == (SLC_DEFAULT, 0)          # SYNCH: the client's
    c.send_data(b'quit\r\n')
    c.expect(b"LINE:b'quit\\n'")
    c.close()


def test_slc_long_answer_split(inetd_daemon):
    """A client that offers 59 functions the server does not know and asks
    for the whole default table ("0 DEFAULT 0") in one SLC subnegotiation
    (60 triplets, the most one may carry) gets every answer: 59 NOSUPPORT
    and the 30 functions, 89 triplets, sent as two subnegotiations (60,
    then 29), since one of 89 would be dropped by a peer that keeps 60."""
    unknown = b''.join(bytes([f, SLC_VALUE, 0x41]) for f in range(31, 90))
    d = inetd_daemon(['-E', LMPROG + ' lines'])
    c = lm_client(d.port, slc=unknown + bytes([0, SLC_DEFAULT, 0]))
    c.expect(b'READY')
    c.settle(0.3)
    slc = [e[2] for e in c.sbs(LINEMODE) if e[2][:1] == bytes([SLC])]
    assert [(len(b) - 1) // 3 for b in slc] == [60, 29], slc
    trip = [b[k:k + 3] for b in slc for k in range(1, len(b), 3)]
    funcs = sorted(t[0] for t in trip)
    assert funcs == list(range(1, 90)), funcs
    assert all(t[1] == SLC_NOSUPPORT for t in trip if t[0] > 30), trip
    c.send_data(b'quit\r\n')
    c.expect(b"LINE:b'quit\\n'")
    c.close()


def test_program_changes_a_character(inetd_daemon):
    """stty erase ^H in the program: the client is told SLC EC VALUE ^H."""
    d = inetd_daemon(['-E', LMPROG + ' cc'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    n = len(c.events)
    c.send_data(b'go\r\n')
    c.expect(b'ERASE')
    c.wait_event(lambda e: e[0] == 'SB' and e[1] == LINEMODE and
                 e[2][:1] == bytes([SLC]), start=n)
    c.settle(0.2)
    assert after(c, n) == [('SB', LINEMODE,
                            bytes([SLC, SLC_EC, SLC_VALUE, 0x08]))]
    c.send_data(b'x\r\n')
    c.read_until_close()
    c.close()


def test_ip_in_edit_mode_signals(inetd_daemon):
    """With EXTPROC the line discipline raises no signal: IAC IP becomes
    TIOCSIG (allowed by the relay's seccomp filter)."""
    d = inetd_daemon(['-E', TPROG + ' signals'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.wait_event(('SB', LINEMODE, bytes([MODE, EDIT | TRAPSIG])))
    c.send_cmd(IP)
    c.expect(b'SIG:SIGINT')
    # The ^C character typed as data (a client that does not trap it).
    c.send_data(b'\x1c')
    c.expect(b'SIG:SIGQUIT')
    c.send_data(b'ok\r\n')
    c.expect(b"LINE:b'ok\\n'")
    c.close()


def test_flow_control_messages(inetd_daemon):
    """LFLOW follows -ixon/ixon (packet mode) and ixany/-ixany (termios
    check): byte-exact ON, OFF, RESTART-ANY, RESTART-XON."""
    d = inetd_daemon(['-E', LMPROG + ' flow'])
    c = TelnetClient(d.port, timeout=15)
    c.negotiate()
    c.expect(b'READY')
    c.wait_event(('SB', LFLOW, bytes([LFLOW_XON])))
    for word, cmd in ((b'NOIXON', LFLOW_OFF), (b'IXON', LFLOW_ON),
                      (b'IXANY', LFLOW_ANY), (b'NOIXANY', LFLOW_XON)):
        n = len(c.events)
        c.send_data(b'next\r\n')
        c.expect(word + b'\r\n')
        c.wait_event(lambda e: e[0] == 'SB' and e[1] == LFLOW, start=n)
        c.settle(0.2)
        assert after(c, n) == [('SB', LFLOW, bytes([cmd]))], word
    c.send_data(b'end\r\n')
    c.read_until_close()
    c.close()


def kludge_client(port):
    """Refuses LINEMODE, answers DO TIMING-MARK with WILL (tnclient's
    default), agrees to SGA and ECHO."""
    c = TelnetClient(port, timeout=15)
    c.negotiate()
    return c


def test_kludge_linemode(inetd_daemon):
    d = inetd_daemon(['-l', '-E', LMPROG + ' switch'])
    c = kludge_client(d.port)
    c.expect(b'READY')
    c.settle(0.3)
    ev = after(c, 0)
    assert ('DO', LINEMODE) in ev
    i = ev.index(('DO', TM))
    # Line at a time: SGA off (the client edits), echo off (it echoes).
    verbs = [e for e in ev[i + 1:] if e[0] in ('WILL', 'WONT')]
    assert verbs == [('WONT', SGA), ('WONT', ECHO)], \
        [event_str(e) for e in ev]
    n = len(c.events)
    c.send_data(b'go\r\n')
    c.expect(b'NOCANON')
    c.settle(0.2)
    assert after(c, n) == [('WILL', SGA), ('WILL', ECHO)]
    assert b'go' not in bytes(c.data)
    n = len(c.events)
    c.send_data(b'k')
    c.expect(b'CANON\r\n')
    c.settle(0.2)
    assert after(c, n) == [('WONT', SGA), ('WONT', ECHO)]
    c.send_data(b'line\r\n')
    c.expect(b"LINE:b'line\\n'")
    c.close()


def test_nokludge_stays_in_character_mode(inetd_daemon):
    d = inetd_daemon(['-l', 'nokludge', '-E', LMPROG + ' lines'])
    c = kludge_client(d.port)
    c.expect(b'READY')
    c.settle(0.3)
    ev = after(c, 0)
    assert ('DO', LINEMODE) in ev
    assert ('DO', TM) not in ev and ('WONT', SGA) not in ev
    assert c.him.get(ECHO) and c.him.get(SGA)
    c.send_data(b'abc\r\n')
    c.expect(b"LINE:b'abc\\n'")
    c.close()


def test_no_linemode_request_without_l(inetd_daemon):
    d = inetd_daemon(['-E', LMPROG + ' lines'])
    c = kludge_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    ev = after(c, 0)
    assert ('DO', LINEMODE) not in ev and ('DO', TM) not in ev
    c.close()


def test_status_is_lists_real_states(inetd_daemon):
    d = inetd_daemon(['-E', LMPROG + ' lines'])
    c = TelnetClient(d.port, timeout=15)
    c.negotiate()
    c.expect(b'READY')
    c.settle(0.2)
    n = len(c.events)
    c.send_sb(STATUS, bytes([1]))
    c.wait_event(lambda e: e[0] == 'SB' and e[1] == STATUS, start=n)
    got = after(c, n)[0][2]
    # IS, then WILL for our side, DO for the client's, by option number:
    # ECHO, SGA, STATUS; TTYPE, NAWS, TSPEED, LFLOW, NEW-ENVIRON.
    assert got == bytes([0, WILL, 1, WILL, 3, WILL, 5, DO, 24, DO, 31,
                         DO, 32, DO, 33, DO, 39]), got
    c.close()


def test_eof_typed_ahead_then_raw_with_vmin(inetd_daemon):
    """^D typed ahead while a command runs, then the program reads keys
    with VMIN 2 (-icanon): on a plain pty it gets the EOF mark as a NUL
    and the keys typed after it (b'\\x00ab').  The VEOF's window must not
    hold the keys behind a mark that poll never reports (VMIN)."""
    d = inetd_daemon(['-E', LMPROG + ' vmin'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_cmd(xEOF)
    c.expect(b'NOCANON')
    c.settle(0.2)
    c.send_data(b'ab')
    c.expect(re.compile(rb'RAW:(.*)\r'), timeout=5)
    assert c.match.group(1) == b"b'\\x00ab'", c.match.group(1)
    c.read_until_close()
    c.close()


def test_eof_typed_ahead_behind_a_line_reaches_the_editor_as_nul(
        inetd_daemon):
    """"ls" CR and ^D typed while a command runs; the shell's line editor
    (character mode) reads "ls\\n", runs it (ICANON back, no read), then
    reads keys again: a plain pty gives it the EOF mark as a NUL, never
    the byte ^D (readline would log out)."""
    d = inetd_daemon(['-E', LMPROG + ' editor'])
    c = lm_client(d.port)
    c.expect(b'READY')
    c.settle(0.2)
    c.send_data(b'ls\r\n')
    c.send_cmd(xEOF)
    c.expect(b'NOCANON2', timeout=5)
    c.expect(re.compile(rb'RAW:(.*)\r'), timeout=5)
    assert c.match.group(1) == b"b'\\x00'", c.match.group(1)
    c.read_until_close()
    c.close()
