"""The documented trace format is a checked contract: resources/trace.schema.json describes every
line, every built-in lesson's trace meets it, and a file that breaks it is refused whole, with the
file, the line and what is wrong there, never a traceback."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import typing
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from conftest import lesson_trace
from socketscope.engine import Event, Trace, TraceError, read_trace, write_trace
from socketscope.engine.events import EventKind
from socketscope.engine.scenario import builtin_scenarios
from socketscope.engine.trace import schema

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def lessons() -> dict[str, str]:
    """Every built-in lesson run to the end, as the trace file the engine writes."""
    out = {}
    for s in builtin_scenarios():
        buf = io.StringIO()
        write_trace(lesson_trace(s), buf)
        out[s.id] = buf.getvalue()
    return out


@pytest.fixture(scope="module")
def echo_lines(lessons: dict[str, str]) -> list[str]:
    return lessons["tcp-echo"].splitlines()


def reference_validator(of: str = "event") -> jsonschema.Draft202012Validator:
    """The schema as the reference implementation reads it (what other tools will use)."""
    doc = schema()
    return jsonschema.Draft202012Validator({**doc, "$ref": f"#/$defs/{of}"})


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_every_builtin_lesson_trace_validates(lessons: dict[str, str], tmp_path: Path) -> None:
    header, event = reference_validator("header"), reference_validator("event")
    kinds: set[str] = set()
    for sid, text in lessons.items():
        lines = text.splitlines()
        # the reference validator agrees with the reader's, line by line
        assert not list(header.iter_errors(json.loads(lines[0]))), sid
        for line in lines[1:]:
            d = json.loads(line)
            kinds.add(d["kind"])
            errors = [e.message for e in event.iter_errors(d)]
            assert not errors, f"{sid}: {errors} in {line[:200]}"
        path = tmp_path / f"{sid}.jsonl"
        path.write_text(text, encoding="utf-8")
        assert len(read_trace(path)) == len(lines) - 1
    assert kinds >= {"start", "call", "blocked", "return", "kernel", "error", "end", "signal"}


def test_the_schema_names_exactly_the_engines_event_kinds() -> None:
    assert schema()["$defs"]["kind"]["enum"] == list(typing.get_args(EventKind))


def hostile(lines: list[str], n: int, change: dict[str, object] | None = None) -> list[str]:
    """The trace with event line ``n`` (1-based, the header is 1) changed."""
    out = list(lines)
    d = json.loads(out[n - 1])
    for key, value in (change or {}).items():
        target = d
        *path, last = key.split(".")
        for p in path:
            target = target[p]
        target[last] = value
    out[n - 1] = json.dumps(d, ensure_ascii=False)
    return out


def first_line(lines: list[str], pred: typing.Callable[[dict[str, typing.Any]], bool]) -> int:
    return next(i for i, x in enumerate(lines, start=1) if i > 1 and pred(json.loads(x)))


def refused(tmp_path: Path, lines: list[str] | str) -> str:
    path = tmp_path / "hostile.jsonl"
    path.write_text(lines if isinstance(lines, str) else "\n".join(lines) + "\n", "utf-8")
    with pytest.raises(TraceError) as info:
        read_trace(path)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    assert len(message) < len(str(path)) + 320, "the error quotes too much of the file"
    return message.removeprefix(f"{path}:")


def test_an_unknown_kind_is_refused_with_file_line_and_why(
    echo_lines: list[str], tmp_path: Path
) -> None:
    why = refused(tmp_path, hostile(echo_lines, 5, {"kind": "bogus"}))
    assert why.startswith("5: bad event: kind:") and '"bogus"' in why


def test_a_line_number_out_of_range_is_refused(echo_lines: list[str], tmp_path: Path) -> None:
    n = first_line(echo_lines, lambda d: d["kind"] == "call")
    why = refused(tmp_path, hostile(echo_lines, n, {"line": 4294967296}))
    assert why.startswith(f"{n}: bad event: line:") and "1000000" in why
    assert refused(tmp_path, hostile(echo_lines, n, {"line": 0})).startswith(f"{n}:")


def test_call_arguments_and_actors_have_their_documented_types(
    echo_lines: list[str], tmp_path: Path
) -> None:
    n = first_line(echo_lines, lambda d: "len" in (d.get("args") or {}))
    assert "args.len: [] is not of type" in refused(
        tmp_path, hostile(echo_lines, n, {"args.len": []})
    )
    assert "actor: 5 is not of type" in refused(tmp_path, hostile(echo_lines, 3, {"actor": 5}))
    assert "actor:" in refused(tmp_path, hostile(echo_lines, 3, {"actor": ["Server"]}))
    m = first_line(echo_lines, lambda d: bool(d.get("range")))
    assert "range ends at 2, before 5" in refused(
        tmp_path, hostile(echo_lines, m, {"range": [5, 2]})
    )


@pytest.mark.parametrize("version", [True, "1", 1.5, None, 2, "v" * 25_000])
def test_only_version_1_is_read_and_a_bad_version_is_not_echoed_whole(
    echo_lines: list[str], tmp_path: Path, version: object
) -> None:
    why = refused(tmp_path, hostile(echo_lines, 1, {"version": version}))
    assert why.startswith("1: trace version ") and "not supported" in why
    assert len(why) < 150


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("true", 'bad event: true is not of type "object"'),
        ("[]", "bad event: [] is not of type"),
        ("[" * 20_000 + "]" * 20_000, "bad JSON: nested too deep"),
        ('{"a": ' * 30 + "1" + "}" * 30, 'bad event: "seq" is a required property'),
        ('{"seq": NaN}', "NaN is not a JSON number"),
        ('{"seq": 1e999}', "too large for a number"),
        ('{"seq": 1, "actor": "\\ud800"}', "lone surrogate"),
        ("{", "bad JSON"),
    ],
)
def test_lines_json_allows_but_a_trace_never_holds_are_refused(
    echo_lines: list[str], tmp_path: Path, line: str, expected: str
) -> None:
    why = refused(tmp_path, [*echo_lines[:4], line, *echo_lines[4:]])
    assert why.startswith("5: ") and expected in why


def test_a_header_nested_too_deep_is_refused(echo_lines: list[str], tmp_path: Path) -> None:
    """The header keeps keys it does not know (they are saved again with a session)."""
    deep = json.loads("[" * 17 + "]" * 17)
    why = refused(tmp_path, hostile(echo_lines, 1, {"extra": deep}))
    assert why == "1: bad header: nested more than 16 deep"


def test_a_byte_order_mark_is_accepted(echo_lines: list[str], tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(echo_lines).encode() + b"\r\n")
    assert len(read_trace(path)) == len(echo_lines) - 1


def test_a_whole_number_written_with_a_fraction_is_an_int(
    echo_lines: list[str], tmp_path: Path
) -> None:
    n = first_line(echo_lines, lambda d: d["kind"] == "call")
    path = tmp_path / "float.jsonl"
    path.write_text("\n".join(hostile(echo_lines, n, {"line": 7.0})), encoding="utf-8")
    ev = read_trace(path).events[n - 2]
    assert ev.line == 7 and type(ev.line) is int


def test_names_with_line_separators_round_trip(tmp_path: Path) -> None:
    """U+2028, NEL and friends are text inside a JSON string, not ends of lines."""
    name = "Server\u2028\x85\x1c!include /etc/hostname"
    trace = Trace({"scenario": "x", "actors": [name]})
    trace.append(Event(1, 0.0, name, "start", message="main"))
    trace.append(Event(2, 0.1, name, "end"))
    path = tmp_path / "names.jsonl"
    with path.open("w", encoding="utf-8") as f:
        write_trace(trace, f)
    again = read_trace(path)
    assert again.events == trace.events and again.header["actors"] == [name]


def test_what_a_program_passes_is_written_as_a_trace_the_reader_accepts(tmp_path: Path) -> None:
    """bytes, NaN, sets and objects in a call's arguments: written as plain values, read back."""
    from socketscope.engine.events import plain_args

    args = plain_args(
        {"backlog": [], "timeout": float("nan"), "value": b"\x01", "flag": {1}, "how": object()}
    )
    assert args is not None
    assert args["backlog"] == "[]" and args["timeout"] == "nan" and args["value"] == "b'\\x01'"
    trace = Trace({"actors": ["A"]})
    trace.append(Event(1, 0.0, "A", "call", op="listen", line=3, args=args))
    ret = Event(2, 0.0, "A", "return", op="listen", ok=True, blocked=False, duration=0.0)
    trace.append(dataclasses.replace(ret, result=b"\x00"))
    path = tmp_path / "odd.jsonl"
    with path.open("w", encoding="utf-8") as f:
        write_trace(trace, f)
    assert read_trace(path).events[1].result == "00"  # bytes are written as hex


