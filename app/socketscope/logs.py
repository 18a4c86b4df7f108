"""Logging, one logger per subsystem, and nothing that dies silently.

Loggers: ``socketscope.engine``, ``socketscope.runhost``, ``socketscope.ui`` (Qt's own messages
arrive as ``socketscope.ui.qt``) and ``socketscope.export``. By default only warnings and worse
reach stderr; ``--debug`` (or ``SOCKETSCOPE_DEBUG=1``, which a run host inherits from its
window) shows everything, with the process and thread that said it.

An exception nobody catches — in the main thread or any other — is logged with its traceback
instead of vanishing with its thread.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from types import TracebackType
from typing import Any

ROOT = "socketscope"
SUBSYSTEMS = ("engine", "runhost", "ui", "export")
DEBUG_ENV = "SOCKETSCOPE_DEBUG"

_configured = False


def get(subsystem: str) -> logging.Logger:
    return logging.getLogger(f"{ROOT}.{subsystem}")


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def setup(debug: bool | None = None) -> None:
    """Configure the ``socketscope`` loggers and the exception hooks once per process."""
    global _configured
    if debug:
        os.environ[DEBUG_ENV] = "1"  # the run host and process actors inherit it
    debug = debugging()
    root = logging.getLogger(ROOT)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    if _configured:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    fmt = (
        "%(asctime)s %(process)d %(threadName)s %(name)s %(levelname)s: %(message)s"
        if debug
        else "socketscope: %(name)s: %(levelname)s: %(message)s"
    )
    handler.setFormatter(logging.Formatter(fmt))
    root.addHandler(handler)
    root.propagate = False
    install_excepthooks()


def install_excepthooks() -> None:
    log = logging.getLogger(ROOT)
    previous = sys.excepthook

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        log.critical("uncaught exception", exc_info=(kind, value, tb))

    def thread_excepthook(args: Any) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        log.error(
            "uncaught exception in thread %s",
            name,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
