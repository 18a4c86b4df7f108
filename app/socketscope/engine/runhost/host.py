"""The run host's side: one run of one scenario, in a process of its own.

Started by :class:`~socketscope.engine.runhost.client.RunHost` with the inherited end of a
socketpair; it builds a :class:`Runner`, forwards the runner's events and the step gate's state,
obeys the client's commands (mode, delay, step, stop) and exits when the run is over. Everything a
run creates (threads, sockets, process actors) lives and dies with this process, so the kernel
frees all of it whatever the scenario does.

Messages, host to client (JSON objects, see engine/channel.py):
  {"t": "started", "pid", "port", "port2", "t0", "network", "capture"}   the runner has started;
       network: where its sockets live (engine/netns.py: its own namespace, or why not);
       capture: {"available": true, "interfaces": [...]} or {"available": false, "reason", ...}
  {"t": "batch", "evs": [...], "gate": {...}, "acks": [...], "notes": [...]}
       events in order; the gate's state taken *before* the last of those events was collected,
       so a client that sees "settled" already holds every event that led there; acks name the
       commands the gate state already reflects; notes are step results, the stop report and,
       last, {"t": "capture", "packets", "drops", ...}: the capture's statistics; "wire": T
       when the capture has delivered every packet stamped before run time T (with these;
       only to a client that asked, "covered")
  {"t": "error", "message"}                        the scenario could not be loaded
  {"t": "end", "alone"?}                           every event has been sent; the host exits.
       alone: true when the host, as init of the run's PID namespace, has killed and reaped
       every other process of the run but its capture and relay (which have delivered all)
Client to host:
  {"t": "run", "scenario": {"id"} | {"path"}, "mode", "delay", "data_cap", "burst_after",
   "burst_window", "capture", "covered", "parent"}  first message, once
  {"t": "mode", "id", "mode", "delay"}  {"t": "delay", "id", "delay"}  {"t": "step", "id", "actor"}
  {"t": "stop", "timeout"}
  {"t": "stdin", "actor", "data": hex}             typed into a program's console (b"" closes it)
A batch may also carry "out": [[actor, "stdout"|"stderr", hex], ...]: what programs printed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from socketscope import logs
from socketscope.engine import loopback
from socketscope.engine.channel import Channel, dumps, fd_above
from socketscope.engine.events import Event
from socketscope.engine.gate import Mode
from socketscope.engine.netns import (
    NetworkPlace,
    PidPlace,
    enter_pid_namespace,
    enter_private_network,
)
from socketscope.engine.runhost.alone import end_the_rest
from socketscope.engine.runner import RawEvent, Runner, RunOptions
from socketscope.engine.scenario import Scenario, ScenarioError, get, load_file
from socketscope.engine.wire.network import NetworkSpecError, capture_point, capture_points
from socketscope.engine.wire.process import SEQ_PREFIX, CaptureProcess, StartingCapture

if TYPE_CHECKING:
    from socketscope.engine.wire.relay import Relay

BATCH_MAX = 2000  # events per message at most (each may carry a few KiB of data as hex)
IDLE_MARK = 0.05  # seconds between watermarks to the capture while the run is quiet
ALONE_TIMEOUT = 0.3  # seconds for the run's other processes to die once killed (else: as before)
COALESCE = 0.005  # seconds a free-running run's messages gather for (the window draws at 60 Hz)


class _Changed:
    """Marker in the event queue: the gate changed after the events before it."""


_CHANGED = _Changed()
_END = object()


@dataclass(frozen=True)
class _Ack:
    id: int
    note: dict[str, Any] | None = None


class _WireStop:
    """Marker: every event before it has been forwarded to the capture; it may stop now."""


_WIRE_STOP = _WireStop()


@dataclass(frozen=True)
class _Covered:
    """Marker: the capture has delivered every packet stamped before run time ``t`` (each
    queued before it); a live log waits for it to put packets among the calls."""

    t: float


@dataclass(frozen=True)
class _Output:
    """A program's output (live console I/O, not an event): sent in order with the events."""

    actor: str
    stream: str
    data: bytes


@dataclass(frozen=True)
class _Note:
    note: dict[str, Any]


@dataclass(frozen=True)
class _Exiting:
    """An actor called os._exit(): its note goes after every event before it."""

    note: dict[str, Any]


_real_exit = os._exit  # the host's own exit, whatever a scenario's os._exit becomes


