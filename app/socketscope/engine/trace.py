"""The trace: a header and the ordered events of one run; JSON Lines on disk.

Everything on screen is a function of (trace, cursor), so the trace is the one source of truth:
live runs append to it, a saved trace replays with no sockets, exports and tests read it.
The format is documented in docs/trace-format.md.
"""

from __future__ import annotations

import functools
import json
import math
import re
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


def _plain(o: object) -> object:
    """A value JSON has no type for, written as data rather than refused: the run already
    happened, and its trace must be written whatever a program passed to a call."""
    if isinstance(o, (bytes, bytearray, memoryview)):
        return bytes(o).hex()
    if isinstance(o, (set, frozenset)):
        return sorted(o, key=repr)
    return str(o)


def _dumps(d: dict[str, Any]) -> str:
    # allow_nan=False: NaN is not JSON, and a reader would refuse the whole file for it
    try:
        text = json.dumps(d, ensure_ascii=False, default=_plain, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(d), ensure_ascii=False, default=_plain)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (a name from undecodable bytes)
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def write_trace(trace: Trace, out: IO[str]) -> None:
    out.write(_dumps(trace.header_line()) + "\n")
    for ev in trace.events:
        out.write(_dumps(ev.to_json()) + "\n")


# --- reading: every line checked against the documented format ------------------------------------

MAX_DEPTH = 16  # deeper than any real trace needs; deep nesting only ever comes from a bad file
_QUOTE = 60  # characters of a bad value quoted in an error; a 25 KB value is not echoed whole


def _quote(v: object) -> str:
    r = repr(v)
    return r if len(r) <= _QUOTE else r[: _QUOTE - 1] + "…"


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def schema() -> dict[str, Any]:
    """The trace format as a JSON Schema (resources/trace.schema.json): $defs/header for line 1,
    the schema itself for every event line."""
    return _loaded()[0]


@functools.cache
def _loaded() -> tuple[dict[str, Any], Any, Any]:
    # A compiled validator (jsonschema-rs): ~2 µs an event where the pure-Python jsonschema
    # takes ~1 ms, which would make a 30,000-event trace take half a minute to open.
    from importlib import resources  # here, not at start-up: only reading a trace needs it

    import jsonschema_rs

    text = (
        resources.files("socketscope")
        .joinpath("resources")
        .joinpath("trace.schema.json")
        .read_text(encoding="utf-8")
    )
    doc: dict[str, Any] = json.loads(text)
    header = jsonschema_rs.validator_for({**doc, "$ref": "#/$defs/header"})
    event = jsonschema_rs.validator_for(doc)
    return doc, header, event


def _problem(validator: Any, d: object) -> str | None:
    """The first schema violation of ``d``, as "where: what", or None."""
    if validator.is_valid(d):
        return None
    err = next(iter(validator.iter_errors(d)))
    what = str(err.message)
    # the message starts with the bad value, which may be 25 KB: quote only its start
    shown = json.dumps(err.instance, ensure_ascii=False, separators=(",", ":"))
    if what.startswith(shown) and len(shown) > _QUOTE:
        what = shown[: _QUOTE - 1] + "…" + what[len(shown) :]
    where = ".".join(str(p) for p in err.instance_path)
    return _shorten(f"{where}: {what}" if where else what, 300)


