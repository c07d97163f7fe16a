"""A real SMTP server (aiosmtpd) on loopback, whose answers the test can choose."""

from __future__ import annotations

import email
import threading
from email.message import Message
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from core.testing.processes import free_port
from tests.plugins.registration.helpers import with_notifications


class Sink:
    """Collects every message; ``replies`` holds answers to give instead of 250 (e.g. "451 ...")."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.replies: list[str] = []
        self.refuse: dict[str, str] = {}  # recipient -> reply
        self.peers: list[tuple[str, int]] = []  # client address of each DATA: one per SMTP session
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            self.peers.append(tuple(session.peer))
            for rcpt in envelope.rcpt_tos:
                if rcpt in self.refuse:
                    return self.refuse[rcpt]
            if self.replies:
                return self.replies.pop(0)
            self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp():
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    sink.controller = controller
    yield sink
    controller.stop()


def sections(port: int, **extra) -> dict:
    """The registration plugin's test sections (with_notifications), with these notifications settings on top."""
    found = with_notifications(port)
    found["notifications"].update(extra)
    return found
