"""Hostile files and names: what a trace says is data, shown as it is and never read as syntax
(Mermaid, PlantUML) or as a path (save dialogs); headless commands refuse a bad file with one
line and exit 2, never a traceback, a hang or a dialog."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from socketscope.engine import Runner, Trace, read_trace, write_trace
from socketscope.engine.scenario import get
from socketscope.model.filenames import safe_file_name
from socketscope.model.textexport import to_mermaid, to_plantuml

HOSTILE = [
    "Srv\n!include /etc/hostname",
    '%getenv("HOME") $x \\n "q" %%{init: {"theme": "dark"}}%% <b>end</b>; #x',
]
ENV = {**os.environ, "NO_COLOR": "1", "QT_QPA_PLATFORM": "offscreen"}


@pytest.fixture(scope="module")
def echo() -> Trace:
    runner = Runner(get("tcp-echo"))
    return Trace(runner.scenario.header(), runner.run_to_end())


def renamed(trace: Trace, names: dict[str, str]) -> Trace:
    """The same run, with its actors called something else (everywhere a name appears)."""
    header = {**trace.header, "actors": [names[a] for a in trace.header["actors"]]}
    header["title"] = {"en": names["Server"] + "\u2028" + names["Client"]}
    out = Trace(header)
    for ev in trace.events:
        args = ev.args
        if args and "actor" in args:
            args = {**args, "actor": names.get(args["actor"], args["actor"])}
        out.append(dataclasses.replace(ev, actor=names[ev.actor], args=args))
    return out


def test_plantuml_shows_hostile_names_and_never_runs_them(echo: Trace) -> None:
    text = to_plantuml(renamed(echo, dict(zip(["Server", "Client"], HOSTILE, strict=True))))
    lines = text.splitlines()
    assert lines[0] == "@startuml" and lines[-1] == "@enduml"
    form = re.compile(
        r'(title .+|participant "[^"]+" as A\d|A\d -{1,2}> A\d : .+|note right of A\d : .+)$'
    )
    bad = [x for x in lines[1:-1] if not form.match(x)]
    assert not bad, bad
    # nothing the preprocessor would expand or include, nothing read as an escape
    assert not re.search(r"[%$\\!\u2028\x85]", text)
    assert "<U+0021>include ~/etc~/hostname" in lines[2]  # shown, on the participant's line
    assert "<U+0025>getenv(<U+0022>HOME<U+0022>)" in text


def test_mermaid_shows_hostile_names_and_never_reads_them_as_syntax(echo: Trace) -> None:
    text = to_mermaid(renamed(echo, dict(zip(["Server", "Client"], HOSTILE, strict=True))))
    lines = text.splitlines()
    form = re.compile(
        r"    (title .+|participant A\d as .+|Note right of A\d: .+|A\d-{1,2}>>A\d: .+)$"
    )
    assert lines[0] == "sequenceDiagram"
    bad = [x for x in lines[1:] if not form.match(x)]
    assert not bad, bad
    # no %%{...}%% directive, no HTML, no statement separator, nowhere
    shown = [re.sub(r"^    (participant A\d as |[^:]+: |title )", "", x) for x in lines[1:]]
    assert not [x for x in shown if re.search(r"[%<>;\u2028]", re.sub(r"#\d+;", "", x))]
    assert "#37;#37;{init: {" in text and "#60;b#62;end#60;/b#62;#59; #35;x" in text


@pytest.mark.parametrize(
    ("scenario_id", "ext", "expected"),
    [
        ("tcp-echo", "jsonl", "tcp-echo.jsonl"),
        ("/etc/cron.daily/ss", "jsonl", "etc-cron.daily-ss.jsonl"),
        ("/etc/cron.daily/../../x", "pdf", "etc-cron.daily-x.pdf"),
        ("../../../../tmp/x", "svg", "tmp-x.svg"),
        ("..", "png", "trace.png"),
        ("C:\\Windows\\evil", "pdf", "C-Windows-evil.pdf"),
        ("a\nb\x00c", "mmd", "a bc.mmd"),
        ("con", "jsonl", "_con.jsonl"),
        (None, "jsonl", "trace.jsonl"),
        (42, "jsonl", "trace.jsonl"),
        ("x" * 500, "jsonl", "x" * 80 + ".jsonl"),
        ("세션 에코", "puml", "세션 에코.puml"),
    ],
)
def test_safe_file_name(scenario_id: object, ext: str, expected: str) -> None:
    name = safe_file_name(scenario_id, ext)
    assert name == expected
    assert Path(name).name == name and not name.startswith(".")


# The save and export dialogs, driven as a user does with a hostile trace open:
# tests/test_export.py::test_export_dialogs_start_in_the_last_folder_with_a_safe_name_and_filter
def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socketscope", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
    )


@pytest.fixture
def unreadable(tmp_path: Path) -> Path:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"format": "socketscope-trace", "version": 1}\ntrue\n', encoding="utf-8")
    return path


@pytest.mark.gui
def test_a_screenshot_of_an_unreadable_trace_exits_2_with_the_error(unreadable: Path) -> None:
    # this waited forever on a modal "Cannot open trace" box nobody could see
    r = run("--trace", str(unreadable), "--screenshot", str(unreadable.with_suffix(".png")))
    assert r.returncode == 2
    assert (
        r.stderr.strip() == f'socketscope: {unreadable}:2: bad event: true is not of type "object"'
    )
    assert not unreadable.with_suffix(".png").exists()


@pytest.mark.gui
def test_a_screenshot_of_a_trace_replays_it_to_the_end(echo: Trace, tmp_path: Path) -> None:
    src = tmp_path / "echo.jsonl"
    with src.open("w", encoding="utf-8") as f:
        write_trace(echo, f)
    r = run("--trace", str(src), "--screenshot", str(tmp_path / "a.png"), "--to-end")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a.png").stat().st_size > 10_000
    r = run("--trace", str(src), "--screenshot", "/nonexistent/dir/a.png")
    assert r.returncode == 2 and "/nonexistent/dir/a.png: cannot write" in r.stderr


@pytest.mark.parametrize("fmt", ["mermaid", "svg", "pdf"])
def test_export_refuses_a_bad_trace_or_an_unwritable_output_with_exit_2(
    unreadable: Path, echo: Trace, tmp_path: Path, fmt: str
) -> None:
    r = run("export", str(unreadable), "--format", fmt, "-o", str(tmp_path / "x"))
    assert r.returncode == 2 and r.stderr.startswith(f"socketscope: {unreadable}:2: bad event")
    good = tmp_path / "echo.jsonl"
    with good.open("w", encoding="utf-8") as f:
        write_trace(echo, f)
    r = run("export", str(good), "--format", fmt, "-o", "/nonexistent/dir/x")
    assert r.returncode == 2
    assert r.stderr == "socketscope: /nonexistent/dir/x: cannot write: No such file or directory\n"


def test_trace_refuses_an_unwritable_output_before_running() -> None:
    r = run("trace", "tcp-echo", "-o", "/nonexistent/dir/t.jsonl")
    assert r.returncode == 2 and r.stdout == ""
    assert (
        r.stderr
        == "socketscope: /nonexistent/dir/t.jsonl: cannot write: No such file or directory\n"
    )


RAISES = """\
from socketscope.api import AF_INET, SOCK_STREAM, actor, socket


