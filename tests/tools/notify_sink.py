# SPDX-License-Identifier: GPL-2.0-only
"""A stand-in for systemd's notify socket: binds a datagram socket at PATH and appends each message
received to LOG as one JSON line {"t": monotonic seconds, "msg": text}, until SECONDS pass quietly.

Usage: notify_sink.py PATH LOG SECONDS
"""
import json
import os
import socket
import sys
import time

path, log, quiet = sys.argv[1], sys.argv[2], float(sys.argv[3])
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(quiet)
with open(log, "a") as out:
    try:
        while True:
            msg = s.recv(4096).decode()
            out.write(json.dumps({"t": time.monotonic(), "msg": msg}) + "\n")
            out.flush()
    except socket.timeout:
        pass
