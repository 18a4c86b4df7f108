"""The FilesController (ui/files.py) with a fake view: what is read and written, what the user is
told, which folder a dialog opens in. Real traces, real files; only the dialogs are the fake's
answers (the window's Qt dialogs are driven in test_export.py and test_window.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from socketscope.engine import Runner, Trace, write_trace
from socketscope.engine.scenario import get
from socketscope.ui.files import FilesController, Progress


class FakeView:
    def __init__(self, answers: list[str] | None = None) -> None:
        self.answers = list(answers or [])
        self.asked: list[tuple[Any, ...]] = []
        self.problems: list[tuple[str, str, str]] = []
        self.said: list[str] = []
        self.go_on = True  # the progress dialog's Cancel, not pressed

    def ask_open_path(self, title: str, filters: str) -> str:
        self.asked.append(("open", title, filters))
        return self.answers.pop(0) if self.answers else ""

    def ask_save_path(self, title: str, folder: str, name: str, ext: str | None) -> str:
        self.asked.append(("save", title, folder, name, ext))
        return self.answers.pop(0) if self.answers else ""

    def problem(self, title: str, frame: str, detail: str) -> None:
        self.problems.append((title, frame, detail))

    def say(self, text: str) -> None:
        self.said.append(text)

    def run_with_progress(self, work: Callable[[Progress], None]) -> None:
        work(lambda done, total: self.go_on)

    def export_visible(self, path: str) -> None:
        raise AssertionError("not asked in these tests")

    def export_scale(self) -> float:
        return 1.0


class FakeSettings(dict[str, Any]):
    def get(self, key: str, default: Any = "") -> Any:
        return super().get(key, default)

    def set(self, key: str, value: Any) -> None:
        self[key] = value


@pytest.fixture(scope="module")
def echo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runner = Runner(get("tcp-echo"))
    trace = Trace(runner.scenario.header(), runner.run_to_end(timeout=20))
    path = tmp_path_factory.mktemp("files") / "echo.jsonl"
    with path.open("w", encoding="utf-8") as f:
        write_trace(trace, f)
    return path


@pytest.fixture
def files(qtbot: QtBot) -> Iterator[tuple[FilesController, FakeView, FakeSettings]]:
    from socketscope.ui.session import Session

    session = Session()
    view, settings = FakeView(), FakeSettings()
    yield FilesController(session, settings, view), view, settings
    session.shutdown()


def test_a_broken_trace_is_a_problem_with_file_and_line(
    files: tuple[FilesController, FakeView, FakeSettings], tmp_path: Path
) -> None:
    ctl, view, _ = files
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "socketscope-trace", "version": 1}\nnot json\n', encoding="utf-8")
    view.answers = [str(bad)]
    ctl.open_trace()
    assert view.asked[0][:2] == ("open", "Open trace")
    [(title, frame, detail)] = view.problems
    assert title == "Cannot open trace"
    assert "Where and why" in frame
    assert str(bad) in detail and ":2" in detail, detail
    assert ctl.session.trace.events == []


def test_cancelled_dialogs_do_nothing(
    files: tuple[FilesController, FakeView, FakeSettings],
) -> None:
    ctl, view, settings = files
    ctl.open_scenario()
    ctl.open_trace()
    ctl.save_trace()
    ctl.export("png")
    assert not view.problems and not view.said
    assert "last_folder" not in settings
    assert [a[0] for a in view.asked] == ["open", "open", "save", "save"]


def test_save_and_export_start_in_the_last_folder_with_a_safe_name(
    files: tuple[FilesController, FakeView, FakeSettings], echo_file: Path, tmp_path: Path
) -> None:
    ctl, view, settings = files
    assert ctl.open_trace_file(str(echo_file))
    out = tmp_path / "out"
    out.mkdir()
    view.answers = [str(out / "mine.jsonl")]
    ctl.save_trace(with_cursor=True)
    _, title, folder, name, ext = view.asked[-1]
    assert (title, folder, name, ext) == (
        "Save session",
        str(Path.home()),
        "tcp-echo.jsonl",
        "jsonl",
    )
    assert (out / "mine.jsonl").read_text(encoding="utf-8").count("\n") > 10
    assert settings["last_folder"] == str(out)
    view.answers = [str(out / "echo.mmd")]
    ctl.export("mermaid")
    _, title, folder, name, ext = view.asked[-1]
    assert (title, folder, name, ext) == ("Export MMD", str(out), "tcp-echo.mmd", "mmd")
    assert (out / "echo.mmd").read_text(encoding="utf-8").startswith("sequenceDiagram")
    assert view.said[-1] == f"Exported {out / 'echo.mmd'}"


def test_an_export_that_cannot_be_written_or_is_cancelled_says_so(
    files: tuple[FilesController, FakeView, FakeSettings], echo_file: Path, tmp_path: Path
) -> None:
    ctl, view, _ = files
    assert ctl.open_trace_file(str(echo_file))
    assert not ctl.export_to("mermaid", str(tmp_path / "no-such-folder" / "x.mmd"))
    [(title, _frame, detail)] = view.problems
    assert title == "Cannot export" and "no-such-folder" in detail
    view.go_on = False  # Cancel in the progress dialog
    assert not ctl.export_to("png", str(tmp_path / "x.png"))
    assert view.said[-1] == "Export cancelled."
