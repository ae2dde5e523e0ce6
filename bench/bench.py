#!/usr/bin/env python3
"""bench.py - the daemon benchmark behind `make bench` and `make bench-quick`.

Runs our telnetd, GNU inetutils telnetd and a bare pty<->socket relay side
by side, each in inetd mode under the same accept-and-spawn launcher on
loopback, with the same session program and the same client, interleaved
(the order rotates every round), and prints a table of medians, spreads,
ratios and pass/fail against the project's goals.  bench/README.md
describes the method; bench/run-bench.sh is the entry point.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import tls_rows         # the TLS rows, a block of their own

MiB = 1 << 20
GiB = 1 << 30

SETTINGS = {
    "quick": dict(runs=3, out_bytes=32 * MiB, in_bytes=32 * MiB,
                  text_bytes=16 * MiB, cg_sizes=(MiB // 2, 5 * MiB // 2),
                  cg_runs=1, start_runs=5, silent_runs=1, rate_runs=1,
                  rate_secs=1.5, mem_runs=1, lat_runs=1, lat_samples=2000,
                  tail_runs=8, fair_runs=1, fair_secs=2.0, busy_runs=1),
    "full": dict(runs=7, out_bytes=128 * MiB, in_bytes=128 * MiB,
                 text_bytes=64 * MiB, cg_sizes=(MiB, 5 * MiB), cg_runs=2,
                 start_runs=20, silent_runs=3, rate_runs=3, rate_secs=4.0,
                 mem_runs=3, lat_runs=7, lat_samples=5000, tail_runs=20,
                 fair_runs=3, fair_secs=4.0, busy_runs=5),
}
MEM_SESSIONS = 32       # idle sessions open at once for the PSS figure
# The scale row: idle sessions at once through telnetd --listen,
# the same count as the memory row first, then the big one.
SCALE_SIZES = {"quick": (32, 200), "full": (32, 1000)}
SILENT_TIMEOUT = 3.0    # a silent client's session that has not started
RATE_CLIENTS = 8
TAIL_SIZES = (64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024)
# Output that never ends within a row (the fair-share sessions and the
# typist's neighbour): bench_client's FAIR_TOTAL.
ENDLESS = 1 << 40

INETUTILS = "/usr/sbin/telnetd"


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- the three daemons ------------------------------------------------------

class Daemon:
    def __init__(self, key, label, bare, argv_fn):
        self.key = key
        self.label = label
        self.bare = bare
        self.argv_fn = argv_fn

    def argv(self, prog):
        return self.argv_fn(prog)


def make_daemons(bins, telnetd, profile):
    # Both telnetds run as inetd would start them: -E with the session
    # program, nothing else (the banner from /etc/issue.net included, as a
    # user would see it).
    return {
        "inetutils": Daemon("inetutils", "inetutils", False,
                            lambda prog: [INETUTILS, "-E", " ".join(prog)]),
        "telnetd": Daemon("telnetd", "telnetd", False,
                          lambda prog: [telnetd, "-E", " ".join(prog)]),
        "bare": Daemon("bare", "bare relay", True,
                       lambda prog: [bins["bare_relay"]] + prog),
        # For callgrind: the same objects, the sandbox as no-ops.
        "telnetd-profile": Daemon("telnetd", "telnetd", False,
                                  lambda prog: [profile or telnetd, "-E",
                                                " ".join(prog)]),
    }


# --- processes ---------------------------------------------------------------

def run_client(path, flags, port, args, timeout):
    """bench_client with flags (-b bare, -T TLS) against 127.0.0.1:port:
    its key=value line as a dict, or ok=0 with why."""
    argv = [path] + flags + ["-t", str(timeout), "127.0.0.1", str(port)] + \
        [str(a) for a in args]
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           timeout=timeout * 3 + 30)
    except subprocess.TimeoutExpired:
        return {"ok": "0", "err": "client-hung"}
    kv = parse_kv(r.stdout)
    if not kv:
        kv = {"ok": "0", "err": "no-output:" + r.stderr.strip()[:80]}
    return kv


class Launcher:
    """inetd_launcher on a free loopback port running ARGV per connection."""

    def __init__(self, bins, argv, logpath):
        self.log = open(logpath, "ab")
        self.log.write(("# " + " ".join(argv) + "\n").encode())
        self.log.flush()
        self.p = subprocess.Popen([bins["inetd_launcher"], "-k", "0", "--"]
                                  + argv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=self.log)
        r, _, _ = select.select([self.p.stdout], [], [], 10)
        line = self.p.stdout.readline() if r else b""
        m = re.match(rb"READY (\d+)", line)
        if not m:
            self.stop()
            raise BenchError("launcher did not start (see %s)" % logpath)
        self.port = int(m.group(1))
        self.pid = self.p.pid

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.p.stdout.close()
        self.log.close()


def proc_table():
    """{ppid: [pid...]} for every process."""
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def descendants(root):
    kids = proc_table()
    out, stack = [], [root]
    while stack:
        for k in kids.get(stack.pop(), []):
            out.append(k)
            stack.append(k)
    return out


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def end_client(c, timeout):
    """A client driven through its standard input: EOF there ends it;
    killed if it does not end within timeout seconds."""
    c.stdin.close()
    try:
        c.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        c.kill()
        c.wait()
    c.stdout.close()


def status_kib(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_quiet(launcher, timeout):
    """Wait until the launcher has no session processes left."""
    deadline = time.monotonic() + timeout
    while descendants(launcher.pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def parse_kv(text):
    kv = {}
    for word in text.split():
        if "=" in word:
            k, v = word.split("=", 1)
            kv[k] = v
    return kv


# --- the benchmark -------------------------------------------------------------

class Bench:
    def __init__(self, root, mode, bins, telnetd, profile, workdir):
        self.root = root
        self.mode = mode
        self.cfg = SETTINGS[mode]
        self.bins = bins
        self.telnetd = telnetd
        self.work = workdir
        self.all = make_daemons(bins, telnetd, profile)
        self.profile = profile
        self.daemons = []           # the ones taking part
        self.skipped = {}           # key -> why
        self.samples = {}           # row -> key -> [values]
        self.errors = {}            # row -> key -> [messages]
        self.extra = {}             # row -> key -> info string
        self.procs_per_session = {}
        self.start_load = load1()
        self.cg_procs = {}
        self.scale_rows = []        # (n, dict) from the scale step
        self.tls = tls_rows.TLSBench(self, sys.modules[__name__], root)

    # -- helpers --
    def sess(self, *args):
        return [self.bins["bench_sess"]] + [str(a) for a in args]

    def launch(self, d, prog, wrap=None):
        argv = (wrap or []) + d.argv(prog)
        return Launcher(self.bins, argv,
                        os.path.join(self.work, "launcher-%s.log" % d.key))

    def client(self, d, port, args, timeout=30.0):
        return run_client(self.bins["bench_client"],
                          ["-b"] if d.bare else [], port, args, timeout)

    def add(self, row, d, value):
        self.samples.setdefault(row, {}).setdefault(d.key, []).append(value)

    def err(self, row, d, msg):
        self.errors.setdefault(row, {}).setdefault(d.key, []).append(msg)
        log("  %s %s: %s" % (row, d.key, msg))

    def rounds(self, n):
        """Interleaved order: A B C, then B C A, then C A B, ..."""
        for i in range(n):
            k = i % len(self.daemons)
            yield i, self.daemons[k:] + self.daemons[:k]

    def launch_all(self, prog_fn, wrap_fn=None):
        ls = {}
        for d in self.daemons:
            ls[d.key] = self.launch(d, prog_fn(d),
                                    wrap_fn(d) if wrap_fn else None)
        return ls

    @staticmethod
    def stop_all(ls):
        for launcher in ls.values():
            launcher.stop()

    # -- set-up --
    def select_daemons(self, with_ours):
        self.daemons = [self.all["inetutils"]]
        if not with_ours:
            pass
        elif not (os.path.isfile(self.telnetd) and
                  os.access(self.telnetd, os.X_OK)):
            shown = self.telnetd
            if os.path.abspath(shown).startswith(
                    os.path.abspath(self.root) + os.sep):
                shown = os.path.relpath(shown, self.root)
            self.skipped["telnetd"] = "%s is not built (make all)" % shown
        else:
            why = self.smoke(self.all["telnetd"])
            if why:
                self.skipped["telnetd"] = why
            else:
                self.daemons.append(self.all["telnetd"])
        self.daemons.append(self.all["bare"])
        for d in [self.all["inetutils"], self.all["bare"]]:
            why = self.smoke(d)
            if why:
                raise BenchError("%s does not work: %s" % (d.label, why))
        for key, why in self.skipped.items():
            log("bench: %s skipped: %s" % (key, why))

    def smoke(self, d):
        try:
            ls = self.launch(d, self.sess("idle"))
        except BenchError as e:
            return str(e)
        try:
            kv = self.client(d, ls.port, ["start", "answer"], timeout=5)
        finally:
            ls.stop()
        if kv.get("ok") != "1":
            return "a session did not start (client: %s; log: %s)" % (
                kv.get("err", "?"),
                os.path.join(self.work, "launcher-%s.log" % d.key))
        return None

    # -- rows --
    def bulk(self, row, direction, text, nbytes, cpu_row):
        """Bulk transfer; with cpu_row, also the daemon's CPU per GiB."""
        files = {d.key: os.path.join(self.work, "ru-%s-%s" % (row, d.key))
                 for d in self.daemons}

        def prog(d):
            if direction == "out":
                p = self.sess("out", nbytes, "text" if text else "binary")
            else:
                p = self.sess("in", nbytes)
            return p + [files[d.key]] if cpu_row else p

        def wrap(d):
            return [self.bins["bench_rusage"], files[d.key]]

        ls = self.launch_all(prog, wrap if cpu_row else None)
        try:
            for _, order in self.rounds(self.cfg["runs"]):
                for d in order:
                    ntree = self.count_trees(files[d.key])
                    args = ["out", nbytes, "text" if text else "binary"] \
                        if direction == "out" else ["in", nbytes]
                    kv = self.client(d, ls[d.key].port, args)
                    if kv.get("ok") != "1":
                        self.err(row, d, kv.get("err", "?") +
                                 (" " + kv["bad_at"] if "bad_at" in kv
                                  else ""))
                        continue
                    if int(kv.get("echoed", "0")) > 0:
                        # The program's tty is raw: input coming back
                        # means the server turned echo on behind it.
                        self.err(row, d, "%s bytes of input came back" %
                                 kv["echoed"])
                        continue
                    self.add(row, d, float(kv["mibps"]))
                    if not cpu_row:
                        continue
                    cpu = self.read_cpu(files[d.key], ntree)
                    if cpu is None:
                        self.err(cpu_row, d, "session did not end in 10 s")
                    else:
                        self.add(cpu_row, d, cpu / (nbytes / GiB))
        finally:
            self.stop_all(ls)

    @staticmethod
    def count_trees(path):
        try:
            with open(path) as f:
                return sum(1 for line in f if line.startswith("tree "))
        except OSError:
            return 0

    @staticmethod
    def read_cpu(path, ntree, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(path) as f:
                    lines = f.read().splitlines()
            except OSError:
                lines = []
            trees = [x.split() for x in lines if x.startswith("tree ")]
            if len(trees) > ntree:
                break
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)
        progs = [x.split() for x in lines if x.startswith("prog ")]
        t = int(trees[-1][2]) + int(trees[-1][3])
        p = int(progs[-1][2]) + int(progs[-1][3]) if progs else 0
        return (t - p) / 1e6

    def callgrind(self, row):
        vg = shutil.which("valgrind")
        if not vg:
            for d in self.daemons:
                self.err(row, d, "valgrind is not installed")
            return
        s1, s2 = self.cfg["cg_sizes"]
        dirs, ls = {}, {}
        try:
            if "telnetd" in [d.key for d in self.daemons] and \
                    not self.profile:
                self.err(row, self.all["telnetd"], "no profiling build "
                         "(its seccomp filter stops valgrind)")
            for d in self.daemons:
                for size in (s1, s2):
                    dd = os.path.join(self.work, "cg-%s-%d" % (d.key, size))
                    os.makedirs(dd, exist_ok=True)
                    os.chmod(dd, 0o1777)
                    dirs[d.key, size] = dd
                    wrap = [vg, "--tool=callgrind", "--trace-children=yes",
                            "--trace-children-skip=*/bench_sess",
                            "--callgrind-out-file=%s/cg.%%p" % dd,
                            "--log-file=%s/vg.%%p.log" % dd]
                    prof = self.all["telnetd-profile"] \
                        if d.key == "telnetd" else d
                    ls[d.key, size] = self.launch(
                        prof, self.sess("out", size, "binary"), wrap)
            for i, order in self.rounds(self.cfg["cg_runs"]):
                for d in order:
                    tot = {}
                    for size in (s1, s2):
                        tot[size] = self.cg_session(d, ls[d.key, size],
                                                    dirs[d.key, size], size,
                                                    i, row)
                    if None in tot.values():
                        continue
                    self.add(row, d, (tot[s2][0] - tot[s1][0]) /
                             ((s2 - s1) / MiB))
                    self.cg_procs[d.key] = tot[s2][1]
        finally:
            self.stop_all(ls)

    def cg_session(self, d, launcher, dd, size, i, row):
        kv = self.client(d, launcher.port, ["out", size, "binary"],
                         timeout=120)
        if kv.get("ok") != "1":
            self.err(row, d, "callgrind run: " + kv.get("err", "?"))
            return None
        if not wait_quiet(launcher, 30):
            self.err(row, d, "callgrind run: session did not end")
            return None
        total, nproc = 0, 0
        run_dir = os.path.join(dd, "run%d" % i)
        os.makedirs(run_dir, exist_ok=True)
        for name in sorted(os.listdir(dd)):
            path = os.path.join(dd, name)
            if not os.path.isfile(path):
                continue
            if name.startswith("cg."):
                with open(path, errors="replace") as f:
                    for line in f:
                        if line.startswith("totals:") or \
                                line.startswith("summary:"):
                            total += int(line.split()[1])
                            nproc += 1
                            break
            os.rename(path, os.path.join(run_dir, name))
        if nproc == 0:
            self.err(row, d, "callgrind run: no profile written")
            return None
        return total, nproc

    def start(self, row, how, runs, timeout):
        ls = self.launch_all(lambda d: self.sess("idle"))
        never = set()
        try:
            for _, order in self.rounds(runs):
                for d in order:
                    if d.key in never:
                        continue
                    kv = self.client(d, ls[d.key].port, ["start", how],
                                     timeout=timeout)
                    if kv.get("ok") == "1":
                        self.add(row, d, float(kv["ms"]))
                        self.add(row + "_first", d, float(kv["first_ms"]))
                    elif kv.get("err") == "timeout":
                        self.add(row, d, float("inf"))
                        never.add(d.key)
                    else:
                        self.err(row, d, kv.get("err", "?"))
        finally:
            self.stop_all(ls)

    def rate(self, row):
        ls = self.launch_all(lambda d: self.sess("idle"))
        try:
            for _, order in self.rounds(self.cfg["rate_runs"]):
                for d in order:
                    kv = self.client(d, ls[d.key].port,
                                     ["rate", RATE_CLIENTS,
                                      self.cfg["rate_secs"]], timeout=15)
                    if kv.get("ok") == "1":
                        self.add(row, d, float(kv["per_sec"]))
                    else:
                        self.err(row, d, "%s: %s of %s sessions failed "
                                 "(eof %s, timeout %s, connect %s)" % (
                                     kv.get("err", "failures"),
                                     kv.get("failed"), kv.get("sessions"),
                                     kv.get("eof"), kv.get("timeout"),
                                     kv.get("connect")))
                    wait_quiet(ls[d.key], 10)
        finally:
            self.stop_all(ls)

    def memory(self, row):
        ls = self.launch_all(lambda d: self.sess("idle"))
        try:
            for _, order in self.rounds(self.cfg["mem_runs"]):
                for d in order:
                    self.memory_one(row, d, ls[d.key])
                    wait_quiet(ls[d.key], 10)
        finally:
            self.stop_all(ls)

    def memory_one(self, row, d, launcher):
        argv = [self.bins["bench_client"]] + (["-b"] if d.bare else []) + \
            ["-t", "20", "127.0.0.1", str(launcher.port), "idle",
             str(MEM_SESSIONS)]
        c = subprocess.Popen(argv, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        try:
            r, _, _ = select.select([c.stdout], [], [], 30)
            line = c.stdout.readline() if r else ""
            if not line.startswith("READY"):
                self.err(row, d, "sessions did not start: " + line.strip())
                return
            time.sleep(0.3)     # let every daemon settle into its loop
            pids = [p for p in descendants(launcher.pid)
                    if comm(p) != "bench_sess"]
            total = sum(pss_kib(p) for p in pids)
            self.add(row, d, total / MEM_SESSIONS)
            self.procs_per_session[d.key] = len(pids) / MEM_SESSIONS
        finally:
            end_client(c, 20)

    def latency(self, row):
        ls = self.launch_all(lambda d: self.sess("echo"))
        try:
            for _, order in self.rounds(self.cfg["lat_runs"]):
                for d in order:
                    kv = self.client(d, ls[d.key].port,
                                     ["lat", self.cfg["lat_samples"]])
                    if kv.get("ok") == "1":
                        self.add(row, d, float(kv["p99_us"]))
                        self.add(row + "_p50", d, float(kv["p50_us"]))
                    else:
                        self.err(row, d, kv.get("err", "?"))
        finally:
            self.stop_all(ls)

    def fair(self, row, k):
        """K bulk output sessions at once: the slowest's MiB/s over the
        fastest's (bench_client fair)."""
        ls = self.launch_all(lambda d: self.sess("out", ENDLESS, "binary"))
        try:
            for _, order in self.rounds(self.cfg["fair_runs"]):
                for d in order:
                    kv = self.client(d, ls[d.key].port,
                                     ["fair", k, self.cfg["fair_secs"]])
                    if kv.get("ok") == "1":
                        self.add(row, d, float(kv["ratio"]))
                        self.add(row + "_total", d,
                                 float(kv["total_mibps"]))
                    else:
                        self.err(row, d, "%s (%s of %s sessions done)" % (
                            kv.get("err", "?"), kv.get("done", "?"), k))
                    wait_quiet(ls[d.key], 20)
        finally:
            self.stop_all(ls)

    def latency_busy(self, row):
        """Echo latency while another session of the same server pushes
        bulk output (a typist beside a neighbour's big job)."""
        bulk = self.launch_all(lambda d: self.sess("out", ENDLESS, "binary"))
        echo = self.launch_all(lambda d: self.sess("echo"))
        try:
            for _, order in self.rounds(self.cfg["busy_runs"]):
                for d in order:
                    argv = [self.bins["bench_client"]] + \
                        (["-b"] if d.bare else []) + \
                        ["-t", "120", "127.0.0.1", str(bulk[d.key].port),
                         "out", str(ENDLESS), "binary"]
                    # The neighbour is another user: a session of its
                    # own (as bench_client's fair clients; where the
                    # scheduler groups by session, in the bench's it would
                    # share the typist's client's group).
                    nb = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL,
                                          start_new_session=True)
                    try:
                        time.sleep(0.5)     # the neighbour is flowing
                        if nb.poll() is not None:
                            self.err(row, d, "the bulk neighbour ended")
                            continue
                        kv = self.client(d, echo[d.key].port,
                                         ["lat", self.cfg["lat_samples"]])
                    finally:
                        nb.terminate()
                        nb.wait()
                    if kv.get("ok") == "1":
                        self.add(row, d, float(kv["p99_us"]))
                        self.add(row + "_p50", d, float(kv["p50_us"]))
                    else:
                        self.err(row, d, kv.get("err", "?"))
                    wait_quiet(bulk[d.key], 10)
        finally:
            self.stop_all(bulk)
            self.stop_all(echo)

    def tail(self, row):
        ls = {}
        try:
            for d in self.daemons:
                for size in TAIL_SIZES:
                    ls[d.key, size] = self.launch(d, self.sess("tail", size))
            for i, order in self.rounds(self.cfg["tail_runs"]):
                size = TAIL_SIZES[i % len(TAIL_SIZES)]
                for d in order:
                    kv = self.client(d, ls[d.key, size].port,
                                     ["tail", size], timeout=20)
                    if kv.get("ok") == "1":
                        self.add(row, d, int(kv["lost"]))
                    else:
                        self.err(row, d, kv.get("err", "?"))
        finally:
            self.stop_all(ls)

    # -- the scale row: our daemon alone, through --listen ------------------
    def listen_daemon(self, prog, log):
        """telnetd --listen on a free loopback port, no session limits;
        (Popen, port) once it says it is ready."""
        for _ in range(20):
            port = random.randint(20000, 60999)
            logf = open(log, "wb")
            p = subprocess.Popen(
                [self.telnetd, "--listen=127.0.0.1:%d" % port,
                 "--max-sessions=0", "--max-per-host=0", "-E",
                 " ".join(prog)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=logf)
            logf.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and p.poll() is None:
                with open(log, "rb") as f:
                    if re.search(rb"telnetd \S+ ready", f.read()):
                        return p, port
                time.sleep(0.02)
            if p.poll() is None:
                p.kill()
            p.wait()
        raise BenchError("telnetd --listen did not start (see %s)" % log)

    def scale(self):
        if "telnetd" in self.skipped or self.all["telnetd"] not in \
                self.daemons:
            return
        for n in SCALE_SIZES[self.mode]:
            row = {"n": n}
            self.scale_rows.append(row)
            logpath = os.path.join(self.work, "scale-%d.log" % n)
            d, port = self.listen_daemon(self.sess("echo"), logpath)
            c = None
            try:
                c = subprocess.Popen(
                    [self.bins["bench_client"], "-t", "300", "127.0.0.1",
                     str(port), "scale", str(n)], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, text=True)
                r, _, _ = select.select([c.stdout], [], [], 330)
                line = c.stdout.readline() if r else ""
                m = re.match(r"READY \d+ open_ms=([\d.]+)", line)
                if not m:
                    row["error"] = "sessions did not start: " + line.strip()
                    continue
                row["open_s"] = float(m.group(1)) / 1000
                time.sleep(0.5)     # every relay idle: buffers trimmed
                pids = [p for p in descendants(d.pid)
                        if comm(p) != "bench_sess"]
                row["daemon_procs"] = len(pids) + 1
                row["kib"] = (sum(pss_kib(p) for p in pids) +
                              pss_kib(d.pid)) / n
                # Not in PSS: the page tables of the daemon's processes.
                row["pte_kib"] = sum(status_kib(p, "VmPTE")
                                     for p in pids + [d.pid]) / n
                c.stdin.write("echo\n")
                c.stdin.flush()
                r, _, _ = select.select([c.stdout], [], [], 330)
                kv = parse_kv(c.stdout.readline() if r else "")
                if kv.get("ok") != "1":
                    row["error"] = "echo: " + kv.get("err", "no answer")
                else:
                    row["echoed"] = int(kv["echoed"])
                    row["echo_s"] = float(kv["echo_ms"]) / 1000
            finally:
                if c is not None:
                    end_client(c, 60)
                # The sessions end with their connections; then the
                # listener (SIGTERM leaves running sessions alone).
                deadline = time.monotonic() + 60
                while descendants(d.pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                d.send_signal(signal.SIGTERM)
                d.wait(timeout=10)
            log("  scale %d: %s" % (n, ", ".join(
                "%s=%s" % kv for kv in sorted(row.items()))))

    def run(self):
        c = self.cfg
        steps = [
            ("bulk output, binary", lambda: self.bulk(
                "out_bin", "out", False, c["out_bytes"], "cpu_out")),
            ("bulk input, binary", lambda: self.bulk(
                "in_bin", "in", False, c["in_bytes"], "cpu_in")),
            ("bulk output, text", lambda: self.bulk(
                "out_text", "out", True, c["text_bytes"], None)),
            ("callgrind", lambda: self.callgrind("instr")),
            ("session start, answering", lambda: self.start(
                "start_answer", "answer", c["start_runs"], 10)),
            ("session start, silent", lambda: self.start(
                "start_silent", "silent", c["silent_runs"],
                SILENT_TIMEOUT)),
            ("sessions per second", lambda: self.rate("rate")),
            ("memory per idle session", lambda: self.memory("mem")),
            ("echo latency", lambda: self.latency("lat")),
            ("echo latency beside bulk output",
             lambda: self.latency_busy("lat_busy")),
            ("fair share, 16 bulk sessions", lambda: self.fair("fair16", 16)),
            ("fair share, 64 bulk sessions", lambda: self.fair("fair64", 64)),
            ("output before exit", lambda: self.tail("tail")),
            ("scale: idle sessions at once through --listen",
             self.scale),
            ("tls: TLS rows (bench/tls_rows.py)", self.tls.run),
        ]
        # BENCH_ROWS="start,rate": only the steps whose names contain one
        # of the words (for working on one figure; the table marks the
        # others "not measured").
        only = [w.strip() for w in os.environ.get("BENCH_ROWS", "").split(",")
                if w.strip()]
        for name, fn in steps:
            if only and not any(w in name for w in only):
                continue
            t0 = time.monotonic()
            log("bench: %s ..." % name)
            fn()
            log("bench: %s done in %.1f s" % (name, time.monotonic() - t0))


# --- the report ----------------------------------------------------------------

def fmt_num(v):
    if v == float("inf"):
        return "never"
    a = abs(v)
    if a >= 1e6:
        return "%.2fM" % (v / 1e6)
    if a >= 1e4:
        return "%.1fk" % (v / 1e3)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def cell(vals):
    if not vals:
        return "-"
    med = statistics.median(vals)
    if med == float("inf"):
        return "never (>%g s)" % SILENT_TIMEOUT
    if len(vals) == 1:
        return fmt_num(med)
    lo, hi = min(vals), max(vals)
    return "%s [%s-%s]" % (fmt_num(med), fmt_num(lo), fmt_num(hi))


def med(vals):
    return statistics.median(vals) if vals else None


# Each row: key, title, unit, higher-is-better, goal(t, i, b) -> bool|None,
# goal text.
def goal_rows():
    def ratio_ge(k):
        return lambda t, i, b: None if t is None or i is None else t >= k * i

    return [
        ("out_bin", "bulk output, binary", "MiB/s",
         lambda t, i, b: None if None in (t, i, b) else
         t >= 2 * i and t >= 0.85 * b,
         ">= 2x inetutils and >= 85% of bare"),
        ("in_bin", "bulk input, binary", "MiB/s",
         lambda t, i, b: None if None in (t, i, b) else
         t >= 1.5 * i and t >= 0.85 * b,
         ">= 1.5x inetutils and >= 85% of bare"),
        ("out_text", "bulk output, text (ONLCR)", "MiB/s",
         lambda t, i, b: None if None in (t, b) else t >= 0.95 * b,
         ">= 95% of bare"),
        ("cpu_out", "server CPU per GiB, output", "s",
         lambda t, i, b: None if None in (t, i) else t <= i / 3,
         "<= 1/3 of inetutils"),
        ("cpu_in", "server CPU per GiB, input (info)", "s",
         lambda t, i, b: None, "(<= 1/3 of inetutils)"),
        ("instr", "user-space instructions per MiB", "instr",
         lambda t, i, b: None if t is None else t <= 1e6,
         "<= 1M (40x fewer)"),
        ("start_answer", "session start, answering client", "ms",
         lambda t, i, b: None if t is None else t <= 5,
         "<= 5 ms"),
        ("start_silent", "session start, silent client", "ms",
         lambda t, i, b: None if t is None else t <= 1000,
         "<= 1 s"),
        ("rate", "sessions per second, 8 clients", "/s",
         ratio_ge(3), ">= 3x inetutils"),
        ("mem", "memory per idle session (PSS)", "KiB",
         lambda t, i, b: None if t is None else t <= 160,
         "<= 160 KiB"),
        ("lat", "keystroke echo latency p99", "us",
         lambda t, i, b: None if None in (t, b) else t <= 1.10 * b,
         "<= bare + 10%"),
        ("lat_busy", "echo p99 beside a bulk output session", "us",
         lambda t, i, b: None if None in (t, i) else t <= i,
         "<= inetutils"),
        ("fair16", "fair share, 16 bulk sessions", "min/max",
         lambda t, i, b: None if t is None else t >= 0.8, ">= 0.80"),
        ("fair64", "fair share, 64 bulk sessions", "min/max",
         lambda t, i, b: None if t is None else t >= 0.8, ">= 0.80"),
        ("tail", "output written just before exit", "B lost",
         lambda t, i, b: None if t is None else t == 0,
         "0 bytes lost"),
    ]


def tail_cell(vals):
    if not vals:
        return "-"
    lossy = [v for v in vals if v > 0]
    if not lossy:
        return "0 in %d runs" % len(vals)
    return "max %s, %d/%d runs" % (fmt_num(max(lossy)), len(lossy),
                                    len(vals))


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def report(bench, machine, engine_text, elapsed):
    keys = ["inetutils", "telnetd", "bare"]
    head = ["figure", "unit", "inetutils", "telnetd", "bare relay",
            "telnetd/inetutils", "telnetd/bare", "goal", "result"]
    rows = []
    verdicts = []
    for key, title, unit, goal, goal_text in goal_rows():
        s = bench.samples.get(key, {})
        e = bench.errors.get(key, {})
        cells = []
        for k in keys:
            if k in bench.skipped:
                cells.append("skipped")
            elif key == "tail":
                cells.append(tail_cell(s.get(k)) if not e.get(k) else
                             "error: " + e[k][0])
            elif e.get(k) and not s.get(k):
                cells.append("error: " + e[k][0])
            else:
                cells.append(cell(s.get(k, [])) +
                             (" (%d failed)" % len(e[k]) if e.get(k)
                              else ""))
        if key == "tail":
            m = {k: (max(s[k]) if s.get(k) and not e.get(k) else None)
                 for k in keys}
        else:
            m = {k: med(s.get(k, [])) for k in keys}
        t, i, b = m["telnetd"], m["inetutils"], m["bare"]

        def ratio(x, y):
            if x is None or y is None or y == 0 or \
                    float("inf") in (x, y) or key == "tail":
                return "-"
            return "%.2fx" % (x / y)

        verdict = goal(t, i, b) if "telnetd" not in bench.skipped else None
        if verdict is None and key == "cpu_in":
            res = "info"
        else:
            res = "n/a" if verdict is None else ("PASS" if verdict
                                                 else "FAIL")
            verdicts.append((title, res))
        rows.append([title, unit] + cells +
                    [ratio(t, i), ratio(t, b), goal_text, res])

    widths = [max(len(str(r[c])) for r in rows + [head])
              for c in range(len(head))]

    def line(r):
        return "| " + " | ".join(str(x).ljust(w) for x, w in
                                 zip(r, widths)) + " |"

    out = []
    out.append("telnetd benchmark (%s): medians [min-max] over interleaved "
               "runs; ratios of medians" % bench.mode)
    out.append(machine)
    out.append("")
    out.append(line(head))
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        out.append(line(r))
    out.append("")
    end_load = load1()
    out.append("load %.2f at start, %.2f at end" % (bench.start_load,
                                                    end_load))
    ncpu = os.cpu_count() or 1
    if max(bench.start_load, end_load) > ncpu / 2:
        out.append("warning: the machine was busy (load average above "
                   "%g on %d CPUs): throughput, start, rate and latency "
                   "rows are noisy; run again on a quiet machine or with "
                   "BENCH_NICE=-10" % (ncpu / 2, ncpu))
    fails = [t for t, r in verdicts if r == "FAIL"]
    passes = [t for t, r in verdicts if r == "PASS"]
    out.append("goals: %d pass, %d fail, %d not measured" % (
        len(passes), len(fails), len(verdicts) - len(passes) - len(fails)))
    if fails:
        out.append("failing: " + "; ".join(fails))
    for k, why in bench.skipped.items():
        out.append("%s skipped: %s" % (k, why))
    notes = []
    first = bench.samples.get("start_answer_first", {})
    if first:
        notes.append("session start, connect to the server's first byte "
                     "(ms): " + ", ".join("%s %s" % (k, fmt_num(med(v)))
                                          for k, v in first.items()))
    for key, what in (("lat_p50", "echo latency p50 (us)"),
                      ("lat_busy_p50", "echo p50 beside bulk output (us)"),
                      ("fair16_total", "16 bulk sessions together (MiB/s)"),
                      ("fair64_total", "64 bulk sessions together (MiB/s)")):
        vals = bench.samples.get(key, {})
        if vals:
            notes.append(what + ": " + ", ".join(
                "%s %s" % (k, fmt_num(med(v))) for k, v in vals.items()))
    if bench.procs_per_session:
        notes.append("daemon processes per session: " + ", ".join(
            "%s %.0f" % (k, v) for k, v in bench.procs_per_session.items()))
    if bench.cg_procs:
        notes.append("processes profiled per callgrind session: " +
                     ", ".join("%s %d" % kv for kv in bench.cg_procs.items()))
    for row, errs in bench.errors.items():
        for k, msgs in errs.items():
            notes.append("errors in %s for %s: %s" % (
                row, k, "; ".join(sorted(set(msgs)))[:300]))
    if notes:
        out.append("")
        out.extend("note: " + n for n in notes)
    if bench.scale_rows:
        out.append("")
        out.append("scale (telnetd --listen alone, idle sessions of "
                   "bench_sess echo; memory is PSS of the listener, monitors "
                   "and relays per session):")
        for r in bench.scale_rows:
            if "error" in r:
                out.append("  %5d sessions: error: %s" % (r["n"], r["error"]))
                continue
            out.append("  %5d sessions: all open in %.2f s, %.0f KiB per "
                       "session (%d daemon processes; page tables %.0f KiB "
                       "more), %d/%d answered an echo within %.0f ms" % (
                           r["n"], r["open_s"], r["kib"], r["daemon_procs"],
                           r.get("pte_kib", 0), r.get("echoed", 0), r["n"],
                           r.get("echo_s", 0) * 1000))
    if bench.tls.samples or bench.tls.skipped:
        out.append(bench.tls.report())
    if engine_text:
        out.append("")
        out.append("engine (bench/engine.sh):")
        out.extend("  " + x for x in engine_text.rstrip().splitlines())
    out.append("")
    out.append("bench time %.0f s" % elapsed)
    return "\n".join(out) + "\n"


def machine_line(root, telnetd):
    try:
        with open("/proc/cpuinfo") as f:
            model = next((x.split(":", 1)[1].strip() for x in f
                          if x.startswith("model name")), "?")
    except OSError:
        model = "?"

    def sh(argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True,
                                  timeout=10, cwd=root).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    inet = sh(["dpkg-query", "-W", "-f=${Version}", "inetutils-telnetd"])
    rev = sh(["git", "rev-parse", "--short", "HEAD"])
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    return ("machine: %s, %d cores, kernel %s, %s, load %s at start, %s; "
            "inetutils-telnetd %s; telnetd at %s" % (
                model, os.cpu_count() or 0, platform.release(),
                virtualization(sh),
                load, datetime.datetime.now().astimezone().strftime(
                    "%Y-%m-%d %H:%M %Z"), inet or "?", rev or "?"))


def virtualization(sh):
    """What the machine runs on: the hypervisor (a VM's wakeups and timer
    costs shape the pty's throughput, README.md), and the container."""
    vm = sh(["systemd-detect-virt", "--vm"])
    if not vm:
        with open("/proc/cpuinfo") as f:
            vm = "unknown hypervisor" if " hypervisor" in f.read() else ""
    ct = sh(["systemd-detect-virt", "--container"])
    what = "VM (%s)" % vm if vm and vm != "none" else "bare metal"
    if ct and ct != "none":
        what += ", container (%s)" % ct
    return what


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=sorted(SETTINGS))
    ap.add_argument("--root", required=True)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--telnetd", required=True)
    ap.add_argument("--telnetd-profile", default="",
                    help="telnetd relinked without the sandbox, for callgrind")
    ap.add_argument("--engine", default="", help="engine bench output file")
    ap.add_argument("--no-telnetd", action="store_true")
    ap.add_argument("--results", default="")
    a = ap.parse_args()

    t0 = time.monotonic()
    bins = {n: os.path.join(a.bindir, n) for n in
            ("inetd_launcher", "bench_client", "bench_sess", "bare_relay",
             "bench_rusage")}
    for n, p in bins.items():
        if not os.access(p, os.X_OK):
            log("bench: %s is missing: run make all first" % p)
            return 1
    machine = machine_line(a.root, a.telnetd)
    work = tempfile.mkdtemp(prefix="telnetd-bench.")
    os.chmod(work, 0o755)
    bench = Bench(a.root, a.mode, bins, a.telnetd, a.telnetd_profile, work)
    try:
        bench.select_daemons(not a.no_telnetd)
        bench.run()
    except BenchError as e:
        log("bench: " + str(e))
        log("bench: work files kept in " + work)
        return 1
    engine_text = ""
    if a.engine and os.path.exists(a.engine):
        with open(a.engine) as f:
            engine_text = f.read()
    text = report(bench, machine, engine_text, time.monotonic() - t0)
    sys.stdout.write(text)
    if a.results:
        os.makedirs(a.results, exist_ok=True)
        with open(os.path.join(a.results, "latest.txt"), "w") as f:
            f.write(text)
        with open(os.path.join(a.results, "latest.json"), "w") as f:
            json.dump({"mode": a.mode, "machine": machine,
                       "samples": bench.samples, "errors": bench.errors,
                       "skipped": bench.skipped,
                       "scale": bench.scale_rows,
                       "tls": {"samples": bench.tls.samples,
                               "errors": bench.tls.errors,
                               "skipped": bench.tls.skipped}}, f, indent=1,
                      default=str)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
