"""tls_rows.py - the TLS rows of `make bench`, a block of their
own: bench.py runs them after its own rows and prints their table after
its own (BENCH_ROWS=tls runs them alone).

The same session program (bench_sess) and client (bench_client, with -T:
TLS from the first byte, TELNET inside) against:

  telnetd            our daemon in inetd mode, plain (the reference, run
                     interleaved with the others in the same rounds)
  telnetd TLS        our daemon in inetd mode, --tls=implicit: per
                     connection it runs as tls-helper, starts a signer and
                     makes its TLS context
  --listen rows      both of ours as one --listen daemon (the sessions
                     share the listener's TLS context and signer)
  stunnel+inetutils  stunnel4 (TLS, accept/connect) in front of GNU
                     inetutils telnetd under the same inetd launcher: the
                     setup people use today
  telnetlib3 TLS     the telnetlib3 server, --ssl-certfile --pty-exec
                     (source in shared/clients)

Goals: TLS bulk output >= 80% of our plain bulk output and >= 2x
stunnel+inetutils; memory per idle TLS session <= 2x our plain session
(the --listen figures: a TLS daemon serves its sessions from one
listener; per session is what one more idle session adds, the slope of
PSS between 16 and 48 sessions, with the server's fixed part, the
intercept, in a row of its own).  The certificate is the tests' RSA-2048 one
(tests/tls/make-test-ca.sh), made afresh per run.
"""

import os
import re
import select
import signal
import statistics
import subprocess
import time

MEM_FEW, MEM_MANY = 16, 48   # idle sessions open for the memory rows
RATE_CLIENTS = 8


class Server:
    """One server under test: start(prog) -> handle with .port, .pid (the
    root of its processes), .stop(); tls: the client speaks TLS."""

    def __init__(self, key, label, tls, start):
        self.key = key
        self.label = label
        self.tls = tls
        self.bare = False
        self._start = start

    def start(self, prog):
        return self._start(prog)


class Proc:
    """A process started here, stopped by PID."""

    def __init__(self, argv, log, port, env=None):
        self.log = open(log, "ab")
        self.log.write(("# " + " ".join(argv) + "\n").encode())
        self.log.flush()
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                  stdout=self.log, stderr=self.log, env=env)
        self.pid = self.p.pid
        self.port = port
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.p.poll() is None:
            if listening(port):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("%s did not start (see %s)" % (argv[0], log))

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()


class Pair:
    """stunnel in front of a launcher: stopped together."""

    def __init__(self, front, back):
        self.front, self.back = front, back
        self.port, self.pid = front.port, front.pid

    def stop(self):
        self.front.stop()
        self.back.stop()


def listening(port):
    want = ":%04X" % port
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    x = line.split()
                    if x[3] == "0A" and x[1].endswith(want):
                        return True
        except OSError:
            pass
    return False


