"""tnclient.py - a byte-level TELNET client for the integration tests.

Raw sockets, no telnetlib: every byte received is kept (``raw``) and parsed
into an ordered list of events, so tests can assert exact bytes and the order
of replies relative to data.  Negotiation answers follow a policy dict and
can be switched off entirely (a "raw" client that never answers).

Events (``client.events``, in arrival order)::

    ('data', b'...')            data bytes (IAC IAC undoubled, CR NUL kept)
    ('WILL', opt) ('WONT', opt) ('DO', opt) ('DONT', opt)
    ('SB', opt, b'payload')     bytes between IAC SB opt and IAC SE, undoubled
    ('cmd', code)               IAC NOP/DM/IP/AO/AYT/GA/EOR/...
    ('urgent', b'\\xf2')        a byte read with MSG_OOB (also fed to the parser
                                at its place in the stream, so IAC DM stays whole)
    ('eof',)                    the server closed the connection

Typical use::

    c = TelnetClient(port)                    # connect to 127.0.0.1
    c.negotiate(DEFAULT_ANSWERS, term='xterm', naws=(100, 40))
    c.expect(b'$ ')                           # decoded data, with timeout
    c.send_data(b'echo hi\\r\\n')
    c.expect(b'hi')
    out = c.read_until_close()
"""

import fcntl
import os
import re
import select
import socket
import struct
import time

# Commands (RFC 854 and friends).
IAC, DONT, DO, WONT, WILL, SB = 255, 254, 253, 252, 251, 250
GA, EL, EC, AYT, AO, IP, BRK, DM, NOP, SE = (249, 248, 247, 246, 245, 244,
                                             243, 242, 241, 240)
EOR, ABORT, SUSP, xEOF = 239, 238, 237, 236

# Options.
BINARY, ECHO, SGA, STATUS, TM, LOGOUT = 0, 1, 3, 5, 6, 18
TTYPE, EOR_OPT, NAWS, TSPEED, LFLOW, LINEMODE = 24, 25, 31, 32, 33, 34
XDISPLOC, OLD_ENVIRON, AUTHENTICATION, ENCRYPT, NEW_ENVIRON = 35, 36, 37, 38, 39
CHARSET, COMPORT, STARTTLS, EXOPL = 42, 44, 46, 255

# Subnegotiation qualifiers and ENVIRON element types.
IS, SEND, INFO = 0, 1, 2
VAR, VALUE, ESC, USERVAR = 0, 1, 2, 3

SIOCATMARK = 0x8905  # <linux/sockios.h>

CMD_NAMES = {IAC: 'IAC', DONT: 'DONT', DO: 'DO', WONT: 'WONT', WILL: 'WILL',
             SB: 'SB', GA: 'GA', EL: 'EL', EC: 'EC', AYT: 'AYT', AO: 'AO',
             IP: 'IP', BRK: 'BRK', DM: 'DM', NOP: 'NOP', SE: 'SE', EOR: 'EOR',
             ABORT: 'ABORT', SUSP: 'SUSP', xEOF: 'EOF'}
OPT_NAMES = {BINARY: 'BINARY', ECHO: 'ECHO', SGA: 'SGA', STATUS: 'STATUS',
             TM: 'TM', LOGOUT: 'LOGOUT', TTYPE: 'TTYPE', EOR_OPT: 'EOR',
             NAWS: 'NAWS', TSPEED: 'TSPEED', LFLOW: 'LFLOW',
             LINEMODE: 'LINEMODE', XDISPLOC: 'XDISPLOC',
             OLD_ENVIRON: 'OLD-ENVIRON', AUTHENTICATION: 'AUTHENTICATION',
             ENCRYPT: 'ENCRYPT', NEW_ENVIRON: 'NEW-ENVIRON',
             CHARSET: 'CHARSET', COMPORT: 'COM-PORT', STARTTLS: 'STARTTLS'}
_VERBS = {WILL: 'WILL', WONT: 'WONT', DO: 'DO', DONT: 'DONT'}
_VERB_CODES = {v: k for k, v in _VERBS.items()}

