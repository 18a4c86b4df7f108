"""The run as Mermaid or PlantUML sequence-diagram text, for slides and notes.

Participants are the actors; each call is a message from an actor to itself; time spent blocked is
a note; the kernel's handshake, data and FIN/RST are messages between actors, in diagram order.
"""

from __future__ import annotations

import unicodedata

from socketscope.engine.trace import Trace
from socketscope.model import catalogue as cat
from socketscope.model.diagram import DiagramLayout
from socketscope.model.labels import duration

# (row, order within the row, kind, text...) items, built once for both syntaxes
_Item = tuple[int, int, str, tuple[str, ...]]


def _items(trace: Trace) -> tuple[list[str], list[_Item]]:
    lay = DiagramLayout(list(trace.header.get("actors", [])))
    lay.extend(trace.events)
    items: list[_Item] = []
    for b in lay.boxes:
        shown_here = b.result and not b.blocked and not b.returns_later
        text = f"{b.label} → {b.result}" if shown_here else b.label
        items.append((b.row, 0, "call", (lay.lanes[b.lane], text)))
    for s in lay.spans:
        if s.row1 is not None:
            who = lay.lanes[s.lane]
            note = f"blocked {duration(s.duration or 0)} in {s.op}()"
            if s.evidence:
                note += f" · {s.evidence}"
            if s.asleep:  # one not seen blocked returns on its row with no note (Box.returns_later)
                items.append((s.row1, 2, "note", (who, note)))
            if s.box.error in cat.NEVER_RETURNED:
                # the process ended inside the call: there is no return to show
                items.append((s.row1, 3, "call", (who, f"{s.op}() {s.box.result}")))
            else:
                items.append((s.row1, 3, "call", (who, f"{s.op}() returns → {s.box.result}")))
    for a in lay.arrows:
        kind = (
            "dashed" if a.kind in ("handshake", "fin", "rst", "wake", "kill", "dgram") else "solid"
        )
        label = a.label
        if a.kind == "lost":  # a datagram the kernel (or the link) dropped: it never arrived
            kind, label = "lost", label or "dropped"
        elif a.kind == "unsure":
            kind, label = "unsure", "dropped, or read by a recv() that gave no source"
        # what arrives comes before the return it causes
        # what arrives comes before the call that gets it
        row = max(a.row0, a.row1)
        items.append((row, -1, kind, (lay.lanes[a.lane0], lay.lanes[a.lane1], label)))
    for m in lay.marks:
        items.append((m.row, 0, "note", (lay.lanes[m.lane], m.text)))
    items.sort(key=lambda i: (i[0], i[1]))
    # participants in the diagram's order: a program's threads and children right after it
    return [lay.lanes[c] for c in lay.columns()], items


def _alias(names: list[str]) -> dict[str, str]:
    # A0, A1...: an actor called "end", "box" or "Note" would otherwise be read as a keyword
    return {n: f"A{i}" for i, n in enumerate(names)}


def _one_line(text: str) -> str:
    """Every run of whitespace (newlines, U+2028, vertical tabs...) as one space, and control
    characters as U+FFFD: a name from a trace can never start a line of its own."""
    return "".join(
        "\ufffd" if unicodedata.category(ch) == "Cc" else ch for ch in " ".join(str(text).split())
    )


# Mermaid reads %%{...}%% anywhere as a directive that changes its configuration, and < > as HTML
_MERMAID = {"#": "#35;", ";": "#59;", "%": "#37;", "<": "#60;", ">": "#62;"}


def _mermaid(text: str) -> str:
    """One line, the characters Mermaid would read as syntax written as entity codes, so the
    data is shown unchanged."""
    return "".join(_MERMAID.get(ch, ch) for ch in _one_line(text))


# PlantUML's preprocessor expands %functions() (%getenv...) and $variables anywhere in a line and
# reads \ as an escape; these are written as Unicode code points, which it draws as the character.
# The formatting characters of its Creole markup get its own escape, ~.
_PLANTUML_CODEPOINT = set('%$\\!"')
_PLANTUML_TILDE = set("*_~<>-=/")


def _plantuml(text: str) -> str:
    """One line that PlantUML shows as it is: no directive, no function, no formatting."""
    out = []
    for ch in _one_line(text):
        if ch in _PLANTUML_CODEPOINT:
            out.append(f"<U+{ord(ch):04X}>")
        elif ch in _PLANTUML_TILDE:
            out.append("~" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _title(trace: Trace) -> str | None:
    title = trace.header.get("title")
    return title.get("en") if isinstance(title, dict) else None


def to_mermaid(trace: Trace) -> str:
    lanes, items = _items(trace)
    alias = _alias(lanes)
    lines = ["sequenceDiagram"]
    title = _title(trace)
    if title:
        lines.append(f"    title {_mermaid(title)}")
    lines += [f"    participant {alias[n]} as {_mermaid(n)}" for n in lanes]
    for _row, _o, kind, args in items:
        if kind == "call":
            who, text = args
            lines.append(f"    {alias[who]}->>{alias[who]}: {_mermaid(text)}")
        elif kind == "note":
            who, text = args
            lines.append(f"    Note right of {alias[who]}: {_mermaid(text)}")
        else:
            src, dst, text = args
            arrow = {"dashed": "-->>", "lost": "--x", "unsure": "--)"}.get(kind, "->>")
            lines.append(f"    {alias[src]}{arrow}{alias[dst]}: {_mermaid(text)}")
    return "\n".join(lines) + "\n"


def to_plantuml(trace: Trace) -> str:
    lanes, items = _items(trace)
    alias = _alias(lanes)
    lines = ["@startuml"]
    title = _title(trace)
    if title:
        lines.append(f"title {_plantuml(title)}")
    lines += [f'participant "{_plantuml(n)}" as {alias[n]}' for n in lanes]
    for _row, _o, kind, args in items:
        if kind == "call":
            who, text = args
            lines.append(f"{alias[who]} -> {alias[who]} : {_plantuml(text)}")
        elif kind == "note":
            who, text = args
            lines.append(f"note right of {alias[who]} : {_plantuml(text)}")
        else:
            src, dst, text = args
            arrow = {"dashed": "-->", "lost": "-->x", "unsure": "-->>"}.get(kind, "->")
            lines.append(f"{alias[src]} {arrow} {alias[dst]} : {_plantuml(text)}")
    lines.append("@enduml")
    return "\n".join(lines) + "\n"
