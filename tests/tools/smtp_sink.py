# SPDX-License-Identifier: GPL-2.0-only
"""A loopback SMTP server for the TLS delivery tests.

Usage: smtp_sink.py MODE PORTFILE LOG [CERT KEY]
Listens on 127.0.0.1 (a free port, written to PORTFILE once it answers) and appends JSON lines to LOG.
MODE
  starttls  aiosmtpd offering STARTTLS with CERT/KEY and refusing mail before it; a line per mail
            received: {"tls": bool, "from", "to", "data"}
  smtps     the same with TLS from the first byte
  plain     a server that offers no STARTTLS but AUTH, takes every command and logs each line a client
            sent it in the clear as {"line": text}: what a wire sniffer would have read
"""
import asyncio
import json
import socket
import ssl
import sys

mode, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]


def record(obj):
    with open(log, "a") as f:
        f.write(json.dumps(obj) + "\n")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def plain_client(reader, writer):
    writer.write(b"220 sink ESMTP\r\n")
    in_data = in_auth = False
    while line := await reader.readline():
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        record({"line": text})
        if in_auth:
            in_auth = False
            writer.write(b"235 ok\r\n")
        elif in_data:
            if text == ".":
                in_data = False
                writer.write(b"250 queued\r\n")
        elif (verb := text.split(" ", 1)[0].upper()) == "EHLO":
            writer.write(b"250-sink\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
        elif verb == "AUTH" and len(text.split(" ")) == 2:  # the credentials come on the next line
            in_auth = True
            writer.write(b"334 \r\n")
        elif verb == "AUTH":
            writer.write(b"235 ok\r\n")
        elif verb == "DATA":
            in_data = True
            writer.write(b"354 go on\r\n")
        elif verb == "QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"250 ok\r\n")
        await writer.drain()
    writer.close()


async def plain():
    srv = await asyncio.start_server(plain_client, "127.0.0.1", 0)
    open(portfile, "w").write(str(srv.sockets[0].getsockname()[1]))
    await srv.serve_forever()


class Handler:
    async def handle_DATA(self, server, session, envelope):
        record({"tls": session.ssl is not None, "from": envelope.mail_from, "to": envelope.rcpt_tos,
                "data": envelope.content.decode("utf-8", "replace")})
        return "250 OK"


def tls():
    from aiosmtpd.controller import Controller
    import time

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    port = free_port()
    if mode == "smtps":
        c = Controller(Handler(), hostname="127.0.0.1", port=port, ssl_context=ctx)
    else:
        c = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True)
    c.start()
    open(portfile, "w").write(str(port))
    while True:
        time.sleep(3600)


if mode == "plain":
    asyncio.run(plain())
else:
    tls()
