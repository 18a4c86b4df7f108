"""The state at the cursor: what the inspector, the table and the status bar are made from."""

from __future__ import annotations

import pytest

from conftest import load_test_scenario
from socketscope.engine import Event, Runner, Trace
from socketscope.engine.scenario import get
from socketscope.model.state import RunState


@pytest.fixture(scope="module")
def echo() -> list[Event]:
    return Runner(get("tcp-echo")).run_to_end()


def test_sockets_at_the_end(echo: list[Event]) -> None:
    st = RunState.at(echo, len(echo), ["Server", "Client"])
    listener, client, conn = (st.sockets[i] for i in (1, 2, 3))
    assert listener.listening and listener.peer is None and listener.conn is None
    assert client.peer == conn.local and conn.peer == client.local
    assert client.conn == conn.conn is not None
    assert all(s.closed for s in st.sockets.values())
    assert (
        st.sentence() == f"The run is over: {st.calls} calls, {st.blocked_calls} of them blocked."
    )
    assert st.sentence("ko").startswith("실행이 끝났습니다")


def test_the_past_is_what_was_recorded(echo: list[Event]) -> None:
    t = Trace({}, echo)
    listen_ret = t.first("return", "listen")
    n = echo.index(listen_ret)
    before = RunState.at(echo, n, ["Server", "Client"])
    after = RunState.at(echo, n + 2, ["Server", "Client"])  # the return and its snapshot
    assert not before.sockets[1].listening
    assert after.sockets[1].listening and after.sockets[1].state == "LISTEN"


def test_blocked_sentence_in_both_languages(echo: list[Event]) -> None:
    blocked = next(e for e in echo if e.kind == "blocked" and e.op == "accept")
    st = RunState.at(echo, echo.index(blocked) + 1, ["Server", "Client"])
    assert st.sentence() == "Server is blocked in accept(): no client has connected yet."
    # 블로킹: one term for the concept (KOREAN-TERMS.md)
    assert "accept()에서 블로킹되어 있습니다" in st.sentence("ko")


def test_non_blocking_connection_learns_its_addresses_from_data() -> None:
    events = Runner(load_test_scenario("nonblocking_and_timeouts")).run_to_end()
    st = RunState.at(events, len(events))
    inprogress = [e for e in events if e.kind == "return" and e.op == "connect_ex"][1]
    s = st.sockets[inprogress.sock or -1]
    assert s.conn is not None and s.peer is not None and s.local is not None


def test_advancing_equals_replaying(echo: list[Event]) -> None:
    st = RunState.at(echo, 10, ["Server", "Client"])
    for n in (20, 35, len(echo)):
        st.advance(echo, n)
        fresh = RunState.at(echo, n, ["Server", "Client"])
        assert st.sockets == fresh.sockets and st.actors == fresh.actors
        counts = (fresh.calls, fresh.blocked_calls, fresh.errors)
        assert (st.calls, st.blocked_calls, st.errors) == counts


def _stream_by_scanning(
    events: list[Event], conn: int, direction: str, cursor: int
) -> tuple[bytes, list[tuple[int, int]], bool]:
    """What the inspector computed before the index: a scan of every event up to the cursor."""
    from socketscope.model import catalogue as cat

    data, segments, gaps = bytearray(), [], False
    for ev in events[:cursor]:
        if ev.conn != conn or ev.dir != direction or ev.range is None:
            continue
        if cat.data_dir(ev.op) != "out" or ev.kind not in ("return", "burst"):
            continue
        a, b = ev.range
        chunk = bytes.fromhex(ev.data or "")
        gaps = gaps or a != len(data) or len(chunk) < b - a
        if a == len(data):
            segments.append((len(data), len(data) + len(chunk)))
            data += chunk
    return bytes(data), segments, gaps


@pytest.mark.parametrize("scenario", ["tcp-echo", "tcp-stream-boundaries", "tcp-flow-control"])
def test_checkpoints_and_the_stream_index_agree_with_a_full_replay(scenario: str) -> None:
    """Stepping back replays from a checkpoint and the stream so far comes from an index: at every
    cursor, going back and forth, they say what replaying every event says."""
    from socketscope.model.state import StateHistory, StreamIndex

    events = Runner(get(scenario)).run_to_end(timeout=30)
    actors = list(get(scenario).header()["actors"])
    history, index = StateHistory(actors, every=7), StreamIndex()
    conns = {(e.conn, e.dir) for e in events if e.conn is not None and e.dir is not None}
    assert conns
    order = [*range(len(events), -1, -1), *range(0, len(events) + 1, 3)]
    for cursor in order:
        fresh = RunState.at(events, cursor, actors)
        got = history.at(events, cursor)
        assert (got.sockets, got.actors, got.calls, got.errors, got.last) == (
            fresh.sockets,
            fresh.actors,
            fresh.calls,
            fresh.errors,
            fresh.last,
        ), cursor
        for conn, direction in conns:
            assert index.so_far(events, conn, direction, cursor) == _stream_by_scanning(
                events, conn, direction, cursor
            ), (cursor, conn, direction)
    # another trace in the same index and history: nothing of the first is kept
    other = Runner(get("tcp-echo")).run_to_end()
    assert history.at(other, len(other)).sockets == RunState.at(other, len(other), actors).sockets


def test_the_line_index_agrees_with_a_scan_back_from_the_cursor() -> None:
    """Each actor's current line in the code (the lesson pane marks it) comes from an index: at
    every cursor, back and forth, it is what scanning back from the cursor finds."""
    from socketscope.model.state import LineIndex

    events = Runner(get("tcp-multi-client")).run_to_end(timeout=30)
    index = LineIndex()

    def scanned(cursor: int) -> list[tuple[int, str, int]]:
        seen: dict[str, tuple[int, str, int]] = {}
        for i in range(cursor - 1, -1, -1):
            ev = events[i]
            if ev.actor not in seen and ev.line is not None and ev.kind in LineIndex.KINDS:
                seen[ev.actor] = (i, ev.actor, ev.line)
        return sorted(seen.values(), reverse=True)

    for cursor in [*range(len(events), -1, -1), *range(0, len(events) + 1, 5)]:
        assert index.at(events, cursor) == scanned(cursor), cursor
    assert len(index.at(events, len(events))) == 7  # every actor of the lesson has a line
    other = Runner(get("tcp-echo")).run_to_end()
    assert {a for _, a, _ in index.at(other, len(other))} == {"Server", "Client"}
