"""gdb_syscall.py - run inside gdb (gdb -p PID -batch -nx -x gdb_syscall.py)
to make the attached process execute raw system calls of our choosing, as
code an attacker had taken over would: no libc wrapper, no argument check of
ours in the way.  The calls come as JSON in the environment variable
TD_SYSCALLS, a list of

    {"nr": N, "args": [a0, ..., a5], "mem": "hex bytes"}

where an argument is an integer, "mem" (the address of a scratch page that
holds the call's "mem" bytes) or "rK" (the result of call K).  A call may
also give "ptrs", offsets into its "mem" bytes where an 8-byte
little-endian offset into the scratch page is made the address it names
(a struct msghdr and the iovec and control data it points to).  The scratch
page is mapped with one mmap(PROT_READ|PROT_WRITE) call first, a call every
relay may make.  For each call the script prints "RESULT K VALUE"
(VALUE as a signed integer: -errno on failure); when the process dies (a
seccomp kill, or its monitor's SIGKILL meanwhile) it prints "DIED" and
stops.  After the last call every register is put back as
it was (orig_rax too, so an interrupted poll() restarts), and the process
goes on as if nothing had happened.

x86-64 only: the calling convention is rax = number, rdi, rsi, rdx, r10,
r8, r9; the instruction executed is the "syscall" inside getuid().
"""
import json
import os
import time

import gdb  # noqa: F401  (provided by gdb)

REGS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9',
        'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'eflags']
ARG_REGS = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9']
SYS_MMAP = 9


def alive():
    inf = gdb.selected_inferior()
    if inf is None or inf.pid == 0:
        return False
    # Killed from outside while stopped (SIGKILL is not stopped by
    # ptrace): gone, or a zombie until its parent reaps it.
    try:
        with open('/proc/%d/stat' % inf.pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] not in 'ZX'
    except OSError:
        return False


def dying():
    """After a ptrace error: the process was killed from outside (it may
    take a moment to become a zombie)."""
    deadline = time.monotonic() + 5
    while alive():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def reg(name):
    return int(gdb.parse_and_eval('$' + name)) & 0xffffffffffffffff


def set_reg(name, value):
    gdb.execute('set var $%s = %d' % (name, value & 0xffffffffffffffff
                                      if name != 'eflags' else value))


def syscall_insn():
    text = gdb.execute('x/12i getuid', to_string=True)
    for line in text.splitlines():
        if line.rstrip().endswith('syscall'):
            addr = line.split()[0] if not line.startswith('=>') \
                else line.split()[1]
            return int(addr.rstrip(':'), 16)
    raise RuntimeError('no syscall instruction in getuid:\n' + text)


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def one_call(insn, nr, args):
    gdb.execute('set var $pc = %d' % insn)
    set_reg('rax', nr)
    for r, a in zip(ARG_REGS, list(args) + [0] * (6 - len(args))):
        set_reg(r, a)
    try:
        gdb.execute('stepi', to_string=True)
    except gdb.error:
        if not dying():
            raise
        return None
    if not alive():
        return None
    return signed(reg('rax'))


def main():
    calls = json.loads(os.environ['TD_SYSCALLS'])
    insn = syscall_insn()
    saved = {r: reg(r) for r in REGS}
    saved_pc = reg('pc')
    saved_orig = reg('orig_rax')
    results = []
    scratch = None
    for k, c in enumerate(calls):
        mem = bytes.fromhex(c.get('mem', ''))
        if mem and scratch is None:
            scratch = one_call(insn, SYS_MMAP, [0, 4096, 3, 0x22,
                                                (1 << 64) - 1, 0])
            if scratch is None:
                print('DIED')
                return
            if scratch < 0:
                raise RuntimeError('mmap for the scratch page: %d' % scratch)
        if mem:
            mem = bytearray(mem)
            for at in c.get('ptrs', []):
                off = int.from_bytes(mem[at:at + 8], 'little')
                mem[at:at + 8] = (scratch + off).to_bytes(8, 'little')
            gdb.selected_inferior().write_memory(scratch, bytes(mem))
        args = []
        for a in c.get('args', []):
            if a == 'mem':
                args.append(scratch)
            elif isinstance(a, str) and a.startswith('r'):
                args.append(results[int(a[1:])] & 0xffffffffffffffff)
            else:
                args.append(a & 0xffffffffffffffff)
        r = one_call(insn, c['nr'], args)
        if r is None:
            print('DIED')
            return
        results.append(r)
        print('RESULT %d %d' % (k, r))
    gdb.execute('set var $pc = %d' % saved_pc)
    for r in REGS:
        set_reg(r, saved[r])
    set_reg('orig_rax', saved_orig)
    print('RESTORED')


try:
    main()
except gdb.error:
    # Killed from outside meanwhile (the monitor's SIGKILL).
    if not dying():
        raise
    print('DIED')