@actor("Server")
def server(port):
    s = socket(AF_INET, SOCK_STREAM)
    s.close()
    raise ValueError("boom")


ID = "raises"
TITLE = {"en": "raises", "ko": "예외"}
SUMMARY = {"en": "test", "ko": "테스트"}
"""


@pytest.mark.parametrize("command", ["log", "trace"])
def test_an_actor_that_raised_makes_the_command_fail(tmp_path: Path, command: str) -> None:
    (tmp_path / "raises.py").write_text(RAISES, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", command, "raises.py"],
        capture_output=True, text=True, timeout=60, env=ENV, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 1
    assert r.stderr == "socketscope: Server raised ValueError: boom at line 8\n"
    assert "ValueError: boom" in r.stdout  # the log and the trace still say everything


def test_an_import_error_in_a_relative_scenario_keeps_its_line(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text(
        "from socketscope.api import actor\n\nx = 1\nimport no_such_module_here\n", "utf-8"
    )
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "log", "broken.py"],
        capture_output=True, text=True, timeout=60, env=ENV, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.startswith("socketscope: broken.py:4: ModuleNotFoundError")


BYTES_ADDRESS = """\
from socketscope.api import AF_INET, SOCK_DGRAM, SOCK_STREAM, actor, socket


@actor("Odd")
def odd(port):
    s = socket(AF_INET, SOCK_STREAM)
    try:
        s.listen([])
    except TypeError:
        pass
    try:
        s.bind(("127.0.0.1", "x"))
    except (TypeError, OSError):
        pass
    s.close()
    u = socket(AF_INET, SOCK_DGRAM)
    try:
        u.bind((b"127.0.0.1", 0))
    except OSError:
        pass
    u.close()


ID = "odd"
TITLE = {"en": "odd", "ko": "이상한"}
SUMMARY = {"en": "test", "ko": "테스트"}
"""


def test_a_trace_of_odd_arguments_and_a_bytes_address_is_written_and_reads_back(
    tmp_path: Path,
) -> None:
    (tmp_path / "odd.py").write_text(BYTES_ADDRESS, encoding="utf-8")
    out = tmp_path / "odd.jsonl"
    r = run("trace", str(tmp_path / "odd.py"), "-o", str(out))
    assert r.returncode in (0, 1), r.stderr  # 1 if the loopback guard refuses a bytes host
    assert "Traceback" not in r.stderr
    calls = {(e.op, e.line): e.args for e in read_trace(out).of("call")}
    assert calls[("listen", 8)] == {"backlog": "[]"}
    assert calls[("bind", 12)] == {"address": ["127.0.0.1", "'x'"]}
    assert calls[("bind", 18)] == {"address": ["127.0.0.1", 0]}  # bytes: the text it spells
