"""The run as Mermaid or PlantUML sequence-diagram text, for slides and notes.

Participants are the actors; each call is a message from an actor to itself; time spent blocked is
a note; the kernel's handshake, data and FIN/RST are messages between actors, in diagram order.
"""

from __future__ import annotations

import re

from socketscope.engine.trace import Trace
from socketscope.model.diagram import DiagramLayout
from socketscope.model.labels import duration

# (row, order within the row, kind, text...) items, built once for both syntaxes
_Item = tuple[int, int, str, tuple[str, ...]]


def _items(trace: Trace) -> tuple[list[str], list[_Item]]:
    lay = DiagramLayout(list(trace.header.get("actors", [])))
    lay.extend(trace.events)
    items: list[_Item] = []
    for b in lay.boxes:
        text = f"{b.label} → {b.result}" if b.result and not b.blocked else b.label
        items.append((b.row, 0, "call", (lay.lanes[b.lane], text)))
    for s in lay.spans:
        if s.row1 is not None:
            who = lay.lanes[s.lane]
            items.append(
                (s.row1, 2, "note", (who, f"blocked {duration(s.duration or 0)} in {s.op}()"))
            )
            items.append((s.row1, 3, "call", (who, f"{s.op}() returns → {s.box.result}")))
    for a in lay.arrows:
        kind = (
            "dashed" if a.kind in ("handshake", "fin", "rst", "wake", "kill", "dgram") else "solid"
        )
        # what arrives comes before the return it causes
        items.append(
            (max(a.row0, a.row1), 1, kind, (lay.lanes[a.lane0], lay.lanes[a.lane1], a.label))
        )
    for m in lay.marks:
        items.append((m.row, 0, "note", (lay.lanes[m.lane], m.text)))
    items.sort(key=lambda i: (i[0], i[1]))
    return lay.lanes, items


def _alias(names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, n in enumerate(names):
        base = re.sub(r"\W", "", n) or "A"
        out[n] = base if base not in out.values() else f"{base}{i}"
    return out


def _clean(text: str) -> str:
    """One line, none of the characters that end a message in either syntax."""
    return " ".join(text.replace(";", ",").replace("#", "No.").split())


def to_mermaid(trace: Trace) -> str:
    lanes, items = _items(trace)
    alias = _alias(lanes)
    lines = ["sequenceDiagram"]
    title = trace.header.get("title", {}).get("en")
    if title:
        lines.append(f"    title {_clean(title)}")
    lines += [f"    participant {alias[n]} as {_clean(n)}" for n in lanes]
    for _row, _o, kind, args in items:
        if kind == "call":
            who, text = args
            lines.append(f"    {alias[who]}->>{alias[who]}: {_clean(text)}")
        elif kind == "note":
            who, text = args
            lines.append(f"    Note right of {alias[who]}: {_clean(text)}")
        else:
            src, dst, text = args
            arrow = "-->>" if kind == "dashed" else "->>"
            lines.append(f"    {alias[src]}{arrow}{alias[dst]}: {_clean(text)}")
    return "\n".join(lines) + "\n"


def to_plantuml(trace: Trace) -> str:
    lanes, items = _items(trace)
    alias = _alias(lanes)
    lines = ["@startuml"]
    title = trace.header.get("title", {}).get("en")
    if title:
        lines.append(f"title {_clean(title)}")
    lines += [f'participant "{_clean(n)}" as {alias[n]}' for n in lanes]
    for _row, _o, kind, args in items:
        if kind == "call":
            who, text = args
            lines.append(f"{alias[who]} -> {alias[who]} : {_clean(text)}")
        elif kind == "note":
            who, text = args
            lines.append(f"note right of {alias[who]} : {_clean(text)}")
        else:
            src, dst, text = args
            arrow = "-->" if kind == "dashed" else "->"
            lines.append(f"{alias[src]} {arrow} {alias[dst]} : {_clean(text)}")
    lines.append("@enduml")
    return "\n".join(lines) + "\n"
