"""Sends one line, prints the answer."""

import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5050
TEXT = sys.argv[2] if len(sys.argv) > 2 else "hello"

with socket.create_connection(("localhost", PORT)) as s:
    f = s.makefile("rwb")
    f.write(TEXT.encode() + b"\n")
    f.flush()
    print(f.readline().decode().strip())
