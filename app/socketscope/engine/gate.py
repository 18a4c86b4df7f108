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
from dataclasses import dataclass


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
    reason: str = ""  # when nothing was released: why, in plain words


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

    def set_status(self, actor: str, status: Status, op: str | None = None) -> None:
        with self._cond:
            self._status[actor] = (status, op)
            self._cond.notify_all()

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
            self._cond.notify_all()
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
                self._cond.notify_all()
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
            self._cond.notify_all()

    def set_delay(self, delay: float) -> None:
        with self._cond:
            self._delay = max(0.0, float(delay))
            self._next_release = min(self._next_release, time.monotonic() + self._delay)
            self._cond.notify_all()

    def step(self, actor: str | None = None) -> StepResult:
        """Let exactly one waiting call through: the longest-waiting actor's, or ``actor``'s."""
        with self._cond:
            if self._stopped:
                return StepResult(None, "The run has stopped.")
            candidates = [w for w in self._waiting.values() if w.actor not in self._grants]
            if actor is None:
                if not candidates:
                    return StepResult(None, self._nobody_waiting_reason())
                chosen = min(candidates, key=lambda w: w.ticket).actor
            else:
                if actor not in {w.actor for w in candidates}:
                    return StepResult(None, self._cannot_move_reason(actor))
                chosen = actor
            self._grants.add(chosen)
            self._cond.notify_all()
            return StepResult(chosen)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def _cannot_move_reason(self, actor: str) -> str:
        status, op = self._status.get(actor, (Status.NOT_STARTED, None))
        if status is Status.BLOCKED:
            return (
                f"{actor} is blocked in {op}(): it cannot move until another actor's call wakes it."
            )
        if status is Status.FINISHED:
            return f"{actor} has finished."
        if status is Status.NOT_STARTED:
            return f"{actor} has not started yet."
        if status is Status.RUNNING:
            return f"{actor} is still running {op}()."
        return f"{actor}'s next call is already released."

    def _nobody_waiting_reason(self) -> str:
        busy = [
            (a, s, op)
            for a, (s, op) in self._status.items()
            if s in (Status.BLOCKED, Status.RUNNING)
        ]
        if not busy:
            return "No actor is waiting to make a call."
        parts = [f"{a} is {s.value} in {op}()" for a, s, op in busy]
        return "No actor is waiting at its gate: " + "; ".join(parts) + "."
