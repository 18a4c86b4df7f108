"""Programs of the user's own, run and traced like a lesson's actors.

A run of programs is a :class:`~socketscope.engine.scenario.Scenario` whose actors are
programs (``ActorSpec.program`` is the command line). The Runner starts each with
:func:`start_program_actor`, the one factory that picks how:

- a Python program (``server.py``, ``python3 server.py``, ``python3 -m http.server``) runs in an
  interpreter of its own with the ``socket`` module traced from its first line
  (:mod:`.python`);
- any other executable runs under the C tracer (``socketscope.engine.programs.ctrace``, ptrace
  and seccomp), when this build has it; without it, untraced (:mod:`.untraced`), its lifeline
  saying so.

Each gives back an object with the :class:`ProgramActor` surface, which the Runner drives exactly
as it drives a process actor (:class:`~socketscope.engine.child.ProcessActor` has it too).

For the C tracer: ``ctrace.CProgramActor(runner, spec, index)`` with ``runner`` a
:class:`RunnerSide`, ``spec.program`` the argv ("{port}" already replaced), ``spec.cwd`` its
folder, ``index`` the run's child number (socket ids ``100000 * (index + 1) + n`` keep clear of
other processes'). Per traced call it does what a traced socket does: ``runner.emit`` a
``waiting`` event (paced runs), ``runner.gate.pass_through(actor, op)``, the ``call`` event, a
``blocked`` event with ``kernel_wait`` and ``runner.milestone(actor, op)`` when it sleeps, the
``return`` event and ``runner.milestone(actor, op, returned=True)``; TCP ends are paired with
``runner.pairing.connection(sock_id, local, peer, side)``; output goes to ``runner.output``.
The milestones are what start the next program (``--after ready``: blocked, or listen returned).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shlex
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from socketscope.engine.actor import RunnerSide as RunnerSide  # what a program actor may use
from socketscope.engine.scenario import ActorSpec, Scenario

C_UNAVAILABLE = "C programs: not available in this build"


class ProgramActor(Protocol):
    """What the Runner needs of a program (or process actor) it runs.

    ``run()`` is called once, on a thread of the Runner's own: it starts the program, relays
    everything it does into the run (``RunnerSide.emit``, the gate, milestones, output) and
    returns when the program has ended, or promptly (well within 100 ms) once
    ``RunnerSide.stopping`` is True, having ended the program: a run's Stop must not wait on a
    program. It writes the program's ``start`` event; ``ended`` is True once it has written the
    program's ``end`` event itself (else the Runner writes it).

    ``send_signal`` delivers a real signal (ProcessLookupError when it is not running);
    ``write_stdin`` types into its stdin (``b""`` closes it, as Ctrl-D at a terminal).
    """

    ended: bool

    def run(self) -> None: ...

    def send_signal(self, signum: int) -> None: ...

    def write_stdin(self, data: bytes) -> None: ...

    def wake(self) -> None:
        """The run is stopping (called on the stopping thread): end any wait of ``run()``'s
        at once rather than at its next look."""


# --- command lines ----------------------------------------------------------------------------
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")


class ProgramError(ValueError):
    """A program line that cannot be run, with a message that names it."""


def python_target(argv: Sequence[str]) -> tuple[str, str, list[str]] | None:
    """("script", path, args) or ("module", name, args) when ``argv`` runs Python code, else
    None. ``server.py a b`` and ``python3 -u server.py a b`` are scripts; ``python3 -m
    http.server 8000`` a module."""
    if not argv:
        return None
    if argv[0].endswith(".py"):
        return ("script", argv[0], list(argv[1:]))
    if not _PYTHON.match(os.path.basename(argv[0])):
        return None
    rest = list(argv[1:])
    while rest and rest[0].startswith("-") and rest[0] != "-m":
        rest.pop(0)  # -u, -B, -X ...: our interpreter runs it its own way
    if len(rest) >= 2 and rest[0] == "-m":
        return ("module", rest[1], rest[2:])
    if rest and rest[0].endswith(".py"):
        return ("script", rest[0], rest[1:])
    return None


def program_name(argv: Sequence[str]) -> str:
    """The lifeline's name: the script for Python (``server.py``), else the command as typed
    (``./client``, ``nc``); ``python3 -m http.server`` is ``http.server``."""
    py = python_target(argv)
    if py is not None:
        return os.path.basename(py[1]) if py[0] == "script" else py[1]
    return argv[0]


@dataclass(frozen=True)
class ProgramLine:
    """One program of a run, as the user gave it: its command line, the folder it runs in,
    and when it starts (``after``: "ready", "start", "end", an op, "NAME:op" or seconds)."""

    argv: tuple[str, ...]
    cwd: str
    after: str = "ready"

    @classmethod
    def parse(cls, text: str, cwd: str | None = None, after: str = "ready") -> ProgramLine:
        try:
            argv = tuple(shlex.split(text))
        except ValueError as e:
            raise ProgramError(f"--program {text!r}: {e}") from None
        if not argv:
            raise ProgramError("--program '': an empty command line")
        return cls(argv, cwd or os.getcwd(), after or "ready")

    def to_json(self) -> dict[str, Any]:
        return {"argv": list(self.argv), "cwd": self.cwd, "after": self.after}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ProgramLine:
        return cls(tuple(str(a) for a in d["argv"]), str(d["cwd"]), str(d.get("after", "ready")))


def _never_called() -> None:
    """A program actor's ``fn``: programs run no function of a scenario module."""