def _shape_problem(v: object) -> str | None:
    """What JSON allows but a trace never holds: very deep nesting (which would exhaust the
    stack of whatever walks it), and lone surrogates (text no file or screen can show)."""
    stack: list[tuple[object, int]] = [(v, 1)]
    while stack:
        x, depth = stack.pop()
        if isinstance(x, dict):
            stack.extend((k, depth) for k in x)
            x = list(x.values())
        if isinstance(x, list):
            if depth > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} deep"
            stack.extend((y, depth + 1) for y in x)
        elif isinstance(x, str) and not x.isascii():
            try:
                x.encode("utf-8")
            except UnicodeEncodeError:
                return f"{_quote(x)} is not Unicode text (a lone surrogate)"
    return None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _number(text: str) -> float | int:
    """A JSON number with a fraction or exponent. 3.0 is an integer to JSON Schema; it becomes
    the int 3 here, so that a line number or a port is never a float in Python."""
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(f"{_shorten(text, _QUOTE)} is too large for a number")
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _parse(where: str, line: str, header: bool = False) -> Any:
    try:
        d = json.loads(line, parse_constant=_no_constant, parse_float=_number)
    except json.JSONDecodeError as e:
        raise TraceError(f"{where}: bad JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise TraceError(f"{where}: bad JSON: nested too deep") from None
    except ValueError as e:  # NaN, Infinity; and int() of a number with over 4300 digits
        raise TraceError(f"{where}: bad JSON: {_shorten(str(e))}") from None
    # Walking every value costs more than the schema check: an event's keys that could nest
    # deeply or hold text are bounded by the schema, and unknown ones are dropped on reading.
    # Only the header keeps what it does not know; and text from a UTF-8 file can hold a lone
    # surrogate only through a \ud800-style escape.
    if (header or _SURROGATE_ESCAPE.search(line)) and (why := _shape_problem(d)) is not None:
        raise TraceError(f"{where}: {why}")
    return d


def read_trace(path: str | Path) -> Trace:
    """The trace in ``path``, complete and as documented, or TraceError("file:line: what is
    wrong") and nothing: a file that breaks the format is refused, never half-read."""
    p = Path(path)
    try:
        # utf-8-sig: a BOM, which some editors add, is not part of line 1
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise TraceError(f"{p}: not a SocketScope trace (not a UTF-8 text file)") from None
    except OSError as e:
        raise TraceError(f"{p}: cannot read: {e.strerror or e}") from None
    except MemoryError:
        raise TraceError(f"{p}: too large to read") from None
    # JSON Lines ends a line at \n only: \x85 or U+2028 inside a string are text, which
    # str.splitlines() would cut at
    lines = text.split("\n")
    if not text.strip():
        raise TraceError(f"{p}: empty file, not a SocketScope trace")
    _, header_check, event_check = _loaded()
    try:
        header = _parse(f"{p}:1", lines[0].removesuffix("\r"), header=True)
    except TraceError as e:
        said = str(e).removeprefix(f"{p}:1: ")
        if said.startswith("bad JSON"):
            raise TraceError(f"{p}:1: not a SocketScope trace ({said})") from None
        raise TraceError(f"{p}:1: bad header: {said}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TraceError(f'{p}:1: not a SocketScope trace (no "format": "{FORMAT}" header)')
    version = header.get("version")
    if type(version) is not int or version != VERSION:
        raise TraceError(
            f"{p}:1: trace version {_quote(version)} is not supported (expected {VERSION})"
        )
    if (why := _problem(header_check, header)) is not None:
        raise TraceError(f"{p}:1: bad header: {why}")
    header = {k: v for k, v in header.items() if k not in ("format", "version")}
    trace = Trace(header)
    last_seq = 0
    for n, raw in enumerate(lines[1:], start=2):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        where = f"{p}:{n}"
        d = _parse(where, line)
        if (why := _problem(event_check, d)) is not None:
            raise TraceError(f"{where}: bad event: {why}")
        if d["seq"] <= last_seq:
            raise TraceError(f"{where}: event seq {d['seq']} does not increase (after {last_seq})")
        rng = d.get("range")
        if rng is not None and rng[1] < rng[0]:
            raise TraceError(f"{where}: bad event: range ends at {rng[1]}, before {rng[0]}")
        last_seq = d["seq"]
        try:
            trace.append(Event.from_json(d))
        except (TypeError, ValueError) as e:  # the schema should have said; never a traceback
            raise TraceError(f"{where}: bad event: {_shorten(str(e))}") from None
    return trace
