"""Typing into a program's stdin from the console, for the program actors that start the program
with ``subprocess`` (a Python program, an untraced one)."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from typing import Any


class ConsoleStdin:
    """What is typed before the program starts waits and is written once it runs; ``b""`` closes
    its stdin (Ctrl-D). The actor sets ``proc`` with ``_stdin_lock`` held, then calls
    ``_write_early``."""

    proc: subprocess.Popen[bytes] | None
    spec: Any

    def _init_stdin(self) -> None:
        self._stdin_lock = threading.Lock()
        self._early: list[bytes] = []  # typed before the program started

    def _write_early(self) -> None:
        """With the stdin lock held, just after the start."""
        stdin = self.proc.stdin if self.proc is not None else None
        early, self._early = self._early, []
        with contextlib.suppress(OSError):
            for data in early:
                if stdin is None:
                    break
                if not data:
                    stdin.close()
                    break
                stdin.write(data)
                stdin.flush()

    def write_stdin(self, data: bytes) -> None:
        with self._stdin_lock:
            proc = self.proc
            if proc is None:
                self._early.append(data)  # before the start: written once it runs
                return
            if proc.stdin is None or proc.stdin.closed or proc.poll() is not None:
                raise ProcessLookupError(f"{self.spec.name} is not running")
            if not data:
                proc.stdin.close()
                return
            proc.stdin.write(data)
            proc.stdin.flush()
