"""A UDP echo server: answers one datagram."""

import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5051

with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.bind(("", PORT))
    data, addr = s.recvfrom(1024)
    s.sendto(data.upper(), addr)
