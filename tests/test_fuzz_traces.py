"""Property: whatever a trace file holds, reading it and exporting it (Mermaid, PlantUML, SVG, PNG,
PDF, slides, through the functions the ``export`` command uses) raises nothing but TraceError, and
that names the file and line.

Files are real lesson traces, mutated: values replaced by any JSON or hostile text, keys dropped,
values replaced by others of the same type, lines deleted, duplicated, swapped or replaced,
bytes inserted, the file cut short. A few hundred
examples run in the suite; the long run is

    SOCKETSCOPE_FUZZ_EXAMPLES=10000 pytest -p no:randomly tests/test_fuzz_traces.py \
        --hypothesis-show-statistics
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from socketscope.engine import Runner, Trace, TraceError, read_trace, write_trace
from socketscope.engine.scenario import get
from socketscope.model.textexport import to_mermaid, to_plantuml

EXAMPLES = int(os.environ.get("SOCKETSCOPE_FUZZ_EXAMPLES", "200"))
SEEDS = ["tcp-echo", "tcp-nonblocking-select", "signal-cleanup", "udp-loss", "tcp-flow-control"]
KEEP = 90  # events of each seed: enough for every kind, small enough to export fast

HOSTILE_TEXT = [
    "",
    "Srv\n!include /etc/hostname",
    '%getenv("HOME") $x \\n "q"',
    "%%{init: {'theme': 'dark'}}%%",
    "<b>end</b>; #x",
    "\u2028\x85\x1c\x00\x1b[31m",
    "end",
    "Note",
    "participant",
    "서버",
    "c>s",
    "ESTABLISHED",
    "../../etc/passwd",
]
KEYS = [
    "seq", "t", "actor", "kind", "op", "sock", "fd", "line", "args", "ok", "result", "error",
    "message", "blocked", "duration", "new_sock", "nbytes", "data", "truncated", "conn", "dir",
    "range", "dgram", "dgram_size", "peer", "local", "kernel", "count", "blocked_count",
    "traceback", "kernel_wait", "syscall", "evidence", "code", "params", "bogus",
]  # fmt: skip
MUTATIONS = [
    *["like"] * 6, *["rename"] * 2, *["drop_line"] * 2, "value", "nested", "drop_key",
    "dup_line", "swap", "replace_line", "header",
]  # fmt: skip
HEADER_KEYS = ["format", "version", "scenario", "title", "summary", "actors", "source", "cursor"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=70_000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(HOSTILE_TEXT),
    st.integers(0, 5000).map(lambda n: "x" * n),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


def like(v: object) -> st.SearchStrategy[Any]:
    """Another value of the same JSON type: most such files are still valid, so the exporters
    get to draw them (odd names, huge numbers, empty lists, times out of order)."""
    if isinstance(v, bool):
        return st.booleans()
    if isinstance(v, int):
        return st.integers(0, 100) | st.integers(-1, 70_000) | st.integers(0, 2**53)
    if isinstance(v, float):
        return st.floats(0, 1e7)
    if isinstance(v, str):
        return st.sampled_from(HOSTILE_TEXT) | st.text(max_size=12)
    if isinstance(v, list):
        return st.lists(like(v[0]) if v else st.integers(0, 9), max_size=5)
    return values


@pytest.fixture(scope="module")
def seeds() -> list[list[str]]:
    """Real lesson traces as lines: a head of each, and the tail of those whose end matters."""
    out = []
    for sid in SEEDS:
        buf = io.StringIO()
        write_trace(Trace(get(sid).header(), Runner(get(sid)).run_to_end(timeout=30)), buf)
        lines = buf.getvalue().splitlines()
        out.append([lines[0], *lines[1 : KEEP + 1]])
        if len(lines) > KEEP + 1:
            out.append([lines[0], *lines[-KEEP:]])
    return out


def parsed(line: str) -> Any:
    """A line as JSON, or None: an earlier mutation may have made it anything at all (5,000
    brackets deep, which json.loads refuses with RecursionError)."""
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def mutate(data: st.DataObject, lines: list[str]) -> bytes:
    """One hostile file made from ``lines``: up to three mutations, then the bytes."""
    lines = list(lines)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        # the mutations that usually keep a file valid come up more often, so that the
        # exporters, not only the reader, meet the result
        how = data.draw(st.sampled_from(MUTATIONS), label="how")
        event(f"mutation: {how}")
        i = data.draw(st.integers(1, max(1, len(lines) - 1)), label="line") if len(lines) > 1 else 0
        d = parsed(lines[i]) if lines else None
        if how == "like" and isinstance(d, dict) and d:
            key = data.draw(st.sampled_from(sorted(d)), label="key")
            target = d
            if isinstance(d[key], dict) and d[key]:
                target = d[key]
                key = data.draw(st.sampled_from(sorted(target)), label="subkey")
            target[key] = data.draw(like(target[key]), label="like")
            lines[i] = json.dumps(d, ensure_ascii=False)
        elif how in ("value", "drop_key", "nested") and isinstance(d, dict):
            key = data.draw(st.sampled_from(sorted(set(KEYS) | set(d))), label="key")
            if how == "drop_key":
                d.pop(key, None)
            elif how == "nested" and isinstance(d.get(key), dict) and d[key]:
                sub = data.draw(st.sampled_from(sorted(d[key])), label="subkey")
                d[key][sub] = data.draw(values, label="subvalue")
            else:
                d[key] = data.draw(values, label="value")
            lines[i] = json.dumps(d, ensure_ascii=data.draw(st.booleans(), label="ascii"))
        elif how == "header":
            h = parsed(lines[0]) if lines else {}
            if isinstance(h, dict):
                h[data.draw(st.sampled_from(HEADER_KEYS), label="hkey")] = data.draw(values)
                lines[0] = json.dumps(h, ensure_ascii=False)
        elif how == "rename" and lines:
            # every event of an actor under another (possibly hostile) name: often still valid
            h = parsed(lines[0])
            actors = h.get("actors") if isinstance(h, dict) else None
            if isinstance(actors, list) and actors and isinstance(actors[0], str):
                new = data.draw(
                    st.sampled_from(HOSTILE_TEXT[1:]) | st.text(min_size=1, max_size=12)
                )
                old = json.dumps(actors[0], ensure_ascii=False)
                lines = [x.replace(old, json.dumps(new, ensure_ascii=False)) for x in lines]
        elif how == "drop_line" and len(lines) > 1:
            del lines[i]
        elif how == "dup_line" and lines:
            lines.insert(i, lines[i])
        elif how == "swap" and len(lines) > 2:
            j = data.draw(st.integers(0, len(lines) - 1), label="other")
            lines[i], lines[j] = lines[j], lines[i]
        elif how == "replace_line" and lines:
            lines[i] = data.draw(
                values.map(json.dumps)
                | st.text(max_size=30)
                | st.sampled_from(["true", "null", "[" * 5000 + "]" * 5000, "{", "NaN", "1e999"]),
                label="new line",
            )
    raw = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    if data.draw(st.integers(0, 4), label="bytes?") == 0:
        at = data.draw(st.integers(0, len(raw)), label="at")
        cut = data.draw(st.integers(0, 8), label="cut")
        raw = raw[:at] + data.draw(st.binary(max_size=6), label="insert") + raw[at + cut :]
    if data.draw(st.integers(0, 9), label="truncate?") == 0:
        raw = raw[: data.draw(st.integers(0, len(raw)), label="length")]
    return raw


def export_everything(trace: Trace, folder: Path) -> None:
    """Every exporter, at small sizes, as the export command calls them."""
    from PySide6.QtCore import QCoreApplication, QEvent, QSize

    from socketscope.ui import export

    to_mermaid(trace)
    to_plantuml(trace)
    export.export_image(trace, folder / "d.svg", width=320)
    export.export_image(trace, folder / "d.png", width=320)
    export.export_pdf(trace, folder / "d.pdf", width=320)
    export.export_slides(trace, folder / "s.pdf", size=QSize(160, 90))
    # the exporters' views are deleted later, by an event loop this test does not run: without
    # this, 10,000 examples grow to 2 GB
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.mark.gui
@pytest.mark.timeout(EXAMPLES * 2 + 120)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_mutated_trace_is_read_and_exported_or_refused_clearly(
    qapp: object, seeds: list[list[str]], data: st.DataObject
) -> None:
    seed = data.draw(st.sampled_from(seeds), label="seed")
    raw = mutate(data, seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hostile.jsonl"
        path.write_bytes(raw)
        try:
            trace = read_trace(path)
        except TraceError as e:
            event("refused")
            message = str(e)
            assert message.startswith(f"{path}:"), message
            assert len(message) <= len(str(path)) + 320, message
            return
        event("accepted")
        export_everything(trace, Path(tmp))
