"""Reads a line from the keyboard, sends it, prints the answer."""

import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5050

with socket.create_connection(("127.0.0.1", PORT)) as s:
    line = input("say something: ")
    s.sendall(line.encode() + b"\n")
    print("server says:", s.recv(1024).decode().strip())
