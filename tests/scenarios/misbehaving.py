"""Test scenario: non-loopback addresses, and an actor that raises."""

from socketscope.api import AF_INET, SOCK_DGRAM, SOCK_STREAM, actor, socket

ID = "test-misbehaving"
TITLE = {"en": "misbehaving", "ko": "잘못된 동작"}
SUMMARY = {"en": "test", "ko": "테스트"}


@actor("Wildcard")
def wildcard():
    s = socket(AF_INET, SOCK_STREAM)
    try:
        s.bind(("0.0.0.0", 0))
    except PermissionError:
        pass
    s.close()


@actor("Outsider")
def outsider():
    s = socket(AF_INET, SOCK_STREAM)
    try:
        s.connect(("192.0.2.1", 80))
    except PermissionError:
        pass
    u = socket(AF_INET, SOCK_DGRAM)
    try:
        u.sendto(b"x", ("8.8.8.8", 53))
    except PermissionError:
        pass
    u.close()
    s.close()


@actor("Crasher")
def crasher():
    s = socket(AF_INET, SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    raise ValueError("a bug in the scenario")


@actor("Survivor", starts_when=("Crasher", "bind"))
def survivor():
    s = socket(AF_INET, SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    s.close()
