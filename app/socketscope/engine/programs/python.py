"""A Python program of the user's own, unmodified, as an actor: the parent's side.

The program runs in an interpreter of its own (:mod:`.pyboot` sets it up: the ``socket`` module
traced from the first line, then the script). It talks to this side exactly as a process actor
does (engine/child.py): events, the step gate per thread, pairing, over an inherited socketpair.
Its stdout and stderr are pipes read here and handed to the Runner as console output; its stdin
is a pipe the console writes into.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socketscope.engine.child import CHILD_SOCK_BASE, ProcessActor

from . import python_target
from .stdin import ConsoleStdin

if TYPE_CHECKING:
    from socketscope.engine.scenario import ActorSpec

    from . import RunnerSide

# -P keeps the current directory off sys.path; pyboot puts the script's folder there itself,
# after the engine is imported, as `python3 script.py` would
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[2]); "
    "from socketscope.engine.programs.pyboot import program_main; "
    "raise SystemExit(program_main(int(sys.argv[1]), sys.argv[2]))"
)
PROGRAM_FLAG = "--socketscope-program"
_APP_ROOT = str(Path(__file__).resolve().parents[3])  # the folder holding socketscope/


def program_argv(fd: int) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, PROGRAM_FLAG, str(fd)]
    return [sys.executable, "-P", "-c", _BOOT, str(fd), _APP_ROOT]


class PythonProgramActor(ConsoleStdin, ProcessActor):
    """Runs one Python program: see the module's docstring."""

    def __init__(self, runner: RunnerSide, spec: ActorSpec, index: int) -> None:
        super().__init__(runner, spec, index, {})
        self._init_stdin()
        self._readers: list[threading.Thread] = []

    def _start(self, child_fd: int) -> dict[str, Any]:
        spec = self.spec
        assert spec.program is not None
        target = python_target(spec.program)
        assert target is not None
        kind, what, args = target
        cwd = spec.cwd or os.getcwd()
        if kind == "script" and not Path(cwd, what).is_file():
            raise FileNotFoundError(f"{what}: no such Python file in {cwd}")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
        with self._stdin_lock:  # what was typed before the start goes first
            self.proc = subprocess.Popen(
                program_argv(child_fd),
                pass_fds=(child_fd,),
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            self._write_early()
        for stream, pipe in (("stdout", self.proc.stdout), ("stderr", self.proc.stderr)):
            th = threading.Thread(
                target=self._pump,
                args=(stream, pipe),
                name=f"socketscope-{stream}-{spec.name}",
                daemon=True,
            )
            th.start()
            self._readers.append(th)
        return {
            "t": "run",
            "actor": spec.name,
            "kind": kind,
            "target": what,
            "args": args,
            "sock_base": CHILD_SOCK_BASE * (self.index + 1),
            "data_cap": self.runner.options.data_cap,
            "free": self.runner.gate.free_running,
            "t0": self.runner.t0,
        }

    def _pump(self, stream: str, pipe: Any) -> None:
        """The program's output as it comes: whatever it printed so far, in chunks."""
        fd = pipe.fileno()
        try:
            while chunk := os.read(fd, 65536):
                self.runner.output(self.spec.name, stream, chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                pipe.close()

    def _reap(self) -> None:
        super()._reap()
        for th in self._readers:  # the last output is handed on before the program's end
            th.join(1.0)
        proc = self.proc
        if proc is not None and proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
