"""The SocketScope engine: real loopback sockets, traced call by call. Imports no Qt."""

from .events import Event, KernelSnapshot
from .gate import ActorStopped, Mode, Status, StepGate, StepResult
from .runner import Runner, RunOptions
from .scenario import Scenario, ScenarioError, UnknownScenario
from .trace import Trace, TraceError, read_trace, write_trace

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