class TLSBench:
    def __init__(self, bench, mod, root):
        self.b = bench
        self.m = mod            # bench.py's module: helpers
        self.root = root
        self.ca = os.path.join(bench.work, "ca")
        self.servers = {}
        self.skipped = {}
        self.samples = {}
        self.errors = {}
        self.load = []

    # -- set-up --------------------------------------------------------------
    def setup(self):
        subprocess.run(["bash", os.path.join(self.root, "tests", "tls",
                                             "make-test-ca.sh"), self.ca],
                       check=True, stdout=subprocess.DEVNULL, timeout=120)
        os.chmod(self.ca, 0o755)
        for f in os.listdir(self.ca):
            os.chmod(os.path.join(self.ca, f), 0o644)
        cert = os.path.join(self.ca, "rsa-chain.pem")
        key = os.path.join(self.ca, "rsa.key")
        tls = ["--tls=implicit", "--tls-cert=" + cert, "--tls-key=" + key]
        b, m = self.b, self.m
        telnetd = b.telnetd

        def inetd(key, argv_fn):
            def start(prog):
                return m.Launcher(b.bins, argv_fn(prog), os.path.join(
                    b.work, "tls-%s.log" % key))
            return start

        def listen(key, extra):
            def start(prog):
                port = m.random.randint(20000, 60999)
                return Proc([telnetd, "--listen=127.0.0.1:%d" % port,
                             "--max-sessions=0", "--max-per-host=0", "-E",
                             " ".join(prog)] + extra,
                            os.path.join(b.work, "tls-%s.log" % key), port)
            return start

        def stunnel(prog):
            back = m.Launcher(b.bins, [m.INETUTILS, "-E", " ".join(prog)],
                              os.path.join(b.work, "tls-stunnel-back.log"))
            port = m.random.randint(20000, 60999)
            conf = os.path.join(b.work, "stunnel-%d.conf" % port)
            with open(conf, "w") as f:
                f.write("foreground = yes\npid =\nsyslog = no\n"
                        "debug = 3\n[telnets]\naccept = 127.0.0.1:%d\n"
                        "connect = 127.0.0.1:%d\ncert = %s\nkey = %s\n"
                        % (port, back.port, cert, key))
            try:
                front = Proc(["stunnel4", conf], os.path.join(
                    b.work, "tls-stunnel.log"), port)
            except RuntimeError:
                back.stop()
                raise
            return Pair(front, back)

        def telnetlib3(prog):
            base = os.environ.get("TELNETD_SHARED_CLIENTS") or next(
                (d for d in (os.path.join(self.root, "..", "shared",
                                          "clients"),
                             os.path.join(self.root, "..", "..", "shared",
                                          "clients"))
                 if os.path.isdir(os.path.join(d, "telnetlib3-4.0.5"))), "")
            if not base:
                raise RuntimeError("shared/clients (telnetlib3) not found")
            port = m.random.randint(20000, 60999)
            env = dict(os.environ, PYTHONPATH=":".join(
                os.path.join(base, t) for t in ("telnetlib3-4.0.5",
                                                "wcwidth-0.8.2")))
            code = ("import sys; from telnetlib3.server import main; "
                    "sys.argv[0] = 'telnetlib3-server'; sys.exit(main())")
            # Its --pty-exec is text (UTF-8): binary rows come back
            # corrupt, the text row is its figure.
            argv = ["/usr/bin/python3", "-c", code, "--ssl-certfile", cert,
                    "--ssl-keyfile", key, "--force-binary",
                    "--loglevel", "warning",
                    "--pty-exec", prog[0], "127.0.0.1", str(port), "--"] + \
                prog[1:]
            return Proc(argv, os.path.join(b.work, "tls-telnetlib3.log"),
                        port, env)

        for s in (Server("plain", "telnetd", False,
                         inetd("plain", lambda p: [telnetd, "-E",
                                                   " ".join(p)])),
                  Server("tls", "telnetd TLS", True,
                         inetd("tls", lambda p: [telnetd, "-E", " ".join(p)]
                               + tls)),
                  Server("plain-listen", "telnetd --listen", False,
                         listen("plain-listen", [])),
                  Server("tls-listen", "telnetd TLS --listen", True,
                         listen("tls-listen", tls)),
                  Server("stunnel", "stunnel+inetutils", True, stunnel),
                  Server("telnetlib3", "telnetlib3 TLS", True, telnetlib3)):
            why = self.smoke(s)
            if why:
                self.skipped[s.key] = why
                m.log("bench: TLS %s skipped: %s" % (s.label, why))
            else:
                self.servers[s.key] = s

    def client(self, s, port, args, timeout=30.0):
        return self.m.run_client(self.b.bins["bench_client"],
                                 ["-T"] if s.tls else [], port, args, timeout)

    def smoke(self, s):
        try:
            h = s.start(self.b.sess("idle"))
        except (RuntimeError, self.m.BenchError, OSError) as e:
            return str(e)
        try:
            kv = self.client(s, h.port, ["start", "answer"], timeout=10)
        finally:
            h.stop()
        if kv.get("ok") != "1":
            return "a session did not start (client: %s)" % kv.get("err")
        return None

    def add(self, row, s, v):
        self.samples.setdefault(row, {}).setdefault(s.key, []).append(v)

    def err(self, row, s, msg):
        self.errors.setdefault(row, {}).setdefault(s.key, []).append(msg)
        self.m.log("  %s %s: %s" % (row, s.key, msg))

    def rounds(self, keys, n):
        ss = [self.servers[k] for k in keys if k in self.servers]
        for i in range(n):
            k = i % len(ss) if ss else 0
            self.load.append(self.m.load1())
            yield ss[k:] + ss[:k]

    def sessions(self, h):
        """The processes of a server's sessions (and of its own helpers,
        counted once at its start: a --listen daemon's signer)."""
        root = h.back.pid if isinstance(h, Pair) else h.pid
        return self.m.descendants(root)

    def start_all(self, keys, prog_fn):
        hs = {}
        for k in keys:
            if k in self.servers:
                hs[k] = self.servers[k].start(prog_fn(k))
                hs[k].base = len(self.sessions(hs[k]))
        return hs

    @staticmethod
    def stop_all(hs):
        for h in hs.values():
            h.stop()

    # -- rows ----------------------------------------------------------------
    def bulk(self, row, direction, nbytes, kind="binary"):
        keys = ["plain", "tls", "stunnel", "telnetlib3"]

        def prog(k):
            return self.b.sess("out", nbytes, kind) if direction == \
                "out" else self.b.sess("in", nbytes)
        hs = self.start_all(keys, prog)
        try:
            for order in self.rounds(keys, self.b.cfg["runs"]):
                for s in order:
                    args = ["out", nbytes, kind] if direction == "out" \
                        else ["in", nbytes]
                    kv = self.client(s, hs[s.key].port, args)
                    if kv.get("ok") == "1" and \
                            int(kv.get("echoed", "0")) == 0:
                        self.add(row, s, float(kv["mibps"]))
                    else:
                        self.err(row, s, kv.get("err", "?") +
                                 (" echoed" if kv.get("echoed", "0") != "0"
                                  else ""))
        finally:
            self.stop_all(hs)

    def rate(self, row):
        keys = ["plain", "tls", "plain-listen", "tls-listen", "stunnel",
                "telnetlib3"]
        hs = self.start_all(keys, lambda k: self.b.sess("idle"))
        try:
            for order in self.rounds(keys, self.b.cfg["rate_runs"]):
                for s in order:
                    kv = self.client(s, hs[s.key].port,
                                     ["rate", RATE_CLIENTS,
                                      self.b.cfg["rate_secs"]], timeout=15)
                    if kv.get("ok") == "1":
                        self.add(row, s, float(kv["per_sec"]))
                    else:
                        self.err(row, s, "%s of %s sessions failed" % (
                            kv.get("failed"), kv.get("sessions")))
                    self.quiet(hs[s.key])
        finally:
            self.stop_all(hs)

    def quiet(self, h, timeout=20):
        """Until the server's sessions are gone."""
        deadline = time.monotonic() + timeout
        while len(self.sessions(h)) > h.base and \
                time.monotonic() < deadline:
            time.sleep(0.02)

    def memory(self, row):
        keys = ["plain", "tls", "plain-listen", "tls-listen", "stunnel",
                "telnetlib3"]
        hs = self.start_all(keys, lambda k: self.b.sess("idle"))
        try:
            for order in self.rounds(keys, self.b.cfg["mem_runs"]):
                for s in order:
                    self.memory_one(row, s, hs[s.key])
                    self.quiet(hs[s.key])
        finally:
            self.stop_all(hs)

    def memory_one(self, row, s, h):
        """PSS of the server's processes with MEM_FEW idle sessions open,
        then with MEM_MANY: what one more session adds (the slope) and
        what the server holds whatever the count (the intercept: a
        listener, a signer, shared code).  PSS divided by one count would
        mix the two, and the fixed part shrinks per session as sessions
        are added."""
        m = self.m
        clients, total, opened = [], {}, 0
        try:
            for n in (MEM_FEW, MEM_MANY):
                argv = [self.b.bins["bench_client"]] + \
                    (["-T"] if s.tls else []) + \
                    ["-t", "30", "127.0.0.1", str(h.port), "idle",
                     str(n - opened)]
                opened = n
                c = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
                clients.append(c)
                r, _, _ = select.select([c.stdout], [], [], 60)
                line = c.stdout.readline() if r else ""
                if not line.startswith("READY"):
                    self.err(row, s, "sessions did not start: " +
                             line.strip())
                    return
                time.sleep(0.5)     # every relay idle, its buffers trimmed
                total[n] = sum(m.pss_kib(p) for p in self.server_pids(h))
            per = (total[MEM_MANY] - total[MEM_FEW]) / (MEM_MANY - MEM_FEW)
            self.add(row, s, per)
            self.add(row + "_fixed", s, total[MEM_FEW] - MEM_FEW * per)
        finally:
            for c in clients:
                m.end_client(c, 30)

    def server_pids(self, h):
        """The server's processes but the session programs.  The daemon's
        own process counts where it is one per daemon (a --listen
        listener, stunnel, the Python server); an inetd launcher is not
        part of the server."""
        m = self.m
        if isinstance(h, Pair):
            return [p for p in m.descendants(h.back.pid)
                    if m.comm(p) != "bench_sess"] + [h.front.pid] + \
                m.descendants(h.front.pid)
        pids = [p for p in m.descendants(h.pid) if m.comm(p) != "bench_sess"]
        if not isinstance(h, m.Launcher):
            pids.append(h.pid)
        return pids

    def run(self):
        c = self.b.cfg
        only = [w.strip() for w in os.environ.get("BENCH_ROWS", "").split(",")
                if w.strip().startswith("TLS: ")]
        for name, fn in (
                ("TLS: servers", self.setup),
                ("TLS: bulk output, binary",
                 lambda: self.bulk("tls_out", "out", c["out_bytes"])),
                ("TLS: bulk input, binary",
                 lambda: self.bulk("tls_in", "in", c["in_bytes"])),
                ("TLS: bulk output, text",
                 lambda: self.bulk("tls_text", "out", c["text_bytes"],
                                   "text")),
                ("TLS: sessions per second, full handshake",
                 lambda: self.rate("tls_rate")),
                ("TLS: memory per idle session",
                 lambda: self.memory("tls_mem"))):
            # BENCH_ROWS="TLS: memory" (say): only the TLS steps named.
            if only and name != "TLS: servers" and \
                    not any(w in name for w in only):
                continue
            t0 = time.monotonic()
            self.m.log("bench: %s ..." % name)
            fn()
            self.m.log("bench: %s done in %.1f s" % (
                name, time.monotonic() - t0))

    # -- the table ---------------------------------------------------------
    def med(self, row, key):
        v = self.samples.get(row, {}).get(key)
        return statistics.median(v) if v else None

    def report(self):
        m = self.m
        cols = ["plain", "tls", "plain-listen", "tls-listen", "stunnel",
                "telnetlib3"]
        labels = {"plain": "telnetd", "tls": "telnetd TLS",
                  "plain-listen": "--listen", "tls-listen": "TLS --listen",
                  "stunnel": "stunnel+inetutils",
                  "telnetlib3": "telnetlib3 TLS"}
        rows = [("tls_out", "TLS bulk output, binary", "MiB/s"),
                ("tls_in", "TLS bulk input, binary", "MiB/s"),
                ("tls_text", "TLS bulk output, text (ONLCR)", "MiB/s"),
                ("tls_rate", "sessions/s, full handshake, 8 clients", "/s"),
                ("tls_mem", "memory per idle session (PSS slope, %d-%d)"
                 % (MEM_FEW, MEM_MANY), "KiB"),
                ("tls_mem_fixed", "memory of the server, sessions aside "
                 "(PSS intercept)", "KiB")]
        head = ["figure", "unit"] + [labels[k] for k in cols] + [
            "TLS/plain", "TLS/stunnel", "goal", "result"]
        out_rows = []
        for key, title, unit in rows:
            cells = []
            for k in cols:
                if k in self.skipped:
                    cells.append("skipped")
                    continue
                v = self.samples.get(key, {}).get(k, [])
                e = self.errors.get(key, {}).get(k, [])
                if e and not v:
                    cells.append("error: " + e[0][:40])
                else:
                    cells.append(m.cell(v) if v else "-")
            if key.startswith("tls_mem"):
                t, p = self.med(key, "tls-listen"), self.med(key,
                                                             "plain-listen")
            else:
                t, p = self.med(key, "tls"), self.med(key, "plain")
            st = self.med(key, "stunnel")

            def ratio(x, y):
                return "-" if x is None or not y else "%.2fx" % (x / y)
            goal, verdict = "", "info"
            if key == "tls_out":
                goal = ">= 80% of plain, >= 2x stunnel"
                if None not in (t, p, st):
                    verdict = "PASS" if t >= 0.8 * p and t >= 2 * st \
                        else "FAIL"
            elif key == "tls_in":
                goal = "(>= 80% of plain, >= 2x stunnel)"
            elif key == "tls_mem":
                goal = "--listen: <= 2x plain"
                if None not in (t, p):
                    verdict = "PASS" if t <= 2 * p else "FAIL"
            out_rows.append([title, unit] + cells +
                            [ratio(t, p), ratio(t, st), goal, verdict])
        widths = [max(len(str(r[i])) for r in out_rows + [head])
                  for i in range(len(head))]

        def line(r):
            return "| " + " | ".join(str(x).ljust(w) for x, w in
                                     zip(r, widths)) + " |"
        text = ["", "TLS: our daemon plain and with TLS, "
                "stunnel4 in front of inetutils telnetd, the telnetlib3 "
                "server; medians [min-max] of interleaved rounds; the "
                "--listen columns and the memory goal compare --listen "
                "daemons, the rest inetd mode", "", line(head),
                "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        text += [line(r) for r in out_rows]
        if self.load:
            text.append("load average over the TLS rounds: %.2f-%.2f "
                        "(median %.2f)" % (min(self.load), max(self.load),
                                           statistics.median(self.load)))
        for k, why in self.skipped.items():
            text.append("%s skipped: %s" % (labels.get(k, k), why))
        for row, errs in self.errors.items():
            for k, msgs in errs.items():
                text.append("errors in %s for %s: %s" % (
                    row, labels.get(k, k), "; ".join(sorted(set(msgs)))[
                        :200]))
        return "\n".join(text) + "\n"
