"""Where the step-by-step C tracer cannot run: why, in words a person can act on, and whether
strace (the fallback, calls shown as they end, no stepping) can run instead.

The causes are measured, not guessed: the errno of the refused request, Yama's
``/proc/sys/kernel/yama/ptrace_scope``, and the ``Seccomp:`` line of ``/proc/self/status``.
Only the link between them is inferred (a seccomp filter on this process and an EPERM from
ptrace: the filter is the likely cause), and the sentence says so.

What containers do (checked against the profiles themselves): Docker's default seccomp profile
(moby/profiles, seccomp/default.json) answers every system call it does not list with EPERM and
lists ``ptrace`` only from Linux 4.8 on, so on older kernels, or under a stricter profile, ptrace
fails exactly as the test in tests/test_ctrace.py makes it fail. strace needs ptrace too: where
ptrace is refused it fails the same way, and the right answer is a clear refusal, never a run
that shows nothing.
"""

from __future__ import annotations

import errno as _errno
import os
import subprocess
from typing import Any


class PtraceForbidden(OSError):
    """This system does not let a process trace its own child. ``cause`` is a code the window
    translates (model/messages.py, ``trace_cause``); ``params`` go with it; the English
    sentence is ``strerror``."""

    def __init__(self, err: int, text: str, cause: str = "other", **params: Any) -> None:
        super().__init__(err, text)
        self.cause = cause
        self.params = params


def yama_scope() -> int | None:
    """Yama's ptrace_scope (0..3), or None on a kernel without Yama."""
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope", encoding="ascii") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def under_seccomp_filter() -> bool:
    """Whether this process runs under a seccomp filter (``Seccomp: 2``), as a container's
    processes do. A filter cannot be read back without privileges: only its presence is known."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for row in f:
                if row.startswith("Seccomp:"):
                    return row.split()[1] == "2"
    except (OSError, IndexError):
        pass
    return False


def refused(err: int, request: str) -> PtraceForbidden:
    """ptrace ``request`` failed with ``err``: the exception, with its cause named."""
    what = f"{request}: {os.strerror(err)}"
    scope = yama_scope()
    if err == _errno.EPERM and scope is not None and scope >= 2:
        return PtraceForbidden(
            err,
            f"ptrace is refused by Yama (kernel.yama.ptrace_scope = {scope}; {what})",
            "yama",
            scope=scope,
            error=what,
        )
    if err == _errno.EPERM and under_seccomp_filter():
        return PtraceForbidden(
            err,
            f"ptrace is refused here ({what}); this process runs under a seccomp filter, as "
            "in a container: inferred to be the cause",
            "seccomp_filter",
            error=what,
        )
    return PtraceForbidden(err, f"ptrace is refused here ({what})", "ptrace_refused", error=what)


def strace_refusal(strace: str) -> str | None:
    """Can strace trace here? It is asked to trace itself printing its version (no program of
    the user's runs twice): None when it can, else its own first complaint, verbatim."""
    try:
        r = subprocess.run(
            [strace, "-qq", "-o", os.devnull, "--", strace, "-V"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as e:
        return f"{strace}: {e}"
    if r.returncode == 0:
        return None
    lines = r.stderr.decode(errors="replace").strip().splitlines()
    # strace first says what it tried (its capability probe), then what failed for real
    for key in ("ptrace(", "PTRACE_"):
        for row in lines:
            if key in row:
                return row.strip()
    return lines[0].strip() if lines else f"strace exited with status {r.returncode}"
