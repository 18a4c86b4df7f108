"""The Linux ptrace and seccomp interface, in ctypes: just what the C program tracer needs.

Numbers and layouts come from the kernel's UAPI headers (linux/ptrace.h, linux/seccomp.h,
linux/filter.h, linux/audit.h, asm/unistd_64.h). x86_64 only: other architectures get a clear
"not available on this system" from :func:`supported`, and the tracer refuses before it forks.
No GPL code: python-ptrace is not used (see shared/PROGRAMS.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import struct

# --- ptrace requests (linux/ptrace.h) ------------------------------------------------------------
PTRACE_TRACEME = 0
PTRACE_PEEKUSER = 3
PTRACE_POKEUSER = 6
PTRACE_CONT = 7
PTRACE_KILL = 8
PTRACE_SYSCALL = 24
PTRACE_SETOPTIONS = 0x4200
PTRACE_GETEVENTMSG = 0x4201
PTRACE_GET_SYSCALL_INFO = 0x420E

PTRACE_O_TRACESYSGOOD = 0x01
PTRACE_O_TRACEFORK = 0x02
PTRACE_O_TRACEVFORK = 0x04
PTRACE_O_TRACECLONE = 0x08
PTRACE_O_TRACEEXEC = 0x10
PTRACE_O_TRACESECCOMP = 0x80
PTRACE_O_EXITKILL = 0x100000

PTRACE_EVENT_FORK = 1
PTRACE_EVENT_VFORK = 2
PTRACE_EVENT_CLONE = 3
PTRACE_EVENT_EXEC = 4
PTRACE_EVENT_SECCOMP = 7
PTRACE_EVENT_STOP = 128

SYSCALL_INFO_SECCOMP = 3
SYSCALL_INFO_EXIT = 2

OPTIONS = (
    PTRACE_O_TRACESECCOMP
    | PTRACE_O_TRACESYSGOOD
    | PTRACE_O_EXITKILL
    | PTRACE_O_TRACEEXEC
    | PTRACE_O_TRACEFORK
    | PTRACE_O_TRACECLONE
    | PTRACE_O_TRACEVFORK
)

# --- seccomp (linux/seccomp.h, linux/filter.h, linux/audit.h) ------------------------------------
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_TRACE = 0x7FF00000
AUDIT_ARCH_X86_64 = 0xC000003E
BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
BPF_RET_K = 0x06  # BPF_RET | BPF_K
NR_SECCOMP = 317
NR_PIDFD_OPEN = 434
NR_PIDFD_GETFD = 438
WALL = 0x40000000
WNOTHREAD = 0x20000000  # wait for the calling thread's own children and tracees only

# x86_64 user_regs_struct (sys/user.h): byte offsets used with PTRACE_POKEUSER
REG_RAX = 80
REG_ORIG_RAX = 120

# --- the system calls the tracer stops at (asm/unistd_64.h) --------------------------------------
SYSCALLS: dict[int, str] = {
    0: "read",
    1: "write",
    3: "close",
    7: "poll",
    19: "readv",
    20: "writev",
    23: "select",
    41: "socket",
    42: "connect",
    43: "accept",
    44: "sendto",
    45: "recvfrom",
    46: "sendmsg",
    47: "recvmsg",
    48: "shutdown",
    49: "bind",
    50: "listen",
    54: "setsockopt",
    55: "getsockopt",
    56: "clone",
    72: "fcntl",
    57: "fork",
    58: "vfork",
    213: "epoll_create",
    232: "epoll_wait",
    233: "epoll_ctl",
    270: "pselect6",
    271: "ppoll",
    281: "epoll_pwait",
    288: "accept4",
    291: "epoll_create1",
    435: "clone3",
    441: "epoll_pwait2",
}
# every system call's name, for what /proc/<tid>/syscall reports while a thread sleeps
ALL_NAMES: dict[int, str] = {
    **SYSCALLS,
    202: "futex",
    61: "wait4",
    35: "nanosleep",
    230: "clock_nanosleep",
}


def supported() -> str | None:
    """None when this tracer can run here, else why not (in English; the caller translates)."""
    if platform.system() != "Linux":
        return "tracing C programs needs Linux (ptrace and seccomp)"
    if platform.machine() != "x86_64":
        return f"tracing C programs is not available on {platform.machine()} yet (x86_64 only)"
    return None


_LIBC_NAME = ctypes.util.find_library("c") or "libc.so.6"
_libc = ctypes.CDLL(_LIBC_NAME, use_errno=True)
# The tracer's own requests (ptrace, pidfd_getfd) never sleep: they are made through a PyDLL
# handle, which keeps the GIL. Through CDLL every one of them gave the GIL away and then waited
# to get it back from the event reader and the window's threads: two thirds of a traced call's
# cost (bench/ctrace.py, cProfile). A tracee's own calls never go through these.
_quick = ctypes.PyDLL(_LIBC_NAME, use_errno=True)
_ptrace = _quick.ptrace
_ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
_ptrace.restype = ctypes.c_long
_syscall = _quick.syscall
_syscall.restype = ctypes.c_long
_prctl = _libc.prctl
_prctl.restype = ctypes.c_int


def ptrace(request: int, pid: int, addr: int = 0, data: int = 0) -> int:
    ctypes.set_errno(0)
    r = int(_ptrace(request, pid, ctypes.c_void_p(addr), ctypes.c_void_p(data)))
    if r == -1:
        e = ctypes.get_errno()
        if e:
            raise OSError(e, os.strerror(e))
    return r


class SyscallInfo(ctypes.Structure):
    """struct ptrace_syscall_info, with the union read as raw words."""

    _fields_ = [
        ("op", ctypes.c_uint8),
        ("pad", ctypes.c_uint8 * 3),
        ("arch", ctypes.c_uint32),
        ("instruction_pointer", ctypes.c_uint64),
        ("stack_pointer", ctypes.c_uint64),
        ("u", ctypes.c_uint64 * 8),
    ]


def syscall_info(pid: int) -> SyscallInfo:
    info = SyscallInfo()
    ptrace(PTRACE_GET_SYSCALL_INFO, pid, ctypes.sizeof(info), ctypes.addressof(info))
    return info


def entry_args(info: SyscallInfo) -> tuple[int, list[int]]:
    """(nr, args) of a seccomp stop."""
    return int(info.u[0]), [int(info.u[i]) for i in range(1, 7)]


def exit_result(info: SyscallInfo) -> tuple[int, bool]:
    """(rval, is_error) of a syscall-exit stop: rval is -errno when is_error."""
    rval = struct.unpack("q", struct.pack("Q", int(info.u[0])))[0]
    return rval, bool(int(info.u[1]) & 0xFF)


def event_msg(pid: int) -> int:
    msg = ctypes.c_ulong(0)
    ptrace(PTRACE_GETEVENTMSG, pid, 0, ctypes.addressof(msg))
    return int(msg.value)


def skip_syscall(pid: int, err: int) -> None:
    """At a seccomp stop: do not make the call; it returns -err (seccomp(2), SECCOMP_RET_TRACE:
    "the tracer can skip the system call by changing the system call number to -1")."""
    ptrace(PTRACE_POKEUSER, pid, REG_ORIG_RAX, ctypes.c_ulong(-1 & 0xFFFFFFFFFFFFFFFF).value)
    ptrace(PTRACE_POKEUSER, pid, REG_RAX, ctypes.c_ulong(-err & 0xFFFFFFFFFFFFFFFF).value)


# --- the filter: SECCOMP_RET_TRACE for the socket calls, ALLOW for everything else ---------------
class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def build_filter(numbers: list[int]) -> tuple[_SockFprog, ctypes.Array[_SockFilter]]:
    """The BPF program. Another architecture's calls (x32, i386 through int 0x80) are let through
    untraced: the tracer would misread their numbers. The traced numbers are tested as a binary
    search (about five comparisons), so an untraced call such as getppid() costs little more
    than without the filter; a linear list of 33 tests cost it 2x (bench/ctrace.py)."""
    nums = sorted(set(numbers))
    body: list[tuple[int, int, int, int]] = []

    # Each node is emitted so that its "false" branch falls through to the next instruction
    # (jf = 0) and the "true" branch jumps forward: (code, jt, jf, k) with offsets fixed later.
    # Built recursively: returns a list of instructions whose jumps are relative to themselves,
    # ending in RET ALLOW/TRACE leaves.
    def tree(lo: int, hi: int) -> list[tuple[int, int, int, int]]:
        if lo >= hi:
            return [(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)]
        if hi - lo <= 3:
            out: list[tuple[int, int, int, int]] = []
            n = hi - lo
            for i in range(n):
                # equal: jump over the remaining tests and the ALLOW to the TRACE
                out.append((BPF_JEQ_K, n - i, 0, nums[lo + i]))
            out.append((BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))
            out.append((BPF_RET_K, 0, 0, SECCOMP_RET_TRACE))
            return out
        mid = (lo + hi) // 2
        left = tree(lo, mid)  # nr < nums[mid]
        right = tree(mid, hi)  # nr >= nums[mid]
        # JGE nums[mid]: true -> right (after left), false -> left (next)
        if len(left) > 255:
            raise ValueError("seccomp filter too large")
        return [(BPF_JGE_K, len(left), 0, nums[mid]), *left, *right]

    body = tree(0, len(nums))
    prog: list[tuple[int, int, int, int]] = [
        (BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        *body,
    ]
    arr = (_SockFilter * len(prog))(*[_SockFilter(*p) for p in prog])
    return _SockFprog(len(prog), arr), arr


def filter_decides(numbers: list[int], nr: int, arch: int = AUDIT_ARCH_X86_64) -> int:
    """Run the filter :func:`build_filter` makes on one call, in Python (for the tests)."""
    _fprog, arr = build_filter(numbers)
    pc, acc = 0, 0
    while True:
        ins = arr[pc]
        if ins.code == BPF_LD_W_ABS:
            acc = arch if ins.k == 4 else nr
            pc += 1
        elif ins.code == BPF_JEQ_K:
            pc += 1 + (ins.jt if acc == ins.k else ins.jf)
        elif ins.code == BPF_JGE_K:
            pc += 1 + (ins.jt if acc >= ins.k else ins.jf)
        else:
            return int(ins.k)


# how the child tells the tracer what refused it before exec (its exit status)
EXIT_TRACEME_EPERM = 120
EXIT_NO_NEW_PRIVS = 121
EXIT_SECCOMP = 122
EXIT_TRACEME_FAILED = 123


def traceme_and_filter_child(prog: _SockFprog) -> None:
    """In the forked child, before execv: become traceable, stop so the tracer can set its
    options, then install the filter. Runs between fork and exec: no allocation, no locks."""
    if _ptrace(PTRACE_TRACEME, 0, None, None) != 0:
        os._exit(EXIT_TRACEME_EPERM if ctypes.get_errno() == 1 else EXIT_TRACEME_FAILED)
    os.kill(os.getpid(), 19)  # SIGSTOP: the tracer sets its options meanwhile
    if _prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        os._exit(EXIT_NO_NEW_PRIVS)
    if _syscall(NR_SECCOMP, SECCOMP_SET_MODE_FILTER, 0, ctypes.byref(prog)) != 0:
        os._exit(EXIT_SECCOMP)


def pidfd_open(pid: int) -> int:
    ctypes.set_errno(0)
    r = int(_syscall(NR_PIDFD_OPEN, pid, 0))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def pidfd_getfd(pidfd: int, fd: int) -> int:
    """A duplicate of the tracee's fd in this process (needs ptrace rights over it: we trace it)."""
    ctypes.set_errno(0)
    r = int(_syscall(NR_PIDFD_GETFD, pidfd, fd, 0))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


