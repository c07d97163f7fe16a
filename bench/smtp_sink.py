"""SMTP sink for the fan-out benchmark: aiosmtpd on 127.0.0.1 that counts messages per recipient and Message-ID.

    python bench/smtp_sink.py SMTP_PORT CONTROL_PORT

The control port takes one line per connection and answers one JSON line:
``STATS`` (counts, duplicates, first/last arrival as time.time()) or ``RESET``.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
import time
from collections import Counter

from aiosmtpd.smtp import SMTP

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Sink:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.by_id: Counter[str] = Counter()
        self.by_rcpt: Counter[str] = Counter()
        self.count = 0
        self.missing_id = 0
        self.first: float | None = None
        self.last: float | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        now = time.time()
        head = envelope.original_content or envelope.content
        head = head.split(b"\r\n\r\n", 1)[0] if isinstance(head, bytes) else head.encode().split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID.search(head)
        if match:
            self.by_id[match.group(1).decode(errors="replace")] += 1
        else:
            self.missing_id += 1
        for rcpt in envelope.rcpt_tos:
            self.by_rcpt[rcpt.lower()] += 1
        self.count += 1
        self.first = self.first or now
        self.last = now
        return "250 OK"

    def stats(self) -> dict:
        return {
            "count": self.count, "unique_ids": len(self.by_id), "missing_id": self.missing_id,
            "dup_ids": sum(1 for c in self.by_id.values() if c > 1),
            "recipients": len(self.by_rcpt), "dup_recipients": sum(1 for c in self.by_rcpt.values() if c > 1),
            "dup_examples": [r for r, c in self.by_rcpt.items() if c > 1][:5],
            "recipient_list": sorted(self.by_rcpt), "first": self.first, "last": self.last,
        }


async def main(smtp_port: int, control_port: int) -> None:
    sink = Sink()
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(lambda: SMTP(sink, hostname="sink.localhost", data_size_limit=10_000_000),
                                    "127.0.0.1", smtp_port, backlog=256)

    async def control(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command = (await reader.readline()).decode().strip().upper()
        if command == "RESET":
            sink.reset()
            answer: dict = {"ok": True}
        else:
            answer = sink.stats()
        writer.write(json.dumps(answer).encode() + b"\n")
        await writer.drain()
        writer.close()

    ctl = await asyncio.start_server(control, "127.0.0.1", control_port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    await stop.wait()
    smtp.close()
    ctl.close()


def query(control_port: int, command: str = "STATS") -> dict:
    """Client side, used by bench/run.py."""
    import socket

    with socket.create_connection(("127.0.0.1", control_port), timeout=30) as s:
        s.sendall(command.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    return json.loads(data)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
