"""The trace file is the contract: it round-trips, and broken files are named precisely."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from socketscope.engine import Runner, Trace, TraceError, read_trace, write_trace
from socketscope.engine.scenario import get


@pytest.fixture(scope="module")
def trace() -> Trace:
    runner = Runner(get("tcp-echo"))
    t = Trace(runner.scenario.header())
    t.extend(runner.run_to_end())
    return t


def test_round_trip(trace: Trace, tmp_path: Path) -> None:
    path = tmp_path / "echo.jsonl"
    with path.open("w", encoding="utf-8") as f:
        write_trace(trace, f)
    again = read_trace(path)
    assert again.events == trace.events
    assert again.header["scenario"] == "tcp-echo"


def test_every_line_has_the_promised_fields(trace: Trace) -> None:
    buf = io.StringIO()
    write_trace(trace, buf)
    lines = buf.getvalue().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "socketscope-trace" and header["version"] == 1
    assert header["title"]["ko"]
    for line in lines[1:]:
        d = json.loads(line)
        for key in ("seq", "t", "actor", "kind", "op", "sock", "fd", "line"):
            assert key in d, f"{key} missing in {line}"
        if d["kind"] == "return":
            for key in ("ok", "blocked", "duration"):
                assert key in d
            if d["ok"] is False:
                assert d["error"]
        if d["kind"] == "kernel":
            assert set(d["kernel"]) >= {"state", "recv_q", "send_q", "accept_q", "backlog"}
    accept = next(json.loads(x) for x in lines if '"kind": "return", "op": "accept"' in x)
    assert isinstance(accept["new_sock"], int)
    assert accept["result"]["address"][0] == "127.0.0.1"


@pytest.mark.parametrize(
    ("content", "where", "why"),
    [
        ("", ":", "empty file"),
        ("not json\n", ":1:", "not a SocketScope trace"),
        ('{"format": "other"}\n', ":1:", "not a SocketScope trace"),
        ('{"format": "socketscope-trace", "version": 99}\n', ":1:", "version 99"),
        ('{"format": "socketscope-trace", "version": 1}\n{"seq": 1}\n', ":2:", "bad event"),
        (
            '{"format": "socketscope-trace", "version": 1}\n'
            '{"seq": 2, "t": 0, "actor": "A", "kind": "end", "op": null, "sock": null, '
            '"fd": null, "line": null}\n'
            '{"seq": 1, "t": 0, "actor": "A", "kind": "end", "op": null, "sock": null, '
            '"fd": null, "line": null}\n',
            ":3:",
            "does not increase",
        ),
    ],
)
def test_broken_files_are_named_with_line(
    tmp_path: Path, content: str, where: str, why: str
) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TraceError) as info:
        read_trace(path)
    message = str(info.value)
    assert message.startswith(str(path)) and where in message and why in message
