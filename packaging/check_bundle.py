"""Check a built bundle by running its own binary, the way CI and a lecturer would.

    python packaging/check_bundle.py [BUNDLE_DIR]      (default dist/socketscope)

Offscreen (QT_QPA_PLATFORM=offscreen), so it needs no display. Each check prints one line; the
last line is "bundle checks: N passed, N failed" and the exit status is 1 if any failed.
The reference for "behaves like the source tree" is the venv's own ``socketscope``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "app" / "socketscope"
VENV_CLI = Path(os.environ.get("VENV", ROOT / ".venv")) / "bin" / "socketscope"
QT_PLUGINS = (
    "platforms/libqoffscreen.so",  # CI, --screenshot, --self-test
    "platforms/libqxcb.so",  # an X11 desktop
    "platforms/libqwayland.so",  # a Wayland desktop
    "iconengines/libqsvgicon.so",  # the window icon is an SVG
    "imageformats/libqsvg.so",
)


def run(cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def calls(trace_text: str) -> tuple[dict[str, object], list[dict[str, object]]]:
    lines = trace_text.splitlines()
    return json.loads(lines[0]), [json.loads(x) for x in lines[1:] if x.strip()]


def call_set(events: list[dict[str, object]]) -> set[tuple[object, object, object]]:
    return {(e["actor"], e["op"], e.get("line")) for e in events if e.get("kind") == "call"}


def main(argv: list[str]) -> int:
    bundle = Path(argv[1] if len(argv) > 1 else ROOT / "dist" / "socketscope").resolve()
    exe = str(bundle / "socketscope")
    internal = bundle / "_internal"
    results: list[tuple[str, str | None]] = []

    def check(name: str) -> Callable[[Callable[[], str | None]], None]:
        def wrap(fn: Callable[[], str | None]) -> None:
            t = time.monotonic()
            try:
                problem = fn()
            except Exception as e:  # noqa: BLE001 -- any failure is this check's failure
                problem = f"{type(e).__name__}: {e}"
            ms = (time.monotonic() - t) * 1000
            results.append((name, problem))
            print(f"{'ok  ' if problem is None else 'FAIL'} {name} ({ms:.0f} ms)", flush=True)
            if problem:
                print("     " + problem.replace("\n", "\n     "), flush=True)

        return wrap

    files_before = sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*"))

    @check("resources/** and the scenarios' .py sources are in the bundle")
    def _data() -> str | None:
        want = [p for p in (PKG / "resources").rglob("*") if p.is_file() and p.suffix != ".ts"]
        want += sorted((PKG / "scenarios").glob("*.py"))
        missing = [
            str(p.relative_to(PKG))
            for p in want
            if not (internal / "socketscope" / p.relative_to(PKG)).is_file()
        ]
        return f"missing: {missing}" if missing else None

    @check("Qt plugins: offscreen, xcb, wayland, SVG icon engine and image format")
    def _plugins() -> str | None:
        qt = internal / "PySide6" / "Qt" / "plugins"
        missing = [p for p in QT_PLUGINS if not (qt / p).is_file()]
        return f"missing: {missing}" if missing else None

    @check("--self-test (tcp-echo in the window, offscreen)")
    def _self_test() -> str | None:
        r = run([exe, "--self-test"])
        if r.returncode != 0 or "self-test ok" not in r.stdout:
            return f"exit {r.returncode}\n{r.stdout}{r.stderr}"
        return None

    @check("--self-test with no LANG or LC_*: nothing on stderr (no Qt locale warning)")
    def _no_locale() -> str | None:
        # a minimal system or a desktop launcher without a locale; the embedded Python does not
        # coerce the C locale as `python` does, so the app itself must give Qt a UTF-8 one
        env = {k: v for k, v in os.environ.items() if k != "LANG" and not k.startswith("LC_")}
        env["QT_QPA_PLATFORM"] = "offscreen"
        r = subprocess.run(
            [exe, "--self-test"], capture_output=True, text=True, timeout=120, env=env, check=False
        )
        if r.returncode != 0 or r.stderr.strip():
            return f"exit {r.returncode}, stderr:\n{r.stderr}"
        return None

    @check("trace tcp-echo: the same calls on the same scenario lines as the venv, with source")
    def _lines() -> str | None:
        head, events = calls(run([exe, "trace", "tcp-echo"]).stdout)
        _, ref = calls(run([str(VENV_CLI), "trace", "tcp-echo"]).stdout)
        source = (PKG / "scenarios" / "tcp_echo.py").read_text(encoding="utf-8")
        if head.get("source") != source:
            return "the lesson panel's source text is missing or differs"
        if call_set(events) != call_set(ref):
            return f"bundle {sorted(call_set(events))}\nvenv   {sorted(call_set(ref))}"
        return None

    @check("trace tcp-echo runs in a run host (the bundle's own binary): the first socket is fd 3")
    def _run_host() -> str | None:
        r = run([exe, "trace", "tcp-echo"])
        if r.returncode != 0:
            return f"exit {r.returncode}\n{r.stderr}"
        _, events = calls(r.stdout)
        first = next(
            (e for e in events if e.get("kind") == "return" and e.get("op") == "socket"), {}
        )
        if first.get("result") != 3:
            return f"the first socket() returned {first.get('result')}, not 3"
        return None

    @check("trace signal-cleanup: process actors run as children of the bundle's binary")
    def _processes() -> str | None:
        r = run([exe, "trace", "signal-cleanup"])
        _, events = calls(r.stdout)
        _, ref = calls(run([str(VENV_CLI), "trace", "signal-cleanup"]).stdout)
        failed = [e.get("message") for e in events if e.get("error") == "CHILD_FAILED"]
        if failed:
            return f"a child could not run: {failed}"
        if not any(e["actor"] == "Server 1" and e["op"] == "accept" for e in events if "op" in e):
            return "Server 1 (a process actor) recorded no accept()"
        if call_set(events) != call_set(ref):
            return f"bundle {sorted(call_set(events))}\nvenv   {sorted(call_set(ref))}"
        return None

    @check("trace notes-c and http-get: programs (C via ptrace, Python, curl) from the bundle")
    def _programs() -> str | None:
        wanted = {"notes-c": "notes_server.c", "http-get": "http_server.py"}
        if shutil.which("cc") is None:
            wanted.pop("notes-c")  # compiled on first use: no compiler, nothing to check
        if shutil.which("curl") is None:
            wanted.pop("http-get")
        for lesson, actor in wanted.items():
            r = run([exe, "trace", lesson])
            _, events = calls(r.stdout)
            if r.returncode != 0 or not any(
                e.get("actor") == actor and e.get("kind") == "call" for e in events
            ):
                failed = [e.get("message") for e in events if e.get("kind") == "error"]
                return f"{lesson}: exit {r.returncode}, no call of {actor}: {failed} {r.stderr}"
        return None

    with tempfile.TemporaryDirectory() as tmp:

        @check("export: the trace schema and its validator are in the bundle (bogus kind refused)")
        def _schema() -> str | None:
            good = Path(tmp) / "echo.jsonl"
            good.write_text(run([exe, "trace", "tcp-echo"]).stdout, encoding="utf-8")
            r = run([exe, "export", str(good), "--format", "mermaid", "-o", str(Path(tmp) / "m")])
            if r.returncode != 0:
                return f"a good trace: exit {r.returncode}\n{r.stderr}"
            lines = good.read_text(encoding="utf-8").splitlines()
            lines[2] = lines[2].replace('"kind": "', '"kind": "bogus', 1)
            bad = Path(tmp) / "bogus.jsonl"
            bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
            r = run([exe, "export", str(bad), "--format", "mermaid", "-o", str(Path(tmp) / "n")])
            if r.returncode != 2 or f"{bad}:3: bad event: kind:" not in r.stderr:
                return f"a bogus kind: exit {r.returncode}\n{r.stderr}"
            return None

        @check("--screenshot --lang ko --scenario signal-cleanup --to-end (the window, offscreen)")
        def _shot() -> str | None:
            out = Path(tmp) / "shot.png"
            shot = ["--screenshot", str(out), "--lang", "ko", "--size", "1280x800"]
            r = run([exe, *shot, "--scenario", "signal-cleanup", "--to-end"])
            if r.returncode != 0 or not out.is_file() or out.stat().st_size < 20_000:
                return f"exit {r.returncode}, {out.stat().st_size if out.exists() else 0} bytes"
            return None

    @check("the runs wrote nothing into the bundle (an uninstall leaves nothing behind)")
    def _clean() -> str | None:
        after = sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*"))
        new = sorted(set(after) - set(files_before))
        return f"new files: {new[:10]}" if new else None

    size = sum(p.lstat().st_size for p in bundle.rglob("*") if not p.is_dir()) / 2**20
    print(f"bundle: {bundle} ({size:.0f} MB)")
    failed = sum(1 for _, p in results if p)
    print(f"bundle checks: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
