"""Test scenario: an actor that never reaches another gate (a busy loop, no socket call), so
only killing its process can stop it."""

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket

ID = "test-spins-forever"
TITLE = {"en": "spins forever", "ko": "끝없이 돎"}
SUMMARY = {"en": "test", "ko": "테스트"}


@actor("Spinner")
def spinner():
    s = socket(AF_INET, SOCK_STREAM)
    n = 0
    while s is not None:  # never false: a loop the engine cannot interrupt
        n += 1
