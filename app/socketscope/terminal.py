"""The terminal view: a readable, strace-like log of a run, one line per call.

[Server] accept(3, {AF_INET, 127.0.0.1:51234}, 16) blocked 0.41 s = 4
"""

from __future__ import annotations

from collections.abc import Iterator

from socketscope.cform import c_args, c_result
from socketscope.engine.events import Event
from socketscope.model.labels import duration

_RESET, _AMBER, _RED, _DIM, _BLUE = "\033[0m", "\033[33;1m", "\033[31;1m", "\033[2m", "\033[34m"


class LogFormatter:
    """Turns events (in order) into log lines. Keeps the open call of each actor."""

    def __init__(self, color: bool = False, width: int = 8) -> None:
        self.color = color
        self.width = width
        self._calls: dict[str, list[Event]] = {}  # per actor, innermost last (signal handlers)
        self._states: dict[int, str | None] = {}

    def _c(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def _tag(self, actor: str) -> str:
        return f"[{actor}]".ljust(self.width + 3)

    def feed(self, ev: Event) -> Iterator[str]:
        if ev.kind == "call":
            self._calls.setdefault(ev.actor, []).append(ev)
        elif ev.kind == "blocked":
            stack = self._calls.get(ev.actor)
            call = stack[-1] if stack else ev
            # Said at the moment it happens, so the log reads in the order things happened.
            yield f"{self._tag(ev.actor)}{c_args(call, None)} " + self._c(_AMBER, "... blocks")
        elif ev.kind == "return":
            stack = self._calls.get(ev.actor)
            call = stack.pop() if stack else ev
            text = c_args(call, ev)
            if ev.blocked:
                text += " " + self._c(_AMBER, f"blocked {duration(ev.duration or 0)}")
            result = c_result(ev)
            if ev.ok is False:
                result = self._c(_RED, result)
            yield f"{self._tag(ev.actor)}{text} {result}".rstrip()
        elif ev.kind == "burst":
            yield (
                f"{self._tag(ev.actor)}"
                + self._c(_BLUE, f"{ev.op}() x {ev.count}: {ev.nbytes} bytes")
                + f" in {duration(ev.duration or 0)}"
                + (self._c(_AMBER, f", {ev.blocked_count} blocked") if ev.blocked_count else "")
            )
        elif ev.kind == "kernel" and ev.sock is not None and ev.kernel is not None:
            state = ev.kernel.state
            before = self._states.get(ev.sock)
            self._states[ev.sock] = state
            if state is not None and state != before:
                arrow = f"{before} -> {state}" if before else state
                yield self._c(
                    _DIM, f"{'':{self.width + 3}}  socket #{ev.sock} (fd {ev.fd}): {arrow}"
                )
        elif ev.kind == "error":
            where = f" (line {ev.line})" if ev.line else ""
            yield self._tag(ev.actor) + self._c(_RED, f"!! {ev.message}{where}")
        elif ev.kind == "signal":
            yield self._tag(ev.actor) + self._c(_AMBER, f">> {ev.message}")
        elif ev.kind == "dgram_lost":
            yield self._tag(ev.actor) + self._c(
                _RED, f"datagram #{ev.dgram} was dropped by the kernel"
            )
