"""An executable run without its calls traced: what a build without the C tracer can do.

Its lifeline says so (``C programs: not available in this build``), its output reaches its
console and its stdin is writable, and whatever it does to a traced program is seen from that
program's side (the bytes a traced server receives from curl are on the diagram). It is a
:class:`~socketscope.engine.programs.ProgramActor` like any other."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import threading
from typing import TYPE_CHECKING

from socketscope.engine.gate import Status
from socketscope.engine.programs.stdin import ConsoleStdin

if TYPE_CHECKING:
    from socketscope.engine.actor import RunnerSide
    from socketscope.engine.scenario import ActorSpec


class UntracedProgramActor(ConsoleStdin):
    def __init__(
        self, runner: RunnerSide, spec: ActorSpec, argv: tuple[str, ...], why: str
    ) -> None:
        self.runner = runner
        self.spec = spec
        self.argv = argv
        self.why = why
        self.ended = False
        self.proc: subprocess.Popen[bytes] | None = None
        self._init_stdin()

    def send_signal(self, signum: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise ProcessLookupError(f"{self.spec.name} is not running")
        os.kill(self.proc.pid, signum)

    def wake(self) -> None:
        """Nothing to wake: run() looks at the runner's stopping flag within its own ticks."""

    def run(self) -> None:
        runner, name = self.runner, self.spec.name
        with self._stdin_lock:  # what was typed before the start goes first
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.spec.cwd or None,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            self._write_early()
        runner.gate.set_status(name, Status.RUNNING)
        runner.emit(
            name,
            "start",
            message=f"{shlex.join(self.argv)} (process {self.proc.pid}), not traced: {self.why}",
            code="program_untraced",
            params={"program": name, "pid": self.proc.pid, "why": self.why},
        )
        pumps = [
            threading.Thread(target=self._pump, args=(s, p), daemon=True, name=f"socketscope-{s}")
            for s, p in (("stdout", self.proc.stdout), ("stderr", self.proc.stderr))
        ]
        for th in pumps:
            th.start()
        while self.proc.poll() is None:
            if runner.stopping:
                self.proc.kill()
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(0.05)
        code = self.proc.wait()
        for th in pumps:
            th.join(1.0)
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        if not runner.stopping:
            runner.emit(
                name,
                "kernel",
                op="exit",
                message=f"{name} exited with status {code}",
                code="program_exited",
                params={"program": name, "status": code},
            )

    def _pump(self, stream: str, pipe: object) -> None:
        fd = pipe.fileno()  # type: ignore[attr-defined]
        try:
            while chunk := os.read(fd, 65536):
                self.runner.output(self.spec.name, stream, chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[attr-defined]
