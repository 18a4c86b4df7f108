"""Words for a two-host run's network: which host a lane lives on, and the link's weather.

Read from the trace header (``actor_hosts``, ``hosts``, and ``network.link`` as the run really
had it), so a saved trace shows the same labels with no run at all.
"""

from __future__ import annotations

from typing import Any

from socketscope.model.labels import Translate, untranslated


def host_label(host: str, address: str | None, translate: Translate = untranslated) -> str:
    """ "host A · 10.0.0.1" under a lane's name."""
    name = translate("Network", "host {name}").format(name=host)
    return f"{name} · {address}" if address else name


def _num(v: Any) -> str:
    return f"{float(v):g}"


def rule_text(rule: dict[str, Any], translate: Translate = untranslated) -> str:
    """One exact rule of a lesson, e.g. "drops data segment #2 A→B"."""
    what = {
        "syn": translate("Network", "SYN"),
        "tcp-data": translate("Network", "data segment"),
        "datagram": translate("Network", "datagram"),
    }.get(str(rule.get("packet")), translate("Network", "packet"))
    where = str(rule.get("dir") or "").replace(">", "→")
    n = rule.get("nth", 1)
    do = rule.get("do")
    if do == "drop":
        text = translate("Network", "drops {what} #{n}")
    elif do == "delay" and rule.get("after"):
        text = translate("Network", "holds {what} #{n} back until #{after} has passed")
    elif do == "delay":
        text = translate("Network", "holds {what} #{n} back {ms} ms")
    else:
        text = translate("Network", "duplicates {what} #{n}")
    out = text.format(what=what, n=n, ms=_num(rule.get("ms", 0)), after=rule.get("after"))
    return f"{out} {where}" if where else out


def weather_text(link: dict[str, Any] | None, translate: Translate = untranslated) -> str:
    """The link's weather in one line: "link: loss 10% · delay 20±5 ms · seed 7 · drops SYN #1
    A→B" (the seed only where something was left to chance)."""
    if not isinstance(link, dict):
        return ""
    parts = []
    try:
        if link.get("loss"):
            parts.append(translate("Network", "loss {p}%").format(p=_num(link["loss"])))
        if link.get("delay_ms") or link.get("jitter_ms"):
            if link.get("jitter_ms"):
                parts.append(
                    translate("Network", "delay {ms}±{jitter} ms").format(
                        ms=_num(link.get("delay_ms", 0)), jitter=_num(link["jitter_ms"])
                    )
                )
            else:
                parts.append(
                    translate("Network", "delay {ms} ms").format(ms=_num(link["delay_ms"]))
                )
        if link.get("reorder"):
            parts.append(translate("Network", "reorder {p}%").format(p=_num(link["reorder"])))
        if link.get("duplicate"):
            parts.append(translate("Network", "duplicate {p}%").format(p=_num(link["duplicate"])))
        chance = any(link.get(k) for k in ("loss", "jitter_ms", "reorder", "duplicate"))
        if chance and isinstance(link.get("seed"), int):
            # the random choices above came from it: the same seed makes them again
            parts.append(translate("Network", "seed {seed}").format(seed=link["seed"]))
        rules = link.get("rules") or []
        parts += [rule_text(r, translate) for r in rules if isinstance(r, dict)]
    except (TypeError, ValueError):
        return ""
    if not parts:
        return translate("Network", "link: no loss, no delay")
    return translate("Network", "link: {weather}").format(weather=" · ".join(parts))


def link_tally(link_events: list[Any], cursor_seq: int, translate: Translate = untranslated) -> str:
    """What the link has done so far, at the cursor: "so far: 1 dropped · 1 duplicated"."""
    counts: dict[str, int] = {}
    for ev in link_events:
        if ev.seq > cursor_seq:
            break
        counts[ev.op] = counts.get(ev.op, 0) + 1
    words = {
        "dropped": translate("Network", "{n} dropped"),
        "delayed": translate("Network", "{n} held back"),
        "reordered": translate("Network", "{n} reordered"),
        "duplicated": translate("Network", "{n} duplicated"),
    }
    parts = [words[op].format(n=n) for op, n in counts.items() if op in words]
    if not parts:
        return ""
    return translate("Network", "so far: {what}").format(what=" · ".join(parts))
