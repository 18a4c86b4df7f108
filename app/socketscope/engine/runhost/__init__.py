"""Each run in a process of its own: the run host, and the client that starts and steers it.

The window and the CLI hold no socket of a run: :class:`RunHost` starts a fresh process (the run
host, engine/runhost/host.py) that runs the scenario with a Runner, and talks to it over a
socketpair in JSON. The GUI thread never waits on the run's GIL, the scenario's descriptors start
at 3 as in a C program, and a run that will not stop is killed (SIGKILL): the kernel frees it all.
"""

from .client import HOST_FLAG, HostGate, Note, Outcome, RunHost, host_argv

__all__ = ["HOST_FLAG", "HostGate", "Note", "Outcome", "RunHost", "host_argv"]
