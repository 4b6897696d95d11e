#!/usr/bin/python3
"""An SMTP server for the tests: Debian's aiosmtpd on a free loopback port, writing each message
it receives to FOLDER as JSON, parsed by Python's own email package (not by commsflow's code):
{"mail_from", "rcpt_tos", "from", "to", "subject", "message_id", "text", "html", "raw"}.

Usage: smtp_sink.py FOLDER [PORT] [--delay SECONDS]
Prints "listening on PORT" once ready, then serves until killed (SIGTERM) or stdin closes.
"""
import asyncio
import email
import email.policy
import json
import os
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, delay):
        self.folder = folder
        self.delay = delay
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "text": text.get_content() if text else None,
            "html": html.get_content() if html else None,
            "raw": envelope.content.decode("utf-8", "replace"),
        }
        with self.lock:
            self.count += 1
            name = "%06d-%d.json" % (self.count, os.getpid())
        path = os.path.join(self.folder, name)
        with open(path + ".part", "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.rename(path + ".part", path)  # whole files only
        return "250 Message accepted"


def main():
    args = [a for a in sys.argv[1:]]
    delay = 0.0
    if "--delay" in args:
        at = args.index("--delay")
        delay = float(args[at + 1])
        del args[at : at + 2]
    folder = args[0]
    port = int(args[1]) if len(args) > 1 else 0
    os.makedirs(folder, exist_ok=True)
    if port == 0:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    controller = Controller(Sink(folder, delay), hostname="127.0.0.1", port=port)
    controller.start()
    print("listening on %d" % port, flush=True)
    try:
        while sys.stdin.read(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