# --- the tracer's quick looks, through the GIL-keeping handle (see _quick above) ---------------
_pread = _quick.pread
_pread.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long]
_pread.restype = ctypes.c_ssize_t
_close = _quick.close
_close.argtypes = [ctypes.c_int]
_getsockopt = _quick.getsockopt
_getsockopt.argtypes = [
    ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)
]  # fmt: skip
_ioctl = _quick.ioctl
_ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]


def pread(fd: int, n: int, offset: int) -> bytes:
    """Up to ``n`` bytes of a tracee's memory (its /proc/PID/mem open as ``fd``); b"" when
    that memory cannot be read."""
    buf = ctypes.create_string_buffer(n)
    got = int(_pread(fd, buf, n, offset))
    return buf.raw[:got] if got > 0 else b""


def close(fd: int) -> None:
    _close(fd)


def sockopt_int(fd: int, level: int, opt: int) -> int | None:
    val = ctypes.c_int(0)
    ln = ctypes.c_uint32(ctypes.sizeof(val))
    if _getsockopt(fd, level, opt, ctypes.byref(val), ctypes.byref(ln)) != 0:
        return None
    return int(val.value)


def sockopt_bytes(fd: int, level: int, opt: int, n: int) -> bytes:
    buf = ctypes.create_string_buffer(n)
    ln = ctypes.c_uint32(n)
    if _getsockopt(fd, level, opt, buf, ctypes.byref(ln)) != 0:
        return b""
    return buf.raw[: ln.value]


def ioctl_int(fd: int, request: int | None) -> int | None:
    if request is None:
        return None
    val = ctypes.c_int(0)
    if _ioctl(fd, request, ctypes.byref(val)) != 0:
        return None
    return int(val.value)
