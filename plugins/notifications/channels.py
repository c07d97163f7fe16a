"""Channels deliver one outbox message; other plugins add channels through ``notification_channels``.

A channel may also have ``async def close()``: the worker calls it after each claimed batch, so a
channel can keep a connection open for the batch (the e-mail channel does: one SMTP session per batch).
"""

from __future__ import annotations

import asyncio
import json
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any, Protocol

import aiosmtplib

from plugins.notifications.settings import NotificationSettings


class TemporaryFailure(Exception):
    """Try again later (connection refused, SMTP 4xx, timeouts)."""


class PermanentFailure(Exception):
    """Do not try again (SMTP 5xx: unknown mailbox, rejected)."""


class Channel(Protocol):
    name: str

    async def send(self, message: Any) -> None:
        """Deliver or raise TemporaryFailure / PermanentFailure."""


def build_email(message: Any, settings: NotificationSettings, domain: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((settings.from_name, settings.from_address))
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=domain)
    headers = json.loads(message.headers) if isinstance(message.headers, str) else (message.headers or {})
    for name, value in headers.items():
        mail[name] = value
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    if message.calendar:
        mail.add_attachment(message.calendar.encode("utf-8"), maintype="text", subtype="calendar",
                            filename="veranstaltung.ics", params={"method": "PUBLISH", "charset": "utf-8"})
    return mail


class EmailChannel:
    """E-mail over SMTP with aiosmtplib (none / STARTTLS / SSL, optional login).

    One SMTP session serves the messages of a batch until ``close()``; after any error the
    session is dropped and the next message opens a fresh one.
    """

    name = "email"

    def __init__(self, settings: NotificationSettings, domain: str) -> None:
        self.settings = settings
        self.domain = domain
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def _session(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        s = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.smtp_port, timeout=s.smtp_timeout_seconds,
            use_tls=s.smtp_security == "ssl", start_tls=True if s.smtp_security == "starttls" else False,
            username=s.smtp_username or None, password=s.smtp_password or None,
        )
        await smtp.connect()
        self._smtp = smtp
        return smtp

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None or not smtp.is_connected:
            return
        try:
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            smtp.close()

    async def send(self, message: Any) -> None:
        async with self._lock:
            try:
                await self._send(message)
            except BaseException:
                smtp, self._smtp = self._smtp, None  # a failed session is not reused
                if smtp is not None:
                    smtp.close()
                raise

    async def _send(self, message: Any) -> None:
        try:
            smtp = await self._session()
            await smtp.send_message(build_email(message, self.settings, self.domain))
        except aiosmtplib.SMTPResponseException as exc:
            if 400 <= exc.code < 500:
                raise TemporaryFailure(f"SMTP {exc.code}: {exc.message}") from None
            raise PermanentFailure(f"SMTP {exc.code}: {exc.message}") from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if all(400 <= c < 500 for c in codes):
                raise TemporaryFailure(f"SMTP recipients refused: {exc}") from None
            raise PermanentFailure(f"SMTP recipients refused: {exc}") from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