# What a typical modern client (BSD/inetutils telnet) agrees to: it offers
# TTYPE, NAWS, TSPEED, NEW-ENVIRON and LFLOW (XDISPLOC too once negotiate()
# is given a display), and lets the server echo and suppress go-ahead.
# Keys are an option (both directions) or a (received verb, option) pair,
# which wins.
DEFAULT_ANSWERS = {
    ('DO', TTYPE): True, ('DO', NAWS): True, ('DO', TSPEED): True,
    ('DO', NEW_ENVIRON): True, ('DO', LFLOW): True,
    ('WILL', ECHO): True, ('WILL', SGA): True, ('WILL', STATUS): True,
    ('DO', SGA): True,
}

# Names that RFC 1572 lists as well-known VARs; others go as USERVAR.
WELL_KNOWN_VARS = {'USER', 'JOB', 'ACCT', 'PRINTER', 'SYSTEMTYPE', 'DISPLAY'}


class ExpectTimeout(AssertionError):
    """expect()/wait_for() gave up; the message shows what did arrive."""


def _b(s):
    if isinstance(s, str):
        return s.encode('latin-1')
    return bytes(s)


def opt_name(opt):
    return OPT_NAMES.get(opt, 'OPT-%d' % opt)


def event_str(ev):
    """A compact readable form of one event, for assertion messages."""
    kind = ev[0]
    if kind in _VERB_CODES:
        return '%s %s' % (kind, opt_name(ev[1]))
    if kind == 'SB':
        return 'SB %s %r' % (opt_name(ev[1]), ev[2])
    if kind == 'cmd':
        return CMD_NAMES.get(ev[1], 'CMD-%d' % ev[1])
    if kind == 'data':
        return 'data %r' % (ev[1][:60] + (b'...' if len(ev[1]) > 60 else b''))
    return ' '.join(str(x) for x in ev)


def iac_escape(data):
    return _b(data).replace(b'\xff', b'\xff\xff')


def env_escape(s):
    """Escape VAR/VALUE/ESC/USERVAR bytes with ESC (RFC 1572 section 2)."""
    out = bytearray()
    for ch in _b(s):
        if ch in (VAR, VALUE, ESC, USERVAR):
            out.append(ESC)
        out.append(ch)
    return bytes(out)


def env_payload(cmd, variables):
    """Payload of an ENVIRON subnegotiation (after the option byte).

    variables: (type, name, value) with type VAR or USERVAR and value None
    for "no VALUE"; or (name, value) with the type chosen like BSD telnet
    (well-known names as VAR, others USERVAR).  IAC is not doubled here
    (send_sb does it).
    """
    out = bytearray([cmd])
    for v in variables:
        if len(v) == 2:
            name, value = v
            t = VAR if str(name) in WELL_KNOWN_VARS else USERVAR
        else:
            t, name, value = v
        out.append(t)
        out += env_escape(name)
        if value is not None:
            out.append(VALUE)
            out += env_escape(value)
    return bytes(out)


def parse_env(payload):
    """Decode an ENVIRON payload (after the cmd byte) into (type, name,
    value-or-None) tuples.  Used for SEND lists."""
    items, cur, field, i = [], None, None, 0
    while i < len(payload):
        ch = payload[i]
        if ch == ESC and i + 1 < len(payload):
            i += 1
            ch = payload[i]
            if cur is not None:
                cur[field] += bytes([ch])
        elif ch in (VAR, USERVAR):
            if cur is not None:
                items.append(tuple(cur))
            cur, field = [ch, b'', None], 1
        elif ch == VALUE and cur is not None:
            cur[2], field = b'', 2
        elif cur is not None:
            cur[field] += bytes([ch])
        i += 1
    if cur is not None:
        items.append(tuple(cur))
    return items