def die_with_parent() -> None:
    """Linux: the kernel sends this process SIGKILL when the thread that started it ends, so a
    run never outlives its window or CLI, even one killed with SIGKILL."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


def adopt_orphans() -> None:
    """Linux: a process an actor forks, whose parent then ends, becomes this process's child
    (PR_SET_CHILD_SUBREAPER) instead of init's, so that :func:`kill_descendants` finds it."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_child_subreaper = 36
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0)


def descendants(pid: int) -> list[int]:
    """Every living descendant of ``pid`` (Linux /proc), children before their children."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{p}/task/{tid}/children", encoding="ascii") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def kill_descendants() -> list[int]:
    """SIGKILL whatever the run forked and left behind: nothing a run makes outlives it. (The
    client also kills the run host's process group once the host has exited, which catches what
    escaped this process's tree while it was dying.)"""
    killed = []
    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    return killed


def _close_quietly(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


def load_scenario(spec: dict[str, Any]) -> Scenario:
    if "programs" in spec:
        from socketscope.engine.programs import ProgramError, ProgramLine, program_scenario

        try:
            return program_scenario([ProgramLine.from_json(d) for d in spec["programs"]])
        except (ProgramError, KeyError, TypeError) as e:
            raise ScenarioError(str(e)) from None
    if "path" in spec:
        return load_file(str(spec["path"]))
    return get(str(spec["id"]))


class Host:
    def __init__(
        self,
        ch: Channel,
        runner: Runner,
        network: NetworkPlace | None = None,
        capture: CaptureProcess | None = None,
        capture_info: dict[str, Any] | None = None,
        two_hosts: dict[str, Any] | None = None,
        relay: Relay | None = None,
        pid_namespace: bool = False,
        covered: bool = False,
    ) -> None:
        self.ch = ch
        self.runner = runner
        self.network = network or NetworkPlace(False, "not-tried")
        self.capture = capture
        self.capture_info = capture_info or {"available": False, "reason": "not-tried"}
        self.two_hosts = two_hosts or {}  # hosts, link and namespaces of a two-host run
        self.relay = relay
        self.covered = covered  # the client asked how far the capture has delivered
        # the runner's queue also carries the host's markers, so that they stay in order with
        # the events around them
        self.q: queue.SimpleQueue[Any] = runner.events
        self.stop_requested = threading.Event()
        self.stop_handled = threading.Event()
        self.client_gone = threading.Event()
        self.exit_sent = threading.Event()
        self.stuck = False
        # init of the run's own PID namespace with its own /proc: it can end the run's other
        # processes itself and see them gone (see alone.py)
        self.pid_namespace = pid_namespace
        self.alone = False  # every other process of the run has been killed and reaped

    def run(self) -> int:
        runner, gate = self.runner, self.runner.gate
        gate.starts_when = {a.name: a.starts_when for a in runner.scenario.actors if a.starts_when}
        gate.on_change = lambda: self.q.put(_CHANGED)
        runner.on_output = lambda actor, stream, data: self.q.put(_Output(actor, stream, data))
        runner.start()
        t0 = runner.t0  # CLOCK_MONOTONIC is one clock for every process: the capture's too
        if self.capture is not None:
            # the capture pairs packets with calls and writes their events; this process only
            # numbers them (engine/wire/process.py)
            self.capture.clock(t0)
            covered = (lambda t: self.q.put(_Covered(t))) if self.covered else None
            self.capture.read_in_thread(self._captured, covered)
        self._send(
            {
                "t": "started",
                "pid": os.getpid(),
                "network": {**self.network.to_json(), **self.two_hosts},
                "capture": self.capture_info,
                "port": runner.port,
                "port2": runner.port2,
                "t0": t0,
            }
        )
        pump = threading.Thread(target=self._pump, name="runhost-pump", daemon=True)
        commands = threading.Thread(target=self._commands, name="runhost-commands", daemon=True)
        pump.start()
        commands.start()
        runner.done.wait()
        if self.stop_requested.is_set():
            self.stop_handled.wait()
        if self.relay is not None:
            # every actor has ended: nothing more crosses the link. Its packet sockets take a
            # grace period each to close: begun now, that overlaps the capture's last drain.
            self.relay.stop()
            if self.relay.reader is not None:
                # what it did to the run's last packets belongs in the trace: its reports are
                # read to their end (it closes them first thing when it stops)
                self.relay.reader.join(1.0)
        if self.capture is not None:
            # every packet of the run is in the ring by now (loopback sends inside the call);
            # the last ones go into the trace before its end, with the ring's statistics
            self.q.put(_WIRE_STOP)
            self.capture.finished.wait(10.0)
            end = self.capture.stop()  # reaped aside: its ring's close overlaps the end
            note: dict[str, Any] = {"t": "capture", **self.capture_info}
            if end.stats is not None:
                note.update(packets=end.stats.packets, drops=end.stats.drops)
            if end.error:
                note["error"] = end.error
            self.q.put(_Note(note))
        self.alone = self._end_the_rest()
        self.q.put(_END)
        pump.join()
        if self.stuck:
            # an actor would not stop: the client kills this process (it has the report)
            self.client_gone.wait(5.0)
        return 0

    def _end_the_rest(self) -> bool:
        """Kill and reap every other process of the run before its end is sent, so that the
        client need not wait for this process's exit, which lasts until the capture has
        released its packet sockets (alone.py). Only as init of a namespace whose /proc it
        sees, once the capture and the relay have delivered everything, and never when an
        actor would not stop (the client kills this process then)."""
        if not self.pid_namespace or self.stuck:
            return False
        if self.capture is not None and not self.capture.finished.is_set():
            return False
        spare: set[int] = set()
        if self.capture is not None and self.capture.pid is not None:
            spare.add(self.capture.pid)  # None: forked outside the namespace (process.py)
        if self.relay is not None:
            if self.relay.reader is not None and self.relay.reader.is_alive():
                return False  # its last reports are still on their way
            spare.add(self.relay.pid)
        return end_the_rest(spare, ALONE_TIMEOUT)

    # --- to the client --------------------------------------------------------------------------
    def _send(self, msg: dict[str, Any]) -> None:
        try:
            self.ch.send(msg)
        except OSError:
            self.client_gone.set()

    def _captured(self, texts: list[str]) -> None:
        """Packet events from the capture, as JSON: numbered in order with every other event."""
        cut = len(SEQ_PREFIX)
        for text in texts:
            self.runner.emit_raw(text[cut:])

    def _pump(self) -> None:
        q, gate = self.q, self.runner.gate
        capture = self.capture
        ending = False
        while not ending:
            # The capture must know which events it has all of: "every event before run time
            # W" (W taken before a look that found the queue empty), so that it never pairs a
            # packet before the call that caused it has reached it (a watermark).
            mark: float | None = None
            if capture is None:
                try:
                    # the runner holds events of programs for the relay's lag (Runner.emit):
                    # a quiet run's last ones are let go from here
                    items = [q.get(timeout=IDLE_MARK)]
                except queue.Empty:
                    self.runner.release_due()
                    continue
            else:
                try:
                    seen = self.runner.settled()
                    items = [q.get(timeout=IDLE_MARK)]
                except queue.Empty:
                    capture.watermark(seen)
                    continue
            # Free-running, nobody waits on a step: gather for a few ms, so that a transfer's
            # thousands of blocked/running flips cost a few messages, not a wake-up each (this
            # thread competes with the actors for the interpreter). Paced runs go at once.
            deadline = time.monotonic() + COALESCE if gate.free_running else 0.0
            try:
                # nor once the run is over: the capture's last packets wait on its stop
                while (
                    len(items) < BATCH_MAX and items[-1] is not _END and items[-1] is not _WIRE_STOP
                ):
                    # once Stop has come, nobody gains from the gathering: Stop waits on it
                    wait = 0.0 if self.stop_requested.is_set() else deadline - time.monotonic()
                    seen = self.runner.settled()
                    items.append(q.get(timeout=wait) if wait > 0 else q.get_nowait())
            except queue.Empty:
                mark = seen
            evs: list[str] = []  # each event as JSON, written once
            fresh: list[str] = []  # the run's own events (not packets), for the capture
            acks: list[int] = []
            notes: list[dict[str, Any]] = []
            out: list[list[str]] = []
            changed = False
            exiting = False
            wire_stop = False
            covered: float | None = None
            for it in items:
                if isinstance(it, Event):
                    text = dumps(it.to_json())
                    evs.append(text)
                    fresh.append(text)
                elif isinstance(it, RawEvent):
                    evs.append(it.text)
                elif it is _WIRE_STOP:
                    wire_stop = True
                elif isinstance(it, _Covered):
                    covered = it.t
                elif it is _CHANGED:
                    changed = True
                elif isinstance(it, _Ack):
                    acks.append(it.id)
                    if it.note is not None:
                        notes.append(it.note)
                elif isinstance(it, _Note):
                    notes.append(it.note)
                elif isinstance(it, _Output):
                    out.append([it.actor, it.stream, it.data.hex()])
                elif isinstance(it, _Exiting):
                    notes.append(it.note)
                    exiting = True
                elif it is _END:
                    ending = True
            msg: dict[str, Any] = {}
            if changed or acks or ending:
                msg["gate"] = gate.snapshot()
                # what was emitted before that snapshot goes with it; anything else waits for
                # the next round (with a snapshot of its own)
                later: list[Any] = []
                with contextlib.suppress(queue.Empty):
                    while len(evs) < BATCH_MAX:
                        it = q.get_nowait()
                        if isinstance(it, Event):
                            text = dumps(it.to_json())
                            evs.append(text)
                            fresh.append(text)
                        elif isinstance(it, RawEvent):
                            evs.append(it.text)
                        elif isinstance(it, _Covered):
                            covered = it.t  # the packets it vouches for are in evs
                        elif it is _END:
                            ending = True
                        else:
                            later.append(it)
                if not ending:
                    for it in later:
                        q.put(it)
            if capture is not None:
                if fresh:
                    capture.events("[" + ",".join(fresh) + "]")
                # not for the capture's own word alone: each would wake it to send another
                if mark is not None and (fresh or not all(isinstance(i, _Covered) for i in items)):
                    capture.watermark(mark)
                if wire_stop:
                    capture.request_stop()  # after every event it must see
            if acks:
                msg["acks"] = acks
            if covered is not None:
                msg["wire"] = covered
            if out:
                msg["out"] = out
            if notes:
                msg["notes"] = notes
            rest = dumps(msg)[1:]  # "}" or the other keys and "}"
            text = '{"t":"batch","evs":[' + ",".join(evs) + "]" + ("," if len(rest) > 1 else "")
            self._send_text(text + rest)
            if exiting:
                self.exit_sent.set()
        # alone: no process of the run is left but this one, which exits now (see alone.py)
        self._send({"t": "end", "alone": True} if self.alone else {"t": "end"})

    def _send_text(self, text: str) -> None:
        try:
            self.ch.send_text(text)
        except OSError:
            self.client_gone.set()

    # --- an actor ends the process ----------------------------------------------------------------
    def report_exits(self) -> None:
        """``os._exit(n)`` in an actor ends this process: first every event before it, and where
        it was called, reach the client, so the window can say "the run's process called
        os._exit(3) at file:line" rather than only that it died."""
        host_pid = os.getpid()

        def _exit(status: int) -> NoReturn:
            if os.getpid() == host_pid:  # a forked child has no pump to wait for
                caller = sys._getframe(1)
                where = f"{os.path.basename(caller.f_code.co_filename)}:{caller.f_lineno}"
                note = {"t": "exiting", "status": status, "call": "os._exit", "where": where}
                self.runner.release_due(everything=True)  # held events too (Runner.emit)
                self.q.put(_Exiting(note))
                self.exit_sent.wait(0.5)
            _real_exit(status)

        os._exit = _exit

    # --- from the client ------------------------------------------------------------------------
    def _commands(self) -> None:
        gate = self.runner.gate
        while True:
            try:
                msg = self.ch.recv()
            except ValueError:
                msg = None
            if msg is None:
                # the client has gone without a stop (it died, or dropped us): end the run
                self.client_gone.set()
                if not self.stop_requested.is_set():
                    self._stop(0.9)
                return
            kind, cid = msg.get("t"), int(msg.get("id") or 0)
            if kind == "mode":
                delay = msg.get("delay")
                gate.set_mode(Mode(str(msg["mode"])), None if delay is None else float(delay))
                self.q.put(_Ack(cid))
            elif kind == "delay":
                gate.set_delay(float(msg["delay"]))
                self.q.put(_Ack(cid))
            elif kind == "step":
                actor = msg.get("actor")
                r = gate.step(None if actor is None else str(actor))
                note = {
                    "t": "step",
                    "released": r.released,
                    "code": r.code,
                    "params": r.params,
                    "message": r.reason,
                }
                self.q.put(_Ack(cid, note))
            elif kind == "stdin":
                # typed into a program's console; a program that has ended reads nothing
                with contextlib.suppress(OSError, ValueError):
                    self.runner.write_stdin(str(msg["actor"]), bytes.fromhex(str(msg["data"])))
            elif kind == "stop" and not self.stop_requested.is_set():
                self._stop(float(msg.get("timeout") or 0.9))

    def _stop(self, timeout: float) -> None:
        self.stop_requested.set()
        joined = self.runner.stop(timeout=timeout)
        self.stuck = not joined
        self.q.put(_Note({"t": "stopped", "joined": joined}))
        self.stop_handled.set()


def build_two_hosts(
    runner: Runner, place: NetworkPlace, weather: dict[str, Any] | None
) -> tuple[dict[str, Any], Relay]:
    """Host B, the link and its relay for a scenario with a NETWORK (engine/wire/network.py),
    with the window's weather if it sent any. Only inside the run's own namespace: the hosts'
    addresses are allowed by the loopback guard once verify_private() says so."""
    from socketscope.engine.netns import verify_private
    from socketscope.engine.wire import network as wire_network
    from socketscope.engine.wire.relay import start_relay

    spec = runner.scenario.network
    assert spec is not None
    if not place.private or not verify_private(place):
        raise OSError(
            "this lesson needs two hosts on a private network of its own, and this system "
            f"gives the run none ({place.reason or 'no private network'}): it cannot run here"
        )
    spec = spec.with_weather(weather if isinstance(weather, dict) else None)
    net = wire_network.build(spec)
    relay = start_relay(net)
    runner.network = net
    runner.pairing.reorders = True
    loopback.allow_private_hosts(
        {net.namespaces[h]: spec.hosts[h] for h in spec.hosts}, verify_private(place)
    )
    relay.reader = threading.Thread(
        target=_link_reports, args=(runner, relay.reports), name="runhost-link", daemon=True
    )
    relay.reader.start()
    logs.get("runhost").debug("two hosts %s, relay %d", net.namespaces, relay.pid)
    info = {
        "hosts": dict(spec.hosts),
        "link": spec.link.to_json(),
        "host_namespaces": dict(net.namespaces),
        "offloads_kept": net.refused_offloads,
    }
    return info, relay


def _link_reports(runner: Runner, fd: int) -> None:
    """What the relay did to each packet, as ``link`` events in the trace."""
    import json

    with os.fdopen(fd, "r", encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            runner.emit(
                "link",
                "link",
                op=str(rec["do"]),
                message=link_sentence(rec),
                code=f"link_{rec['do']}",
                params={
                    "dir": rec["dir"],
                    "packet": rec["kind"],
                    "proto": rec["proto"],
                    "src": f"{rec['src'][0]}:{rec['src'][1]}",
                    "dst": f"{rec['dst'][0]}:{rec['dst'][1]}",
                    "flags": "|".join(rec["flags"]),
                    "seq": rec["seq"],
                    "rel_seq": rec.get("rel_seq"),
                    "len": rec["len"],
                    "ms": max(rec["ms"] or [0]),
                    "after": rec.get("after"),
                    "ip_id": rec.get("ip_id"),
                    "why": rec["why"],
                    "t_link": rec["t"],
                },
            )


def link_sentence(rec: dict[str, Any]) -> str:
    what = {
        "syn": "SYN",
        "tcp-data": f"data segment ({rec['len']} bytes)",
        "datagram": f"datagram ({rec['len']} bytes)",
    }.get(rec["kind"], f"{rec['proto']} packet")
    where = rec["dir"].replace(">", "→")
    if rec["do"] == "dropped":
        return f"the link dropped a {what} {where} ({rec['why']})"
    if rec["do"] == "duplicated":
        return f"the link delivered a {what} {where} twice ({rec['why']})"
    ms = max(rec["ms"] or [0])
    if rec.get("after"):
        n = rec["after"]
        return (
            f"the link held a {what} {where} back until {n} of its kind had passed ({rec['why']})"
        )
    return f"the link held a {what} {where} back {ms:g} ms ({rec['why']})"


def host_main(fd: int) -> int:
    """The run host's main: ``python -m socketscope.engine.runhost FD``."""
    fd = fd_above(fd)  # fd 3 is for the scenario's first socket
    die_with_parent()
    # A network of the run's own, while this process has one thread (unshare needs that): no
    # route out, no other program's ports, every socket gone with it when the run ends.
    network = enter_private_network()
    pids = PidPlace(False, detail="no user namespace")
    if network.private:
        die_with_parent()  # new credentials in the new namespace clear the parent-death signal
    # the client that started this process, while the death signal above is set (so it would
    # end this one if it died now): compared with the "run" message's parent below
    ppid = os.getppid()
    ch = Channel(socket.socket(fileno=fd))
    try:
        msg = ch.recv()
    except ValueError:
        msg = None
    if msg is None or msg.get("t") != "run":
        return 2
    early: StartingCapture | None = None
    if network.private and msg.get("capture", True):
        # A one-host run's capture (most runs'), forked before the PID namespace: its ring is
        # made while the scenario loads, and its end (a packet socket's close waits for the
        # kernel, 16-35 ms) is not waited for by the run's (engine/wire/process.py).
        early = CaptureProcess.fork_early()
    if network.private:
        # Init of a PID namespace of its own (this forks: what follows runs in the child, pid 1,
        # and this process waits outside): whatever the run forks dies when the run host ends.
        pids = enter_pid_namespace()
        if pids.own and early is not None:
            early.elsewhere()
    if not pids.own:
        adopt_orphans()
    logs.setup()  # --debug reaches here through the environment
    # before any scenario code: every socket the run makes, traced or not, stays on loopback
    loopback.install()
    if hasattr(os, "register_at_fork"):
        # a process an actor forks must not hold the client's channel open after the host ends
        os.register_at_fork(after_in_child=lambda: _close_quietly(ch.sock))
    parent = msg.get("parent")
    if isinstance(parent, int) and ppid != parent:
        return 3  # the client died before PDEATHSIG was set: nobody would see this run
    # Ctrl-C in a terminal reaches the whole process group: the CLI stops the run in order
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        scenario = load_scenario(msg["scenario"])
    except ScenarioError as e:
        ch.send({"t": "error", "message": str(e)})
        return 2
    options = RunOptions(
        mode=Mode(str(msg.get("mode", "run"))),
        delay=float(msg.get("delay", 0.0)),
        data_cap=int(msg.get("data_cap", RunOptions.data_cap)),
        burst_after=int(msg.get("burst_after", RunOptions.burst_after)),
        burst_window=float(msg.get("burst_window", RunOptions.burst_window)),
    )
    logs.get("runhost").debug("running %s; processes: %s", scenario.id, pids)
    runner = Runner(scenario, options)
    two_hosts: dict[str, Any] = {}
    relay: Relay | None = None
    if scenario.network is not None:
        # still one thread: the second host's namespace and the relay's process are made now
        try:
            two_hosts, relay = build_two_hosts(runner, network, msg.get("weather"))
        except (OSError, NetworkSpecError) as e:
            ch.send({"t": "error", "message": f"{scenario.id}: {e}"})
            return 2
    # the capture, forked while this process still has one thread, shares the run's network
    capture: CaptureProcess | None = None
    capture_info: dict[str, Any] = {"available": False, "reason": "no-private-network"}
    if not msg.get("capture", True):
        capture_info = {"available": False, "reason": "not-asked"}
    elif network.private:
        first = scenario.actors[0].name if scenario.actors else "run"
        if early is not None and runner.network is None:
            started = early.ready()
            if not isinstance(started, str):
                started.first_actor = first
        else:
            if early is not None:
                early.cancel()  # two hosts: each host's eth0, in namespaces made just now
            interface, outgoing_only = capture_point(runner.network)
            started = CaptureProcess.start(
                interface, first, outgoing_only, capture_points(runner.network)
            )
        if isinstance(started, str):
            capture_info = {"available": False, "reason": "capture-failed", "detail": started}
        else:
            capture = started
            capture.fork_safe()
            capture_info = {"available": True, "interfaces": list(capture.interfaces)}
    host = Host(
        ch,
        runner,
        network,
        capture,
        capture_info,
        two_hosts,
        relay,
        pids.own and pids.proc,
        covered=bool(msg.get("covered")),
    )
    host.report_exits()
    code = host.run()
    if not pids.own:
        # In a PID namespace of its own the kernel does this as the host exits (and /proc may
        # not even show this namespace's numbers); elsewhere the host finds them itself.
        left = kill_descendants()
        if left:
            logs.get("runhost").info("killed %d processes the run left behind: %s", len(left), left)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    # Not a normal interpreter exit: an actor thread that would not stop could hold it up. Every
    # message has been written (sends are synchronous), and the kernel closes what is left.
    _real_exit(code)
