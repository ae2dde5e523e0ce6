"""test_daemon_relay.py - the data path: abort output and the urgent DM,
the client's Synch, commands mapped to the pty's characters, AYT, TIMING-
MARK, LOGOUT, end-of-line handling, BINARY byte-exactness, and the tail of
a program's output arriving whole before the close.
"""
import hashlib
import pathlib
import random
import socket
import time

from tnclient import (TelnetClient, IAC, DM, AO, AYT, IP, ABORT, SUSP, EC,
                      EL, xEOF, DO, WILL, TM, LOGOUT, BINARY, ECHO,
                      ExpectTimeout)

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
TPROG = str(PROGS / 'tprog.py')
LMPROG = str(PROGS / 'lmprog.py')


def session(d, *neg_args, **neg):
    c = TelnetClient(d.port, timeout=20)
    c.negotiate(*neg_args, **neg)
    return c


def test_program_flush_sends_urgent_dm(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' flush'])
    c = session(d)
    c.expect(b'READY')
    c.send_data(b'go\r\n')
    assert c.wait_urgent() == bytes([DM])
    # The DM is the urgent byte and comes right after an IAC in the stream.
    off = c.urgent[0][0]
    assert c.raw[off - 1] == IAC and c.raw[off] == DM
    c.expect(b'AFTER')
    c.send_data(b'\r\n')
    c.close()


def test_program_flush_race_keeps_later_output(inetd_daemon):
    """What the program writes right after its tcflush() reaches the client
    whole and after the urgent DM, round after round.  The pty may return
    it on the read just before the FLUSHWRITE status (the kernel's order),
    so the relay must neither drop it with the aborted output nor send it
    ahead of the DM (a client in a Synch discards data up to the DM)."""
    rounds = 150
    d = inetd_daemon(['-E', TPROG + ' flushrace %d' % rounds])
    c = session(d)
    c.expect(b'READY')
    prev = 0
    for i in range(rounds):
        c.send_data(b'go\r\n')
        c.expect(b'AFTER%d\r\n' % i)
        at = bytes(c.raw).index(b'AFTER%d\r\n' % i, prev)
        # This round's DM (IAC DM whole, DM the urgent byte) lies between
        # the previous round's AFTER and this one.
        dms = [o for o, _ in c.urgent if prev <= o < at]
        assert dms, 'round %d: no DM before AFTER (at %d; DMs at %s)' % (
            i, at, [o for o, _ in c.urgent[-3:]])
        assert all(c.raw[o - 1] == IAC and c.raw[o] == DM for o in dms)
        prev = at
    c.close()


def test_client_abort_output(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' lines'])
    c = session(d)
    c.expect(b'READY')
    c.send_cmd(AO)
    assert c.wait_urgent() == bytes([DM])
    # The session goes on.
    c.send_data(b'after\r\n')
    c.expect(b"LINE:b'after\\n'")
    c.close()


def test_client_synch_discards_data_to_the_mark(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' lines'])
    c = session(d)
    c.expect(b'READY')
    # One send: the urgent pointer arrives with the data it covers, as it
    # does when the server is behind (which is what a Synch is for).
    c.sock.setblocking(True)
    c.sock.send(b'discarded' + bytes([IAC, DM]), socket.MSG_OOB)
    c.sock.setblocking(False)
    time.sleep(0.2)
    c.send_data(b'kept\r\n')
    c.expect(b'LINE:')
    c.expect(b'\n')
    line = bytes(c.data).split(b'LINE:')[1]
    assert line.startswith(b"b'kept\\n'"), line
    c.close()


def test_commands_become_tty_characters(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' signals'])
    c = session(d)
    c.expect(b'READY')
    c.send_cmd(IP)
    c.expect(b'SIG:SIGINT')
    c.send_cmd(ABORT)
    c.expect(b'SIG:SIGQUIT')
    c.send_cmd(SUSP)
    c.expect(b'SIG:SIGTSTP')
    # EC and EL edit the line in the tty's canonical mode.
    c.send_data(b'abX')
    c.send_cmd(EC)
    c.send_data(b'c\r\n')
    c.expect(b"LINE:b'abc\\n'")
    c.send_data(b'junk')
    c.send_cmd(EL)
    c.send_data(b'ok\r\n')
    c.expect(b"LINE:b'ok\\n'")
    # EOF on an empty line ends the program's input.
    c.send_cmd(xEOF)
    c.read_until_close()
    c.close()


def test_ayt_answered_at_once(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' sleep'])
    c = session(d)
    c.expect(b'READY')
    c.send_cmd(AYT)
    c.expect(b'[Yes]')
    c.close()


def test_timing_mark_in_order(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' lines'])
    c = session(d)
    c.expect(b'READY')
    start = len(c.events)
    c.send_neg(DO, TM)
    c.wait_event(('WILL', TM), start=start)
    c.close()


def test_logout_closes(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' sleep'])
    c = session(d)
    c.expect(b'READY')
    c.send_neg(DO, LOGOUT)
    c.wait_event(('WILL', LOGOUT))
    c.read_until_close(timeout=10)
    c.close()


def ask_echo(c, on):
    """DO ECHO (on) or DONT ECHO, and the daemon's answer to it."""
    n = len(c.events)
    c.request_do(ECHO, on)
    c.wait_event(('WILL' if on else 'WONT', ECHO), start=n)


