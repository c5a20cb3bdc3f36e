# SPDX-License-Identifier: GPL-2.0-only
"""Prints a TCP port free on 127.0.0.1 now (for servers that cannot report the port they took)."""
import socket

s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
