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
    assert "accept()에서 블로킹되어" in st.sentence("ko")


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
