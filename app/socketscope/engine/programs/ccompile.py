"""C sources run as programs: compiled on first use with the system's ``cc``, into a cache of
the user's own, with ``-g`` so that the diagram shows the source line of every call.

A binary is rebuilt when its source changes (the cache key is the source's path and content),
so a student who edits a copy and runs it again gets the new program.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NO_CC = (
    "{src}: needs a C compiler (cc) to build it, and none was found on PATH; the set-up "
    "(scripts/setup.sh) installs gcc"
)


class CompileError(ValueError):
    """The source did not compile: the message has the compiler's own words."""


def cache_dir() -> Path:
    """A folder of this user's own: $XDG_CACHE_HOME or ~/.cache, else the temp folder."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for root in (Path(base) / "socketscope" / "c", Path(tempfile.gettempdir())
                 / f"socketscope-{os.getuid()}" / "c"):  # fmt: skip
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            continue
        if os.access(root, os.W_OK | os.X_OK):
            return root
    raise CompileError("no folder to build C programs in (~/.cache and the temp folder refused)")


def build(src: str | Path) -> Path:
    """The executable built from ``src`` (built now if the cache has none for this content)."""
    src = Path(src).resolve()
    try:
        text = src.read_bytes()
    except OSError as e:
        raise CompileError(f"{src}: {e.strerror}") from None
    key = hashlib.sha256(str(src).encode() + b"\0" + text).hexdigest()[:16]
    out = cache_dir() / key / src.stem
    if out.is_file() and os.access(out, os.X_OK):
        return out
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        raise CompileError(NO_CC.format(src=src.name))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    r = subprocess.run(
        [cc, "-g", "-O0", "-o", str(tmp), str(src)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if r.returncode != 0:
        tmp.unlink(missing_ok=True)
        words = (r.stderr or r.stdout).strip()
        raise CompileError(f"{src.name} did not compile:\n{words}")
    os.replace(tmp, out)  # another run building the same source at once gets a whole file
    return out