def test_opening_the_window_does_not_import_the_validator() -> None:
    """The validator is loaded when a trace is first read, not at start-up."""
    code = (
        "import sys; import socketscope.ui.mainwindow, socketscope.cli; "
        "print('jsonschema_rs' in sys.modules, 'jsonschema' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["False", "False"]


def test_the_format_document_names_the_schema_and_every_kind() -> None:
    doc = (ROOT / "docs" / "trace-format.md").read_text(encoding="utf-8")
    assert "trace.schema.json" in doc
    for kind in typing.get_args(EventKind):
        assert f"| `{kind}` |" in doc, kind


def test_a_packet_event_round_trips_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    from socketscope.engine.events import WirePacket

    pkt = WirePacket(
        iface="lo",
        proto="TCP",
        src=("127.0.0.1", 41234),
        dst=("127.0.0.1", 5050),
        len=13,
        wire_len=79,
        flags=("PSH", "ACK"),
        seq=1,
        ack=1,
        window=65536,
        role="data",
        payload="68656c6c6f",
        frame="00" * 79,
        to_actor="Server",
        to_sock=3,
    )
    ev = Event(5, 0.25, "Client", "packet", sock=2, conn=1, dir="c>s", range=(0, 13))
    ev = dataclasses.replace(ev, packet=pkt, cause=4)
    timer = Event(6, 0.3, "Client", "packet", packet=pkt, cause="timer", during=4)
    path = tmp_path / "p.jsonl"
    with path.open("w", encoding="utf-8") as f:
        write_trace(Trace({"scenario": "x"}, [ev, timer]), f)
    back = read_trace(path)
    assert back.events == [ev, timer]
    reference_validator().validate(ev.to_json())
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "packet.flags" in refused(tmp_path, hostile(lines, 2, {"packet.flags": ["BOGUS"]}))
    assert "cause" in refused(tmp_path, hostile(lines, 2, {"cause": "later"}))
