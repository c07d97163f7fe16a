"""With ``log_format = "json"`` every log line is one JSON object, and a registration leaves no personal data in them."""

from __future__ import annotations

import io
import json
import logging
import re
import sys

from core.ops.logs import configure_logging, scrub
from plugins.notifications import service as outbox
from plugins.notifications.channels import TemporaryFailure
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form

NAME, EMAIL, ADDRESS = "Erika Mustermann", "erika.mustermann@example.org", "203.0.113.77"


class RefusingChannel:
    """A mail server that names the recipient and itself in its error, as real ones do."""

    name = "email"

    async def send(self, message) -> None:
        raise RuntimeError(f"550 <{message.recipient}> refused by 198.51.100.4 (2001:db8::17)")


async def test_a_registration_logs_json_lines_without_personal_data(make_client, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)  # where the app's JSON handler writes
    async with make_client(["registration", "notifications"], sections=NO_RATE_LIMIT, log_format="json",
                           client_address=ADDRESS) as client:
        try:
            _q, event, _form = await event_with_form(capacity=5)
            page = await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff?token=abc")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
            registered = await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung", data={
                "_csrf_token": token, "name": NAME, "email": EMAIL, "consent": "on"})
            assert registered.status_code == 201
            assert sum((await outbox.run_batch({"email": RefusingChannel()})).values()) == 1  # logs the exception
            logging.getLogger("plugins.test").warning("mail for %s from %s bounced", EMAIL, ADDRESS)
        finally:
            configure_logging(client.deployment.settings)
    output = stream.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    assert output.endswith("\n") and len(lines) == len(output.splitlines())
    requests = [line for line in lines if line["logger"] == "quartier.requests"]
    assert {(r["method"], r["status"]) for r in requests} >= {("GET", 200), ("POST", 201)}
    post = next(r for r in requests if r["method"] == "POST")
    assert post["route"].endswith("/anmeldung") and "{" in post["route"] and post["duration_ms"] >= 0
    failure = next(line for line in lines if line["logger"] == "plugins.notifications.service")
    assert failure["level"] == "error" and "RuntimeError: 550 <[redacted]> refused by [redacted] ([redacted])" in failure["exception"]
    assert any(line["message"] == "mail for [redacted] from [redacted] bounced" for line in lines)
    for secret in (NAME, "Erika", "Mustermann", EMAIL, "example.org", ADDRESS, "198.51.100.4", "2001:db8", "token=abc"):
        assert secret not in output, secret


def test_scrub_keeps_times_versions_and_routes():
    kept = "12:30:45 took 1.25 s on /{quartier}/veranstaltungen/{event_ref} (Quartier 0.1.0, PostgreSQL 15.18)"
    assert scrub(kept) == kept
    assert scrub("a@b.de, ::1, 10.0.0.1 and fe80::1:2") == "[redacted], [redacted], [redacted] and [redacted]"


async def test_text_logs_stay_as_they_were(make_client):
    async with make_client([]) as client:
        assert not [h for h in logging.getLogger().handlers if getattr(h, "quartier_json", False)]
        assert (await client.get("/healthz")).status_code == 200
