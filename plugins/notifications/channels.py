"""Channels deliver one outbox message; other plugins add channels through ``notification_channels``."""

from __future__ import annotations

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
    """E-mail over SMTP with aiosmtplib (none / STARTTLS / SSL, optional login)."""

    name = "email"

    def __init__(self, settings: NotificationSettings, domain: str) -> None:
        self.settings = settings
        self.domain = domain

    async def send(self, message: Any) -> None:
        s = self.settings
        try:
            await aiosmtplib.send(
                build_email(message, s, self.domain),
                hostname=s.smtp_host, port=s.smtp_port, timeout=s.smtp_timeout_seconds,
                use_tls=s.smtp_security == "ssl", start_tls=True if s.smtp_security == "starttls" else False,
                username=s.smtp_username or None, password=s.smtp_password or None,
            )
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
