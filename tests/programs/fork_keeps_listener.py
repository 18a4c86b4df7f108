"""A forking server whose child forgets to close the listening socket (a common slip): the child
holds a copy of the listener, the parent alone accepts."""

import os
import socket
import sys
import time

PORT = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", PORT))
s.listen()
for _ in range(2):
    conn, addr = s.accept()
    if os.fork() == 0:
        conn.sendall(conn.recv(1024).upper())
        conn.close()
        time.sleep(1.5)
        os._exit(0)
    conn.close()
    time.sleep(0.6)  # the next client's SYN comes meanwhile, while the child holds the listener
for _ in range(2):
    os.wait()
s.close()
