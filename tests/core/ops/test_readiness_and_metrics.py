"""/healthz, /readyz and /metrics through HTTP: what each answers, and to whom."""

from __future__ import annotations

import re
from datetime import timedelta

from piccolo.apps.migrations.tables import Migration

from core.testing.fixtures import open_client
from plugins.notifications import service as outbox
from plugins.notifications.tables import OutboxMessage
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form, person

PLUGINS = ["registration", "notifications"]


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the first sample of ``name`` with these labels in Prometheus text output, or None."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if match and match.group(1) == name:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(match.group(3))
    return None


async def test_readyz_names_what_fails_healthz_stays_alive(make_client):
    async with make_client(PLUGINS) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "ready" and body["failed"] == []
        assert [c["name"] for c in body["checks"]] == ["database", "migrations", "notifications.outbox"]

        # a message due 20 minutes ago that no sender took: the outbox is too old (default limit 600 s)
        await outbox.enqueue(recipient="erika@example.org", kind="test", subject="s", body_text="b", idempotency_key="k1")
        await OutboxMessage.update({OutboxMessage.next_attempt_at: outbox.now() - timedelta(minutes=20)}).where(
            OutboxMessage.idempotency_key == "k1")
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.headers["content-type"].startswith("application/json")
        assert not_ready.json()["failed"] == ["notifications.outbox"]
        detail = next(c["detail"] for c in not_ready.json()["checks"] if c["name"] == "notifications.outbox")
        assert "waited 1200 s" in detail and "erika" not in not_ready.text
        assert (await client.get("/healthz")).status_code == 200  # alive all the same

        await OutboxMessage.delete().where(OutboxMessage.idempotency_key == "k1")
        assert (await client.get("/readyz")).status_code == 200
        # a migration that is not applied
        first = await Migration.select(Migration.id, Migration.app_name).where(Migration.app_name == "registration").first()
        await Migration.delete().where(Migration.id == first["id"])
        not_migrated = (await client.get("/readyz")).json()
        assert not_migrated["failed"] == ["migrations"]
        assert "registration" in not_migrated["checks"][1]["detail"] and "quartier db migrate" in not_migrated["checks"][1]["detail"]


async def test_the_outbox_check_can_be_switched_off(make_client):
    sections = {"notifications": {"ready_outbox_age_seconds": 0}}
    async with make_client(PLUGINS, sections=sections) as client:
        await outbox.enqueue(recipient="x@example.org", kind="test", subject="s", body_text="b", idempotency_key="k1")
        await OutboxMessage.update({OutboxMessage.next_attempt_at: outbox.now() - timedelta(days=1)}).where(
            OutboxMessage.id > 0)
        body = (await client.get("/readyz")).json()
        assert body["status"] == "ready" and [c["name"] for c in body["checks"]] == ["database", "migrations"]


async def test_metrics_count_requests_per_route_template_and_read_plugin_values(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=5)
        for _ in range(3):
            assert (await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff")).status_code == 200
        page = await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        registered = await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung",
                                       data={"_csrf_token": token, **person(1), "consent": "on"})
        assert registered.status_code == 201

        scraped = await client.get("/metrics")
        assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
        text = scraped.text
        routes = set(re.findall(r'quartier_requests_total\{[^}]*path="([^"]*)"', text))
        assert not any(str(event.id) in route for route in routes), routes  # templates, not raw paths
        # the public event page (the registry is per process: other tests' staff pages are counted too)
        page_route = next(r for r in routes if r.startswith("/{quartier") and r.count("/") == 3 and "veranstaltungen" in r)
        assert sample(text, "quartier_requests_total", path=page_route, method="GET", status_code="200") >= 4
        assert sample(text, "quartier_request_duration_seconds_count", path=page_route, method="GET") >= 4
        assert "/metrics" not in routes
        assert sample(text, "quartier_registration_registrations", status="unconfirmed", channel="online") == 1
        assert sample(text, "quartier_registration_registrations", status="confirmed", channel="online") == 0
        assert sample(text, "quartier_notifications_outbox_messages", status="pending") == 1  # the confirmation mail
        assert sample(text, "quartier_notifications_outbox_due_messages") is not None
        assert sample(text, "quartier_notifications_outbox_oldest_due_seconds") is not None
        assert sample(text, "quartier_domain_events_pending") is not None
        assert sample(text, "quartier_job_failures_in_a_row", job="registration.expire-offers") == 0
        assert sample(text, "quartier_job_overdue_seconds", job="notifications.send") is not None
        assert "example.org" not in text and "Person 1" not in text


async def test_metrics_answer_only_configured_addresses_or_the_token(make_client):
    async with make_client(PLUGINS, metrics_token="s3cret-metrics", metrics_addresses=["10.1.0.0/16"]) as client:
        assert (await client.get("/metrics")).status_code == 404  # loopback is no longer listed
        async with open_client(client.app, address="10.1.2.3") as inside, \
                open_client(client.app, address="203.0.113.9") as outside:
            assert (await inside.get("/metrics")).status_code == 200
            # forwarded by a proxy that trusted_proxies does not name: the address is not the client's
            assert (await inside.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})).status_code == 404
            assert (await outside.get("/metrics")).status_code == 404
            assert (await outside.get("/metrics", headers={"Authorization": "Bearer falsch"})).status_code == 404
            with_token = await outside.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
            assert with_token.status_code == 200 and "quartier_requests_total" in with_token.text


async def test_metrics_behind_a_trusted_proxy_see_the_forwarded_client(make_client):
    async with make_client(PLUGINS, metrics_addresses=["10.1.0.0/16"], trusted_proxies=["10.9.9.9"],
                           client_address="10.9.9.9") as proxy:
        assert (await proxy.get("/metrics", headers={"X-Forwarded-For": "10.1.5.5"})).status_code == 200
        assert (await proxy.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})).status_code == 404
        # a client that claims an allowed address before its own
        assert (await proxy.get("/metrics", headers={"X-Forwarded-For": "10.1.5.5, 203.0.113.9"})).status_code == 404
        assert (await proxy.get("/metrics")).status_code == 404  # the proxy itself is not listed


async def test_metrics_default_to_loopback_only(make_client):
    async with make_client(PLUGINS) as client:
        assert (await client.get("/metrics")).status_code == 200
        async with open_client(client.app, address="192.0.2.1") as other:
            assert (await other.get("/metrics")).status_code == 404
            assert (await other.get("/metrics", headers={"Authorization": "Bearer "})).status_code == 404  # no token set


async def test_readyz_fails_on_an_unreachable_database_and_a_failing_plugin(make_client, monkeypatch):
    from core.hookspecs import hookimpl
    from core.ops import readiness

    class Exploding:
        @hookimpl
        def readiness_checks(self, deployment):
            raise RuntimeError("boom")

        @hookimpl
        def metrics(self, deployment):
            raise RuntimeError("boom")

    async with make_client(PLUGINS) as client:
        client.deployment.pm.register(Exploding(), name="exploding")
        broken = await client.get("/readyz")
        assert broken.status_code == 503 and broken.json()["failed"] == ["exploding"]
        assert (await client.get("/metrics")).status_code == 200  # its metrics are left out, the others shown
        client.deployment.pm.unregister(name="exploding")

        async def unreachable():
            raise OSError("connection refused")

        monkeypatch.setattr(readiness.Quartier, "count", unreachable)
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json() == {"status": "not ready", "failed": ["database"], "checks": [
            {"name": "database", "ready": False, "detail": "The database does not answer."}]}
