"""Test scenario: signals arriving while a process actor is busy making calls."""

import sys

from socketscope.api import (
    AF_INET,
    SIGTERM,
    SIGUSR1,
    SO_RCVBUF,
    SOCK_STREAM,
    SOL_SOCKET,
    actor,
    kill,
    signal,
    socket,
    wait_until,
)

ID = "test-busy-signal"
TITLE = {"en": "busy signal", "ko": "바쁠 때 시그널"}
SUMMARY = {"en": "test", "ko": "테스트"}
got = []


@actor("Busy", process=True)
def busy():
    s = socket(AF_INET, SOCK_STREAM)
    signal(SIGUSR1, lambda signum, frame: got.append(signum))

    def done(signum, frame):
        s.close()
        sys.exit(0)

    signal(SIGTERM, done)
    while True:
        s.getsockopt(SOL_SOCKET, SO_RCVBUF)


@actor("Sender", starts_when=("Busy", "getsockopt", "returned"))
def sender():
    for _ in range(20):
        kill("Busy", SIGUSR1)
    kill("Busy", SIGTERM)
    wait_until("Busy")