class TelnetClient:
    """One TELNET connection.  Every wait has a timeout (seconds)."""

    def __init__(self, port, host='127.0.0.1', timeout=10.0, answers=None,
                 oobinline=False, connect_timeout=5.0, source=None):
        # source: the local address to connect from (another loopback
        # address, 127.0.0.2, to look like another client).
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = socket.create_connection(
            (host, port), connect_timeout,
            source_address=(source, 0) if source else None)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if oobinline:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
        self.raw = bytearray()       # every in-band byte received, in order
        self.data = bytearray()      # decoded data
        self.events = []
        self.sent = bytearray()      # every byte we wrote
        self.urgent = []             # (offset in raw, byte) for MSG_OOB reads
        self.eof = False
        self.pos = 0                 # expect() cursor into data
        # Parser state.
        self._st, self._verb, self._sbopt, self._sb = 'data', 0, 0, bytearray()
        # Negotiation state: option -> True (enabled); pending requests.
        self.us, self.him = {}, {}
        self._want_us, self._want_him = {}, {}
        self.answers = None          # None: never answer (raw client)
        self.terms, self._term_i = ['xterm'], 0
        self.naws = (80, 24)
        self.speed = (38400, 38400)
        self.display = None
        self.env = []                # [(type, name, value)]
        self.tm_reply = True         # answer DO TM with WILL TM
        if answers is not None:
            self.negotiate(answers, settle=False)

    # ---- configuration and negotiation ---------------------------------
    def negotiate(self, answers=None, term=None, naws=None, speed=None,
                  display=None, env=None, user=None, settle=False,
                  quiet=0.3, timeout=None):
        """Answer negotiation from now on per ``answers`` (default
        DEFAULT_ANSWERS; keys: option or (received verb, option), value
        True to agree).  Sets what the SB answers carry: term (str or list,
        cycled per RFC 1091), naws (w, h), speed (tx, rx), display, env
        (list of (name, value) or (type, name, value)), user (adds VAR USER).
        Requests already received are answered at once.  settle=True then
        reads until the server has been silent for ``quiet`` seconds."""
        was_raw = self.answers is None
        self.answers = dict(DEFAULT_ANSWERS if answers is None else answers)
        if term is not None:
            self.terms = [term] if isinstance(term, str) else list(term)
        if naws is not None:
            self.naws = naws
        if speed is not None:
            self.speed = speed
        if display is not None:
            self.display = display
            self.answers.setdefault(('DO', XDISPLOC), True)
        if env is not None or user is not None:
            self.env = []
            for v in env or []:
                if len(v) == 2:
                    t = VAR if v[0] in WELL_KNOWN_VARS else USERVAR
                    self.env.append((t, v[0], v[1]))
                else:
                    self.env.append(tuple(v))
            if user is not None:
                self.env.insert(0, (VAR, 'USER', user))
        if was_raw:
            self._replay_pending()
        if settle:
            self.settle(quiet, timeout)
        return self

    def _replay_pending(self):
        """Answer requests that arrived while we were not answering (the
        last verb per option and side counts)."""
        last = {}
        for ev in self.events:
            if ev[0] in ('DO', 'DONT'):
                last[('us', ev[1])] = ev[0]
            elif ev[0] in ('WILL', 'WONT'):
                last[('him', ev[1])] = ev[0]
        for (side, opt), verb in last.items():
            cur = self.us if side == 'us' else self.him
            if verb in ('DO', 'WILL') and not cur.get(opt):
                self._on_verb(verb, opt)

    def _accepts(self, verb, opt):
        if self.answers is None:
            return False
        if (verb, opt) in self.answers:
            return bool(self.answers[(verb, opt)])
        return bool(self.answers.get(opt, False))

    def request_will(self, opt, enable=True):
        """Offer (or withdraw) an option on our side: IAC WILL/WONT opt."""
        if bool(self.us.get(opt)) == enable:
            return
        self._want_us[opt] = enable
        self.send_raw(bytes([IAC, WILL if enable else WONT, opt]))

    def request_do(self, opt, enable=True):
        """Ask the server to enable (or disable) an option: IAC DO/DONT."""
        if bool(self.him.get(opt)) == enable:
            return
        self._want_him[opt] = enable
        self.send_raw(bytes([IAC, DO if enable else DONT, opt]))

    def _on_verb(self, verb, opt):
        if self.answers is None:
            return
        if opt == TM:
            if verb == 'DO':
                ok = self.tm_reply and self._accepts_tm()
                self.send_raw(bytes([IAC, WILL if ok else WONT, TM]))
            return
        if verb in ('DO', 'DONT'):
            want = verb == 'DO'
            if opt in self._want_us:       # the answer to our request
                del self._want_us[opt]
                self.us[opt] = want
                if want:
                    self._enabled_local(opt)
                return
            if bool(self.us.get(opt)) == want:
                return
            if want and not self._accepts('DO', opt):
                self.send_raw(bytes([IAC, WONT, opt]))
                return
            self.us[opt] = want
            self.send_raw(bytes([IAC, WILL if want else WONT, opt]))
            if want:
                self._enabled_local(opt)
        else:
            want = verb == 'WILL'
            if opt in self._want_him:
                del self._want_him[opt]
                self.him[opt] = want
                return
            if bool(self.him.get(opt)) == want:
                return
            if want and not self._accepts('WILL', opt):
                self.send_raw(bytes([IAC, DONT, opt]))
                return
            self.him[opt] = want
            self.send_raw(bytes([IAC, DO if want else DONT, opt]))

    def _accepts_tm(self):
        if self.answers is not None and (('DO', TM) in self.answers or
                                         TM in self.answers):
            return self._accepts('DO', TM)
        return True

    def _enabled_local(self, opt):
        if opt == NAWS and self.naws:
            self.send_naws(*self.naws)

    def _on_sb(self, opt, payload):
        if self.answers is None or not payload or payload[0] != SEND:
            return
        if not self.us.get(opt):
            return
        if opt == TTYPE:
            n = len(self.terms)
            name = self.terms[min(self._term_i, n - 1)]
            self._term_i = self._term_i + 1 if self._term_i < n else 0
            self.send_ttype_is(name)
        elif opt == TSPEED:
            self.send_tspeed_is(*self.speed)
        elif opt == XDISPLOC and self.display is not None:
            self.send_xdisploc_is(self.display)
        elif opt in (NEW_ENVIRON, OLD_ENVIRON):
            asked = parse_env(payload[1:])
            out = []
            for t, name, value in self.env:
                if not asked or any(
                        (a[1] == _b(name) and a[0] == t) or
                        (a[1] == b'' and a[0] == t) for a in asked):
                    out.append((t, name, value))
            self.send_env(IS, out, opt)

    # ---- receiving --------------------------------------------------------
    def _at_mark(self):
        buf = fcntl.ioctl(self.sock.fileno(), SIOCATMARK, struct.pack('i', 0))
        return struct.unpack('i', buf)[0] != 0

    def at_mark(self):
        """SIOCATMARK: True when the next in-band byte is the urgent mark."""
        return self._at_mark()

    def _pump(self, timeout):
        """One wait for input (at most ``timeout`` s).  Returns True when
        something arrived (or EOF), False on timeout."""
        if self.eof:
            return False
        r, _, x = select.select([self.sock], [], [self.sock], max(0, timeout))
        if x and self._at_mark():
            try:
                b = self.sock.recv(1, socket.MSG_OOB)
            except (BlockingIOError, OSError):
                b = b''
            if b:
                self.urgent.append((len(self.raw), b))
                self.events.append(('urgent', b))
                self._feed(b)
                return True
        if not r and not x:
            return False
        try:
            chunk = self.sock.recv(262144)
        except BlockingIOError:
            return True
        except ConnectionResetError:
            chunk = b''
        if not chunk:
            self.eof = True
            self.events.append(('eof',))
            return True
        self._feed(chunk)
        return True

    def _feed(self, chunk):
        self.raw += chunk
        i, n = 0, len(chunk)
        out = bytearray()
        while i < n:
            st = self._st
            if st == 'data':
                j = chunk.find(b'\xff', i)
                if j < 0:
                    out += chunk[i:]
                    break
                out += chunk[i:j]
                self._st = 'iac'
                i = j + 1
                continue
            c = chunk[i]
            i += 1
            if st == 'iac':
                if c == IAC:
                    out.append(IAC)
                    self._st = 'data'
                elif c in _VERBS:
                    self._verb, self._st = c, 'verb'
                elif c == SB:
                    self._st = 'sbopt'
                else:
                    self._flush_data(out)
                    self.events.append(('cmd', c))
                    self._st = 'data'
            elif st == 'verb':
                self._flush_data(out)
                verb = _VERBS[self._verb]
                self.events.append((verb, c))
                self._st = 'data'
                self._on_verb(verb, c)
            elif st == 'sbopt':
                self._sbopt, self._sb, self._st = c, bytearray(), 'sb'
            elif st == 'sb':
                if c == IAC:
                    self._st = 'sbiac'
                else:
                    self._sb.append(c)
            elif st == 'sbiac':
                if c == IAC:
                    self._sb.append(IAC)
                    self._st = 'sb'
                elif c == SE:
                    self._flush_data(out)
                    payload = bytes(self._sb)
                    self.events.append(('SB', self._sbopt, payload))
                    self._st = 'data'
                    self._on_sb(self._sbopt, payload)
                else:  # IAC x inside SB: broken; report and resync
                    self._flush_data(out)
                    self.events.append(('SB-broken', self._sbopt,
                                        bytes(self._sb), c))
                    self._st = 'data'
        self._flush_data(out)

    def _flush_data(self, out):
        if out:
            self.data += out
            self.events.append(('data', bytes(out)))
            del out[:]

    def wait_for(self, pred, timeout=None, what='condition'):
        """Read until pred(self) is true; ExpectTimeout after timeout."""
        deadline = time.monotonic() + (self.timeout if timeout is None
                                       else timeout)
        while not pred(self):
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                if pred(self):
                    break
                raise ExpectTimeout('%s: %s; got data tail %r, last events %s'
                                    % ('EOF' if self.eof else 'timeout', what,
                                       bytes(self.data[-300:]),
                                       [event_str(e) for e in self.events[-12:]]))
            self._pump(left)
        return True

    def expect(self, pattern, timeout=None):
        """Wait until the decoded data after the cursor contains pattern
        (bytes/str, or a compiled bytes regex).  Returns the data from the
        cursor to the end of the match and moves the cursor past it."""
        if isinstance(pattern, re.Pattern):
            rx = pattern
        else:
            rx = re.compile(re.escape(_b(pattern)))
        found = []

        def pred(c):
            m = rx.search(c.data, c.pos)
            if m:
                found.append(m)
            return bool(m)
        self.wait_for(pred, timeout, 'expecting %r' % (rx.pattern,))
        m = found[-1]
        out = bytes(self.data[self.pos:m.end()])
        self.pos = m.end()
        self.match = m
        return out

    def wait_event(self, ev, timeout=None, start=0):
        """Wait for an event equal to ``ev`` (a tuple, e.g. ('WILL', TM)) or
        for which ``ev(event)`` is true, at index >= start; return its index."""
        test = ev if callable(ev) else (lambda e: e == ev)
        idx = []

        def pred(c):
            for k in range(start, len(c.events)):
                if test(c.events[k]):
                    idx.append(k)
                    return True
            return False
        self.wait_for(pred, timeout, 'event %r' % (ev,))
        return idx[0]

    def wait_urgent(self, timeout=None):
        """Wait until a byte has been read with MSG_OOB; return it."""
        self.wait_for(lambda c: c.urgent, timeout, 'urgent data')
        return self.urgent[0][1]

    def settle(self, quiet=0.3, timeout=None):
        """Read until nothing has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + (self.timeout if timeout is None
                                       else timeout)
        while time.monotonic() < deadline and not self.eof:
            if not self._pump(min(quiet, deadline - time.monotonic())):
                return self
        return self

    def read_until_close(self, timeout=None):
        """Read until the server closes; return the data after the cursor."""
        self.wait_for(lambda c: c.eof, timeout, 'connection close')
        out = bytes(self.data[self.pos:])
        self.pos = len(self.data)
        return out

    def read_available(self, wait=0.0):
        """Whatever arrives within ``wait`` seconds (data after the cursor)."""
        self._pump(wait)
        while self._pump(0):
            pass
        out = bytes(self.data[self.pos:])
        self.pos = len(self.data)
        return out

    def negotiations(self):
        """The WILL/WONT/DO/DONT events received, as ('DO', opt) tuples."""
        return [e for e in self.events if e[0] in _VERB_CODES]

    def sbs(self, opt=None):
        return [e for e in self.events if e[0] == 'SB' and
                (opt is None or e[1] == opt)]

    # ---- sending ------------------------------------------------------------
    def send_raw(self, data, oob_last=False):
        """Write bytes exactly as given, reading (and answering) input while
        the socket is full so that big transfers cannot deadlock.  With
        oob_last the final byte goes with MSG_OOB (TCP urgent)."""
        data = memoryview(_b(data))
        if oob_last:
            body, last = data[:-1], data[-1:]
        else:
            body, last = data, None
        deadline = time.monotonic() + self.timeout
        off = 0
        while off < len(body):
            try:
                off += self.sock.send(body[off:])
                continue
            except BlockingIOError:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                raise ExpectTimeout('timeout sending (%d of %d bytes sent)'
                                    % (off, len(body)))
            r, w, _ = select.select([] if self.eof else [self.sock],
                                    [self.sock], [], left)
            if r:
                self._pump(0)
        self.sent += body
        if last is not None:
            while True:
                try:
                    self.sock.send(last, socket.MSG_OOB)
                    break
                except BlockingIOError:
                    select.select([], [self.sock], [], self.timeout)
            self.sent += last

    def send_data(self, data, cr_nul=False):
        """Send data with IAC doubled; cr_nul turns a bare CR into CR NUL
        (NVT rules, when our BINARY is off)."""
        data = iac_escape(data)
        if cr_nul:
            data = re.sub(b'\r(?!\n)', b'\r\0', data)
        self.send_raw(data)

    def send_cmd(self, cmd):
        self.send_raw(bytes([IAC, cmd]))

    def send_neg(self, verb, opt):
        """IAC verb opt exactly, without touching the option state."""
        if isinstance(verb, str):
            verb = _VERB_CODES[verb]
        self.send_raw(bytes([IAC, verb, opt]))

    def send_synch(self, before=b''):
        """The Synch: ``before`` (e.g. IAC IP), then IAC DM with the DM as
        the TCP urgent byte."""
        self.send_raw(_b(before) + bytes([IAC, DM]), oob_last=True)

    def send_sb(self, opt, payload, escape=True):
        p = iac_escape(payload) if escape else _b(payload)
        self.send_raw(bytes([IAC, SB, opt]) + p + bytes([IAC, SE]))

    def send_ttype_is(self, name):
        self.send_sb(TTYPE, bytes([IS]) + _b(name))

    def send_naws(self, width, height):
        self.send_sb(NAWS, struct.pack('>HH', width, height))

    def send_tspeed_is(self, tx, rx):
        self.send_sb(TSPEED, bytes([IS]) + b'%d,%d' % (tx, rx))

    def send_xdisploc_is(self, display):
        self.send_sb(XDISPLOC, bytes([IS]) + _b(display))

    def send_env(self, cmd, variables, opt=NEW_ENVIRON):
        """ENVIRON IS/INFO/SEND; see env_payload for ``variables``."""
        self.send_sb(opt, env_payload(cmd, variables))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def connect(port, host='127.0.0.1', retries=50, delay=0.05, **kw):
    """TelnetClient(port), retrying refused connections for a while (a
    daemon that is still starting)."""
    for i in range(retries):
        try:
            return TelnetClient(port, host, **kw)
        except ConnectionRefusedError:
            if i == retries - 1:
                raise
            time.sleep(delay)


def run_session(port, host='127.0.0.1', answers=None, expect=None, send=None,
                then_expect=None, wait_close=True, timeout=10.0, **neg):
    """A full "-E program" exchange: connect, negotiate like a normal client
    (``neg``: term, naws, speed, display, env, user), wait for ``expect``
    (the program's first output), send ``send`` (bytes, IAC-escaped), wait
    for ``then_expect``, then read until the server closes.  Returns the
    client; its ``data`` holds everything decoded, ``events`` the
    negotiation, ``eof`` whether the server closed."""
    c = TelnetClient(port, host, timeout=timeout)
    try:
        c.negotiate(answers, **neg)
        if expect is not None:
            c.expect(expect)
        if send is not None:
            c.send_data(send)
        if then_expect is not None:
            c.expect(then_expect)
        if wait_close:
            c.read_until_close()
    finally:
        c.close()
    return c


def login(port, user, password, host='127.0.0.1', answers=None,
          prompt=b'login: ', pw_prompt=b'Password: ', shell_marker=None,
          timeout=15.0, **neg):
    """Log in through the real login path: answer negotiation, wait for the
    login prompt (skipped when the user name went by NEW-ENVIRON USER and
    login asks only for the password), send the name, the password, and
    wait for ``shell_marker`` when given.  Returns the open client."""
    c = TelnetClient(port, host, timeout=timeout)
    c.negotiate(answers, **neg)
    if neg.get('user') is None:
        c.expect(prompt)
        c.send_data(_b(user) + b'\r\n')
    c.expect(pw_prompt)
    c.send_data(_b(password) + b'\r\n')
    if shell_marker is not None:
        c.expect(shell_marker)
    return c
