"""The engine, the terminal view and the CLI import no Qt, and run with Qt made unimportable."""

from __future__ import annotations

import subprocess
import sys

BLOCK_QT = """
import sys
class NoQt:
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith("PySide6."):
            raise ImportError("Qt is forbidden here: " + name)
        return None
sys.meta_path.insert(0, NoQt())
"""


def test_engine_runs_with_pyside6_unimportable() -> None:
    code = BLOCK_QT + (
        "import socketscope.engine, socketscope.api, socketscope.cli, socketscope.terminal\n"
        "from socketscope.engine import Runner\n"
        "from socketscope.engine.scenario import get\n"
        "events = Runner(get('tcp-echo')).run_to_end()\n"
        "assert any(e.kind == 'return' and e.op == 'accept' for e in events)\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')]\n"
        "try:\n"
        "    import PySide6\n"
        "except ImportError:\n"
        "    print('blocked ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "blocked ok" in r.stdout
