"""Scenarios: plain Python modules whose actors are ordinary socket code.

A scenario module defines ``ID``, ``TITLE`` and ``SUMMARY`` (dicts with "en" and "ko"), optionally
``NOTICE`` (lists of bullets per language), and one function per actor decorated with
:func:`actor`. Actors may take ``port`` (a free port chosen for this run) and ``host``.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    # imported where a lesson declares a NETWORK: the wire package (capture, decoding, ctypes)
    # is not needed to show a one-host lesson, nor by the window's first paint (issue 11)
    from .wire.network import NetworkSpec

F = TypeVar("F", bound=Callable[..., Any])

LANGS = ("en", "ko")
BUILTIN_PACKAGE = "socketscope.scenarios"
DEFAULT_SCENARIO = "notes-tcp"


class ScenarioError(Exception):
    """A scenario that cannot be used; the message names the file and line where it can."""


class UnknownScenario(ScenarioError):
    def __init__(self, scenario_id: str, known: list[str]) -> None:
        super().__init__(f"unknown scenario {scenario_id!r}; known scenarios: {', '.join(known)}")
        self.scenario_id = scenario_id
        self.known = known


@dataclass(frozen=True)
class ActorSpec:
    name: str
    fn: Callable[..., Any]
    # Start this actor only once another actor has blocked in, or returned from, a call:
    # ("Server", "accept") is "start the client once the server waits in accept()";
    # ("Client 1", "connect/returned") waits for the return; ("Server", None) for the end.
    starts_when: tuple[str, str | None] | None = None
    process: bool = False  # run in a child process of its own (signals need a main thread)
    # A program of the user's own (engine/programs): its command line, as a shell would split
    # it, and the folder it runs in. ``fn`` is then a placeholder that is never called.
    program: tuple[str, ...] | None = None
    cwd: str | None = None
    # with starts_when (previous, "start"): start this many seconds after that one started
    start_after: float | None = None
    host: str | None = None  # two-host runs: "A" or "B", the host whose network it lives in


@dataclass(frozen=True)
class Scenario:
    id: str
    title: dict[str, str]
    summary: dict[str, str]
    actors: tuple[ActorSpec, ...]
    source_path: str
    source: str
    notice: dict[str, list[str]] = field(default_factory=dict)
    group: str = "custom"
    order: int = 99  # place within its group, in teaching order
    # programs only: each program's own source file, by actor name (the code panel shows the
    # file of the actor whose call is selected)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    programs: tuple[Any, ...] = ()  # the ProgramLines it was made of (engine/programs)
    module: str = ""  # the module it was loaded from (a built-in is found again by id)
    network: NetworkSpec | None = None  # two hosts and the link between them (NETWORK)

    def text(self, what: str, lang: str) -> str:
        table: dict[str, str] = getattr(self, what)
        return table.get(lang) or table.get("en") or ""

    def header(self) -> dict[str, Any]:
        two_hosts: dict[str, Any] = {}
        if self.network is not None:
            # which actor lives where, for the lanes' "host A / host B" (the link's weather,
            # as the run really had it, is in the run host's "network")
            two_hosts = {
                "hosts": dict(self.network.hosts),
                "actor_hosts": {a.name: a.host or "A" for a in self.actors},
            }
        return {
            **two_hosts,
            "scenario": self.id,
            "title": self.title,
            "summary": self.summary,
            "actors": [a.name for a in self.actors],
            "source_path": self.source_path,
            "source": self.source,
            **({"sources": self.sources} if self.sources else {}),
        }

    def host_of(self, actor: str) -> str | None:
        """The host an actor lives on in a two-host run (host A unless it names another)."""
        if self.network is None:
            return None
        for a in self.actors:
            if a.name == actor:
                return a.host or "A"
        return None


def actor(
    name: str,
    *,
    starts_when: tuple[str, str | None] | tuple[str, str, str] | None = None,
    process: bool = False,
    host: str | None = None,
) -> Callable[[F], F]:
    """Mark a function as an actor of the scenario module it is defined in.

    ``starts_when=("Server", "accept")``: once Server blocks in or returns from accept();
    ``("Client 1", "connect", "returned")``: once it has returned; ``("Server", None)``: once
    Server has finished. ``host="B"``: in a scenario with a ``NETWORK``, the actor lives on
    host B (every actor is on host A otherwise).
    """
    when: tuple[str, str | None] | None = None
    if starts_when is not None:
        who, op = starts_when[0], starts_when[1]
        returned = len(starts_when) == 3 and starts_when[2] == "returned"
        when = (who, f"{op}/returned" if op and returned else op)

    def mark(fn: F) -> F:
        fn.__socketscope_actor__ = ActorSpec(  # type: ignore[attr-defined]
            name, fn, when, process, host=host
        )
        return fn

    return mark


def from_module(module: ModuleType, path: str | None = None) -> Scenario:
    where = path or getattr(module, "__file__", None) or module.__name__

    def need(attr: str) -> Any:
        if not hasattr(module, attr):
            raise ScenarioError(f"{where}: the scenario defines no {attr}")
        return getattr(module, attr)

    sid = need("ID")
    if not isinstance(sid, str) or not sid:
        raise ScenarioError(f"{where}: ID must be a non-empty string")
    texts = {}
    for attr in ("TITLE", "SUMMARY"):
        value = need(attr)
        if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in LANGS):
            raise ScenarioError(f"{where}: {attr} must be a dict with 'en' and 'ko' strings")
        texts[attr] = value
    if hasattr(module, "PROGRAMS"):
        return _program_lesson(module, where, sid, texts)
    actors = tuple(
        v.__socketscope_actor__
        for v in vars(module).values()
        if callable(v) and hasattr(v, "__socketscope_actor__")
    )
    if not actors:
        raise ScenarioError(f"{where}: the scenario has no @actor functions")
    names = [a.name for a in actors]
    if all(a.starts_when for a in actors):
        raise ScenarioError(
            f"{where}: every actor waits for another to start; one must start at once"
        )
    for a in actors:
        if a.starts_when and a.starts_when[0] not in names:
            raise ScenarioError(
                f"{where}: actor {a.name!r} starts when {a.starts_when[0]!r} does something, "
                "but there is no such actor"
            )
    network = None
    if hasattr(module, "NETWORK"):
        from .wire.network import NetworkSpecError
        from .wire.network import parse as parse_network

        try:
            network = parse_network(module.NETWORK)
        except NetworkSpecError as e:
            raise ScenarioError(f"{where}: {e}") from None
    for a in actors:
        if a.host is not None and network is None:
            raise ScenarioError(
                f"{where}: actor {a.name!r} names host {a.host!r}, but the scenario declares "
                "no NETWORK with hosts"
            )
        if a.host is not None and network is not None and a.host not in network.hosts:
            raise ScenarioError(
                f"{where}: actor {a.name!r} names host {a.host!r}; the hosts are "
                f"{', '.join(sorted(network.hosts))}"
            )
    source_path = str(Path(getattr(module, "__file__", "") or where))
    try:
        source = Path(source_path).read_text(encoding="utf-8")
    except OSError:
        source = ""
    return Scenario(
        id=sid,
        title=texts["TITLE"],
        summary=texts["SUMMARY"],
        actors=actors,
        source_path=source_path,
        source=source,
        notice=getattr(module, "NOTICE", {}),
        group=getattr(module, "GROUP", "custom"),
        order=int(getattr(module, "ORDER", 99)),
        module=module.__name__,
        network=network,
    )


def _program_lesson(
    module: ModuleType, where: str, sid: str, texts: dict[str, dict[str, str]]
) -> Scenario:
    """A lesson made of programs (``PROGRAMS``: command lines, "{port}" the run's own port),
    run in the folder ``PROGRAMS_FOLDER`` beside the module (default ``_programs``)."""
    import dataclasses

    from socketscope.engine.programs import ProgramError, ProgramLine, program_scenario

    commands = module.PROGRAMS
    if not isinstance(commands, (list, tuple)) or not all(isinstance(c, str) for c in commands):
        raise ScenarioError(f"{where}: PROGRAMS must be a list of command lines")
    folder = Path(getattr(module, "__file__", where)).parent / getattr(
        module, "PROGRAMS_FOLDER", "_programs"
    )
    try:
        sc = program_scenario([ProgramLine.parse(c, str(folder)) for c in commands])
    except ProgramError as e:
        raise ScenarioError(f"{where}: {e}") from None
    return dataclasses.replace(
        sc,
        id=sid,
        title=texts["TITLE"],
        summary=texts["SUMMARY"],
        notice=getattr(module, "NOTICE", {}),
        group=getattr(module, "GROUP", "custom"),
        order=int(getattr(module, "ORDER", 99)),
        module=module.__name__,
    )


def _builtin_modules() -> list[str]:
    pkg = importlib.import_module(BUILTIN_PACKAGE)
    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))


def builtin_scenarios() -> list[Scenario]:
    out = [
        from_module(importlib.import_module(f"{BUILTIN_PACKAGE}.{m}")) for m in _builtin_modules()
    ]
    # teaching order: the default lesson, then TCP basics, UDP, failures, advanced
    groups = ("tcp-basics", "udp", "failures", "advanced")
    rank = {g: i for i, g in enumerate(groups)}
    return sorted(
        out, key=lambda s: (s.id != DEFAULT_SCENARIO, rank.get(s.group, 9), s.order, s.id)
    )


# lessons renamed: a session, a link or a script that names the old id still finds the lesson
ALIASES = {"tcp-nagle": "tcp-delayed-ack-nagle"}


def get(scenario_id: str) -> Scenario:
    scenario_id = ALIASES.get(scenario_id, scenario_id)
    # a lesson's module is named after its id (tcp-echo in tcp_echo.py): import that one alone
    # when it is there, not every lesson (start-up speed); else look through them all
    module = scenario_id.replace("-", "_")
    if module in _builtin_modules():
        found = from_module(importlib.import_module(f"{BUILTIN_PACKAGE}.{module}"))
        if found.id == scenario_id:
            return found
    scenarios = builtin_scenarios()
    for s in scenarios:
        if s.id == scenario_id:
            return s
    raise UnknownScenario(scenario_id, [s.id for s in scenarios])


def load_file(path: str | Path) -> Scenario:
    """Load a scenario from a .py file, with errors that point at the file and line."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such scenario file")
    name = f"socketscope_user_scenario_{abs(hash(str(p.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise ScenarioError(f"{p}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        sys.modules.pop(name, None)
        raise ScenarioError(f"{e.filename or p}:{e.lineno}: syntax error: {e.msg}") from None
    except Exception as e:  # noqa: BLE001 -- any error in a user's file is reported, not raised
        sys.modules.pop(name, None)
        line = None
        # the import system names the file by its absolute path, whatever path it was given
        here = p.resolve()
        for frame, lineno in traceback.walk_tb(e.__traceback__):
            if Path(frame.f_code.co_filename).resolve() == here:
                line = lineno
        where = f"{p}:{line}" if line else str(p)
        raise ScenarioError(f"{where}: {type(e).__name__}: {e}") from None
    return from_module(module, str(p))


def resolve(name_or_path: str) -> Scenario:
    """A built-in scenario id, or the path of a scenario file."""
    if name_or_path.endswith(".py") or "/" in name_or_path:
        return load_file(name_or_path)
    return get(name_or_path)