def test_echo_refused_then_agreed_echoes_again(inetd_daemon):
    """RFC 857: WILL ECHO means the server echoes.  A client that turns
    the server's echo off (DONT ECHO: the pty stops echoing) and on again
    (DO ECHO, as busybox telnet's line and character modes do) sees its
    typing echoed again."""
    d = inetd_daemon(['-E', LMPROG + ' lines'])   # the pty echoes
    c = session(d)
    c.expect(b'READY')
    c.send_data(b'one\r\n')
    c.expect(b"LINE:b'one\\n'")
    assert bytes(c.data).count(b'one') == 2    # echoed, then the line
    ask_echo(c, False)
    c.send_data(b'two\r\n')
    c.expect(b"LINE:b'two\\n'")
    assert bytes(c.data).count(b'two') == 1    # the client echoes
    ask_echo(c, True)
    c.send_data(b'three\r\n')
    c.expect(b"LINE:b'three\\n'")
    assert bytes(c.data).count(b'three') == 2, bytes(c.data)
    c.close()


def test_echo_agreed_again_leaves_a_password_prompt_alone(inetd_daemon):
    """The pty's echo turned off for a DONT ECHO, then on and off again by
    the program itself (stty echo, then a password prompt): a DO ECHO
    after that must not turn it on behind the prompt."""
    d = inetd_daemon(['-E', LMPROG + ' password'])
    c = session(d)
    c.expect(b'READY')
    ask_echo(c, False)
    c.send_data(b'one\r\n')
    c.expect(b'ECHOON')
    c.send_data(b'two\r\n')
    c.expect(b'PASSWORD:')
    ask_echo(c, True)
    c.send_data(b'hunter2\r\n')
    c.expect(b"SECRET:b'hunter2\\n'")
    assert bytes(c.data).count(b'hunter2') == 1, bytes(c.data)
    c.close()


def test_every_end_of_line_is_one(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' lines'])
    c = session(d)
    c.expect(b'READY')
    # CR LF, CR NUL, bare CR, bare LF.
    c.send_raw(b'a\r\nb\r\x00c\rd\nquit\r\n')
    c.read_until_close()
    got = [l for l in bytes(c.data).split(b'\r\n') if l.startswith(b'LINE:')]
    assert got == [b"LINE:b'a\\n'", b"LINE:b'b\\n'", b"LINE:b'c\\n'",
                   b"LINE:b'd\\n'", b"LINE:b'quit\\n'"]
    c.close()


def test_tail_arrives_whole(inetd_daemon):
    """4 MiB written just before exit, read by a slow client."""
    n = 4 * 1024 * 1024
    d = inetd_daemon(['-E', TPROG + ' tail %d' % n])
    c = TelnetClient(d.port, timeout=60)
    c.negotiate()
    time.sleep(1.0)               # the program exits while we do not read
    c.read_until_close(timeout=60)
    pat = b'0123456789abcdefghijklmnopqrstuv'
    assert len(c.data) == n
    assert bytes(c.data) == (pat * (n // len(pat) + 1))[:n]
    c.close()


def test_nvt_text_input_byte_exact(inetd_daemon):
    """NVT input (no BINARY), many times the queues' size, in short lines:
    each CR LF and CR NUL reaches the raw-mode program as one CR, a bare CR
    stays a CR, IAC IAC is one 255 (RFC 854), and nothing is lost or
    reordered while the pty is full and input waits in the queue (reads
    cut into more spans than one write takes, written from the read
    buffer or queued)."""
    rnd = random.Random(7)
    wire, want = bytearray(), bytearray()
    while len(want) < 512 * 1024:
        text = bytes(rnd.choice(b'abcdefgh \xff')
                     for _ in range(rnd.randrange(24)))
        wire += text.replace(b'\xff', b'\xff\xff')
        want += text
        eol = rnd.randrange(3)
        wire += (b'\r\n', b'\r\0', b'\rx')[eol]
        want += (b'\r', b'\r', b'\rx')[eol]
    n = len(want)
    d = inetd_daemon(['-E', TPROG + ' binary %d 1' % n])
    c = session(d)
    c.expect(b'READY\n')
    c.send_raw(bytes(wire))
    c.expect(b'%d %s\n' % (n, hashlib.sha256(want).hexdigest().encode()),
             timeout=60)
    c.close()


def test_binary_both_ways_byte_exact(inetd_daemon):
    n, seed = 1024 * 1024, 1234
    d = inetd_daemon(['-E', TPROG + ' binary %d %d' % (n, seed)])
    c = TelnetClient(d.port, timeout=60)
    answers = dict(__import__('tnclient').DEFAULT_ANSWERS)
    answers[BINARY] = True
    c.negotiate(answers)
    c.request_will(BINARY)
    c.request_do(BINARY)
    c.wait_for(lambda k: k.us.get(BINARY) and k.him.get(BINARY),
               what='BINARY both ways')
    c.expect(b'READY\n')
    data = random.Random(99).randbytes(n)
    c.send_data(data)
    c.expect(b'%d %s\n' % (n, hashlib.sha256(data).hexdigest().encode()),
             timeout=60)
    start = c.pos
    c.read_until_close(timeout=60)
    want = random.Random(seed).randbytes(n)
    got = bytes(c.data[start:])
    assert len(got) == n
    assert got == want
    c.close()
