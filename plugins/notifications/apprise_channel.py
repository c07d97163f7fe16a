"""An optional channel through Apprise (``pip install quartier[apprise]``): SMS gateways, Matrix, Signal, ntfy...

Operators enter the Apprise URLs in the staff UI; they hold credentials, so they
are stored encrypted (Fernet, key derived from the deployment's secret key) and
only schemes on the allow-list ``[notifications] apprise_schemes`` are accepted.
An SMS target's URL contains ``{phone}``, replaced by the recipient's number.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote, urlparse

from core.plugin_api import current
from plugins.notifications.channels import TemporaryFailure
from plugins.notifications.tables import AppriseTarget


def available() -> bool:
    """Whether the optional packages are installed (found, not imported: apprise takes 0.1 s to import)."""
    from importlib.util import find_spec

    return find_spec("apprise") is not None and find_spec("cryptography") is not None


def _fernet():
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(b"quartier-apprise:" + current().settings.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(url: str) -> str:
    return _fernet().encrypt(url.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def check_url(url: str, purpose: str) -> str | None:
    """A German message about what is wrong with an Apprise URL, or None."""
    scheme = urlparse(url).scheme.lower()
    allowed = current().settings_for("notifications").apprise_schemes
    if scheme not in allowed:
        return f"„{scheme or url}://“ ist nicht freigegeben (erlaubt: {', '.join(allowed)})."
    if purpose == "sms" and "{phone}" not in url:
        return "Eine SMS-Adresse braucht den Platzhalter {phone} für die Telefonnummer."
    import apprise

    if not apprise.Apprise().add(url.replace("{phone}", "0")):
        return "Apprise kann mit dieser Adresse nichts anfangen."
    return None


def masked(token: str) -> str:
    url = decrypt(token)
    return urlparse(url).scheme + "://…"


async def target_for(purpose: str, quartier_id: int | None) -> AppriseTarget | None:
    if not available():
        return None
    rows = await AppriseTarget.objects().where(AppriseTarget.purpose == purpose).order_by(AppriseTarget.id)
    return next((t for t in rows if t.quartier_id == quartier_id), None) or next((t for t in rows if t.quartier_id is None), None)


class AppriseChannel:
    """``message.recipient`` is ``<target id>`` or ``<target id>|<phone>``."""

    name = "apprise"

    async def send(self, message: Any) -> None:
        import apprise

        from plugins.notifications.channels import PermanentFailure

        target_id, _sep, phone = message.recipient.partition("|")
        target = await AppriseTarget.objects().where(AppriseTarget.id == int(target_id)).first()
        if target is None:
            raise PermanentFailure("the Apprise target was deleted")
        url = decrypt(target.url_encrypted).replace("{phone}", quote(phone))
        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise PermanentFailure("Apprise does not accept the stored URL")
        if not await notifier.async_notify(title=message.subject, body=message.body_text):
            raise TemporaryFailure("Apprise could not deliver (see the log of the gateway)")