def _starts_when(after: str, previous: str | None, names: list[str], text: str) -> Any:
    """(starts_when, start_after) of a program from its ``after``."""
    if previous is None or after == "start":
        return None, None
    try:
        seconds = float(after)
    except ValueError:
        pass
    else:
        if not 0 <= seconds <= 3600:
            raise ProgramError(f"--after {after!r} for {text}: seconds must be 0 to 3600")
        return (previous, "start"), seconds
    who, op = previous, after
    if ":" in after:
        who, _, op = after.rpartition(":")
        if who not in names:
            raise ProgramError(
                f"--after {after!r} for {text}: no program called {who!r} before it "
                f"(programs: {', '.join(names) or 'none'})"
            )
    if op == "end":
        return (who, None), None
    if not re.fullmatch(r"[a-z_]+(/returned)?", op):
        raise ProgramError(
            f"--after {after!r} for {text}: say ready, start, end, seconds, a call such as "
            "accept or listen/returned, or NAME:call"
        )
    return (who, op), None


def _c_source(line: ProgramLine) -> dict[str, str] | None:
    """An executable built with -g: the C file holding its main() (else None)."""
    try:
        from .ctrace import c_source
    except ImportError:
        return None
    try:
        return c_source(line.argv, line.cwd)
    except Exception:  # noqa: BLE001 -- no source to show is not a reason to refuse the run
        return None


def program_scenario(lines: Sequence[ProgramLine]) -> Scenario:
    """A run of programs: one actor per program, in order, each starting when the one before it
    is ready (blocked in a call, or listening) unless its ``after`` says otherwise."""
    if not lines:
        raise ProgramError("no program to run")
    actors: list[ActorSpec] = []
    names: list[str] = []
    sources: dict[str, dict[str, str]] = {}
    for line in lines:
        base = program_name(line.argv)
        name, n = base, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        text = shlex.join(line.argv)
        when, after = _starts_when(line.after, names[-1] if names else None, names, text)
        actors.append(
            ActorSpec(name, _never_called, when, program=line.argv, cwd=line.cwd, start_after=after)
        )
        py = python_target(line.argv)
        if py is not None and py[0] == "script":
            path = Path(line.cwd, py[1])
            with contextlib.suppress(OSError, UnicodeDecodeError):
                sources[name] = {"path": str(path), "source": path.read_text(encoding="utf-8")}
        elif py is None:
            c = _c_source(line)
            if c is not None:
                sources[name] = c
        names.append(name)
    first = next(iter(sources.values()), {"path": "", "source": ""})
    title = " + ".join(names)
    return Scenario(
        id="programs",
        title={"en": title, "ko": title},
        summary={"en": "Your programs, traced", "ko": "내 프로그램을 추적합니다"},
        actors=tuple(actors),
        source_path=first["path"],
        source=first["source"],
        sources=sources,
        programs=tuple(lines),
    )


def start_program_actor(
    runner: Any, spec: ActorSpec, index: int, kwargs: dict[str, Any]
) -> ProgramActor:
    """The actor object that runs ``spec`` (a process actor or a program) for ``runner``.

    ``index`` numbers the run's child processes (each gets its own range of socket ids). Raises
    :class:`ProgramError` with a message for people when the program cannot be run at all."""
    if spec.program is None:
        from socketscope.engine.child import ProcessActor

        return ProcessActor(runner, spec, index, kwargs)
    # "{port}" in a command line is the run's own free port (a lesson's programs use it)
    port = str(getattr(runner, "port", "") or "")
    argv = tuple(a.replace("{port}", port) for a in spec.program) if port else spec.program
    spec = dataclasses.replace(spec, program=argv)
    if python_target(argv) is not None:
        from socketscope.engine.programs.python import PythonProgramActor

        return PythonProgramActor(runner, spec, index)
    exe = argv[0]
    found = shutil.which(exe, path=None) if "/" not in exe and not exe.endswith(".c") else exe
    if found is None or not Path(spec.cwd or ".", found).exists():
        raise ProgramError(f"{exe}: no such program (not installed, or not in this folder)")
    try:
        from socketscope.engine.programs.ctrace import (  # type: ignore[import-not-found,unused-ignore]
            CProgramActor,
        )
    except ImportError:
        # the program still runs, for what it does to the traced ones; its lifeline says why
        # its own calls are not shown
        from socketscope.engine.programs.untraced import UntracedProgramActor

        return UntracedProgramActor(runner, spec, argv, C_UNAVAILABLE)
    actor: ProgramActor = CProgramActor(runner, spec, index)
    return actor
