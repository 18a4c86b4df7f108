"""The SocketScope engine: real loopback sockets, traced call by call. Imports no Qt.

The public names below are imported when first used (PEP 562), not with the package: the window
needs a few engine modules before its first paint and the Runner (and the trace's JSON and
resources) only later, and a process that imports ``socketscope.engine.x`` pays for x alone."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .actor import RunOptions
    from .events import Event, KernelSnapshot
    from .gate import ActorStopped, Mode, Status, StepGate, StepResult
    from .runner import Runner
    from .scenario import Scenario, ScenarioError, UnknownScenario
    from .trace import Trace, TraceError, read_trace, write_trace

# each public name and the module it lives in
_WHERE = {
    "ActorStopped": "gate",
    "Event": "events",
    "KernelSnapshot": "events",
    "Mode": "gate",
    "RunOptions": "actor",
    "Runner": "runner",
    "Scenario": "scenario",
    "ScenarioError": "scenario",
    "Status": "gate",
    "StepGate": "gate",
    "StepResult": "gate",
    "Trace": "trace",
    "TraceError": "trace",
    "UnknownScenario": "scenario",
    "read_trace": "trace",
    "write_trace": "trace",
}

__all__ = [
    "ActorStopped",
    "Event",
    "KernelSnapshot",
    "Mode",
    "RunOptions",
    "Runner",
    "Scenario",
    "ScenarioError",
    "Status",
    "StepGate",
    "StepResult",
    "Trace",
    "TraceError",
    "UnknownScenario",
    "read_trace",
    "write_trace",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value  # the next use does not come here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
