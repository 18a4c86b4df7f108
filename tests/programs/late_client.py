"""Connects after a pause (argv[2] seconds), sends a line and prints the answer."""

import socket
import sys
import time

time.sleep(float(sys.argv[2]))
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"hi\n")
print(s.recv(100))
s.close()
