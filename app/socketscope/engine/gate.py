"""StepGate: where every actor stops before each socket call, so a person can pace the run.

Modes:
  run   -- calls go through one after another, ``delay`` seconds apart (0 = free-running: no
           waiting at all, actors run concurrently as fast as the machine allows);
  step  -- nothing goes through until ``step()`` releases exactly one waiting call;
  pause -- nothing goes through.

The gate also knows what each actor is doing (waiting, running, blocked in a call, finished), so a
step aimed at a blocked actor can say why it cannot move instead of silently doing nothing.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Mode(str, enum.Enum):
    RUN = "run"
    STEP = "step"
    PAUSE = "pause"


class ActorStopped(BaseException):
    """Raised inside an actor when the run is stopped.

    A BaseException so that a scenario's ``except Exception`` cannot swallow a stop.
    """


class Status(str, enum.Enum):
    NOT_STARTED = "not started"
    WAITING = "waiting"
    RUNNING = "running"
    BLOCKED = "blocked"
    FINISHED = "finished"


@dataclass(frozen=True)
class Waiting:
    actor: str
    op: str
    ticket: int  # arrival order at the gate: smaller = waiting longer


@dataclass(frozen=True)
class StepResult:
    released: str | None  # the actor whose call was let through, or None
    reason: str = ""  # when nothing was released: why, in plain English (the terminal's words)
    # the same reason as a code and its parameters, for the window to translate (ui/)
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def refusal(code: str, **params: Any) -> StepResult:
    """A step that released nothing, with its reason in English and as (code, params)."""
    return StepResult(None, refusal_text(code, params), code, params)


def refusal_text(code: str, params: dict[str, Any]) -> str:
    """The English sentence of a refusal code (the window translates the code instead)."""
    p = params
    if code == "STOPPED":
        return "The run has stopped."
    if code == "BLOCKED":
        return (
            f"{p['actor']} is blocked in {p['op']}(): it cannot move until another actor's call "
            "wakes it."
        )
    if code == "FINISHED":
        return f"{p['actor']} has finished."
    if code == "NOT_STARTED":
        return f"{p['actor']} has not started yet."
    if code == "STARTS_WHEN":
        return f"{p['actor']} starts when {p['other']} reaches {p['op']}()."
    if code == "STARTS_AFTER":
        return f"{p['actor']} starts when {p['other']} has returned from {p['op']}()."
    if code == "STARTS_AT_END":
        return f"{p['actor']} starts when {p['other']} has finished."
    if code == "RUNNING":
        return f"{p['actor']} is still running {p['op']}()."
    if code == "RELEASED":
        return f"{p['actor']}'s next call is already released."
    if code == "NOBODY_WAITING":
        return "No actor is waiting to make a call."
    if code == "NOBODY_AT_GATE":
        parts = [f"{a} is {s} in {op}()" for a, s, op in p["busy"]]
        return "No actor is waiting at its gate: " + "; ".join(parts) + "."
    return code


class StepGate:
    def __init__(self, mode: Mode = Mode.RUN, delay: float = 0.0) -> None:
        self._cond = threading.Condition()
        self._mode = Mode(mode)
        self._delay = max(0.0, float(delay))
        self._stopped = False
        self._waiting: dict[str, Waiting] = {}
        self._grants: set[str] = set()
        self._ticket = 0
        self._next_release = 0.0
        self._status: dict[str, tuple[Status, str | None]] = {}
        # what a not-yet-started actor waits for (ActorSpec.starts_when), to say so on a step
        self.starts_when: dict[str, tuple[str, str | None]] = {}
        # called after every change (mode, status, waiting, grants), with the lock held: it must
        # only hand the news on (a run host queues it for its client), never call back in here
        self.on_change: Callable[[], None] | None = None

    def _notify(self) -> None:
        self._cond.notify_all()
        if self.on_change is not None:
            self.on_change()

    def wait_change(self, timeout: float) -> None:
        """Block until the gate's state next changes (a call arrives, is let through, blocks,
        returns, an actor ends) or ``timeout`` passes: for whoever watches a run from outside."""
        with self._cond:
            self._cond.wait(timeout)

    # --- state read by anyone ---------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def delay(self) -> float:
        return self._delay

    @property
    def free_running(self) -> bool:
        """True when calls need not wait at all (run mode, no delay)."""
        return self._mode is Mode.RUN and self._delay == 0.0

    @property
    def stopped(self) -> bool:
        return self._stopped

    def waiting(self) -> list[Waiting]:
        with self._cond:
            return sorted(self._waiting.values(), key=lambda w: w.ticket)

    def status(self, actor: str) -> tuple[Status, str | None]:
        with self._cond:
            return self._status.get(actor, (Status.NOT_STARTED, None))

    def settled(self) -> bool:
        """No released call is still on its way and no actor is running: what a person sees
        now stays put until the next step (blocked actors wait for someone else)."""
        with self._cond:
            if self._grants:
                return False
            return not any(s is Status.RUNNING for s, _ in self._status.values())

    def snapshot(self) -> dict[str, Any]:
        """The gate's state as plain data (JSON-ready), for a run host to mirror to its client."""
        with self._cond:
            return {
                "mode": self._mode.value,
                "delay": self._delay,
                "stopped": self._stopped,
                "status": {a: [s.value, op] for a, (s, op) in self._status.items()},
                "waiting": [
                    [w.actor, w.op, w.ticket]
                    for w in sorted(self._waiting.values(), key=lambda w: w.ticket)
                ],
                "settled": not self._grants
                and not any(s is Status.RUNNING for s, _ in self._status.values()),
            }

    def set_status(self, actor: str, status: Status, op: str | None = None) -> None:
        with self._cond:
            self._status[actor] = (status, op)
            self._notify()

    # --- the actor's side ---------------------------------------------------------------------
    def pass_through(self, actor: str, op: str) -> None:
        """Block the calling actor until its call ``op`` may go ahead.

        Raises ActorStopped if the run is stopped meanwhile.
        """
        if self._stopped:
            raise ActorStopped
        if self.free_running:
            return
        with self._cond:
            self._ticket += 1
            self._waiting[actor] = Waiting(actor, op, self._ticket)
            self._status[actor] = (Status.WAITING, op)
            self._notify()
            try:
                while True:
                    if self._stopped:
                        raise ActorStopped
                    if actor in self._grants:
                        self._grants.discard(actor)
                        break
                    if self._mode is Mode.RUN:
                        if self._delay == 0.0:
                            break
                        if self._is_head(actor):
                            now = time.monotonic()
                            if now >= self._next_release:
                                self._next_release = now + self._delay
                                break
                            self._cond.wait(self._next_release - now)
                            continue
                    self._cond.wait()
            finally:
                self._waiting.pop(actor, None)
                self._notify()
            self._status[actor] = (Status.RUNNING, op)

    def _is_head(self, actor: str) -> bool:
        first = min(self._waiting.values(), key=lambda w: w.ticket)
        return first.actor == actor

    # --- the controller's side (GUI, CLI, tests); never blocks -------------------------------
    def set_mode(self, mode: Mode | str, delay: float | None = None) -> None:
        with self._cond:
            self._mode = Mode(mode)
            if delay is not None:
                self._delay = max(0.0, float(delay))
            self._next_release = time.monotonic() + (self._delay if self._mode is Mode.RUN else 0)
            self._notify()

    def set_delay(self, delay: float) -> None:
        with self._cond:
            self._delay = max(0.0, float(delay))
            self._next_release = min(self._next_release, time.monotonic() + self._delay)
            self._notify()

    def step(self, actor: str | None = None) -> StepResult:
        """Let exactly one waiting call through: the longest-waiting actor's, or ``actor``'s."""
        with self._cond:
            if self._stopped:
                return refusal("STOPPED")
            candidates = [w for w in self._waiting.values() if w.actor not in self._grants]
            if actor is None:
                if not candidates:
                    return self._nobody_waiting_reason()
                chosen = min(candidates, key=lambda w: w.ticket).actor
            else:
                if actor not in {w.actor for w in candidates}:
                    return self._cannot_move_reason(actor)
                chosen = actor
            self._grants.add(chosen)
            self._notify()
            return StepResult(chosen)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._notify()

    def _cannot_move_reason(self, actor: str) -> StepResult:
        status, op = self._status.get(actor, (Status.NOT_STARTED, None))
        if status is Status.BLOCKED:
            return refusal("BLOCKED", actor=actor, op=op)
        if status is Status.FINISHED:
            return refusal("FINISHED", actor=actor)
        if status is Status.NOT_STARTED:
            when = self.starts_when.get(actor)
            if when is None:
                return refusal("NOT_STARTED", actor=actor)
            other, what = when
            if what is None:
                return refusal("STARTS_AT_END", actor=actor, other=other)
            if what.endswith("/returned"):
                return refusal(
                    "STARTS_AFTER", actor=actor, other=other, op=what[: -len("/returned")]
                )
            return refusal("STARTS_WHEN", actor=actor, other=other, op=what)
        if status is Status.RUNNING:
            return refusal("RUNNING", actor=actor, op=op)
        return refusal("RELEASED", actor=actor)

    def _nobody_waiting_reason(self) -> StepResult:
        busy = [
            [a, s.value, op]
            for a, (s, op) in self._status.items()
            if s in (Status.BLOCKED, Status.RUNNING)
        ]
        if not busy:
            return refusal("NOBODY_WAITING")
        return refusal("NOBODY_AT_GATE", busy=busy)
