"""Test scenario: loopback spelt every way a student might, and sockets used before bind():
all must work, and every socket ends up on loopback."""

import os
import socket as s2

from socketscope.api import AF_INET, SOCK_DGRAM, SOCK_STREAM, actor, socket


def say(*words):
    # one write per line: the run's output shares the pipe with the log the CLI prints
    os.write(1, (" ".join(str(w) for w in words) + "\n").encode())


def attempt(name, fn):
    try:
        fn()
    except (OSError, ValueError) as e:
        say("REFUSED", name, type(e).__name__, e)
    else:
        say("ALLOWED", name)


@actor("Student")
def student():
    listener = socket(AF_INET, SOCK_STREAM)
    listener.listen(16)  # no bind(): bound to loopback first, shown as such
    port = listener.getsockname()[1]
    say("LISTEN", listener.getsockname()[0])
    u = socket(AF_INET, SOCK_DGRAM)
    u.sendto(b"hi", ("127.0.0.1", port))  # no bind() either
    say("SENDTO-FROM", u.getsockname()[0])
    plain = s2.socket()
    plain.listen(1)
    say("PLAIN-LISTEN", plain.getsockname()[0])
    for host in ("127.0.0.1", "127.1", b"127.0.0.1", "localhost"):
        attempt(f"connect {host!r}", lambda h=host: s2.create_connection((h, port), 1).close())
    v6 = s2.socket(s2.AF_INET6)
    v6.bind(("::1%lo", 0))
    v6.listen(4)
    v6port = v6.getsockname()[1]
    attempt("connect ::1%lo", lambda: s2.socket(s2.AF_INET6).connect(("::1%lo", v6port)))
    mapped = ("::ffff:127.0.0.1", port)
    attempt("connect ::ffff:127.0.0.1", lambda: s2.socket(s2.AF_INET6).connect(mapped))
    attempt("traced bytes", lambda: socket(AF_INET, SOCK_STREAM).connect((b"127.0.0.1", port)))
    for s in (listener, u):
        s.close()


ID = "test-loopback-spellings"
TITLE = {"en": "loopback spellings", "ko": "루프백 표기"}
SUMMARY = {"en": "test", "ko": "테스트"}
