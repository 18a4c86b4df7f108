"""The trace: a header and the ordered events of one run; JSON Lines on disk.

Everything on screen is a function of (trace, cursor), so the trace is the one source of truth:
live runs append to it, a saved trace replays with no sockets, exports and tests read it.
The format is documented in docs/trace-format.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .events import Event

FORMAT = "socketscope-trace"
VERSION = 1


class TraceError(Exception):
    """A trace file that cannot be read; the message names the file and line."""


@dataclass
class Trace:
    header: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    def append(self, ev: Event) -> None:
        self.events.append(ev)

    def extend(self, evs: Iterable[Event]) -> None:
        self.events.extend(evs)

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    # --- queries tests and views share ----------------------------------------------------------
    def of(
        self, kind: str | None = None, op: str | None = None, actor: str | None = None
    ) -> list[Event]:
        return [
            e
            for e in self.events
            if (kind is None or e.kind == kind)
            and (op is None or e.op == op)
            and (actor is None or e.actor == actor)
        ]

    def first(self, kind: str, op: str | None = None, actor: str | None = None) -> Event:
        for e in self.events:
            if (
                e.kind == kind
                and (op is None or e.op == op)
                and (actor is None or e.actor == actor)
            ):
                return e
        raise LookupError(f"no {kind} event for op={op} actor={actor}")

    def returns(self) -> list[Event]:
        return self.of("return")

    def header_line(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, **self.header}


def write_trace(trace: Trace, out: IO[str]) -> None:
    out.write(json.dumps(trace.header_line(), ensure_ascii=False) + "\n")
    for ev in trace.events:
        out.write(json.dumps(ev.to_json(), ensure_ascii=False) + "\n")


def read_trace(path: str | Path) -> Trace:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TraceError(f"{p}: not a SocketScope trace (not a text file)") from None
    except OSError as e:
        raise TraceError(f"{p}: cannot read: {e.strerror or e}") from None
    lines = text.splitlines()
    if not lines:
        raise TraceError(f"{p}: empty file, not a SocketScope trace")
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError as e:
        raise TraceError(f"{p}:1: not a SocketScope trace (bad JSON: {e.msg})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TraceError(f'{p}:1: not a SocketScope trace (no "format": "{FORMAT}" header)')
    if header.get("version") != VERSION:
        raise TraceError(
            f"{p}:1: trace version {header.get('version')!r} is not supported (expected {VERSION})"
        )
    header = {k: v for k, v in header.items() if k not in ("format", "version")}
    trace = Trace(header)
    last_seq = 0
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            ev = Event.from_json(d)
        except (json.JSONDecodeError, TypeError, ValueError) as e:
            raise TraceError(f"{p}:{n}: broken event: {e}") from None
        if not isinstance(ev.seq, int) or ev.seq <= last_seq:
            raise TraceError(f"{p}:{n}: event seq {ev.seq!r} does not increase")
        last_seq = ev.seq
        trace.append(ev)
    return trace
