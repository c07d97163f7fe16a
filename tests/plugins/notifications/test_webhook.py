"""Domain events reach a real HTTP receiver as signed JSON, through the outbox and its retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated, ClassVar

import pytest

from core.plugin_api import DomainEvent, MessageRecipient, MessageRequest, MessageType, Personal, hookimpl, publish, send_message

from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import work
from tests.plugins.notifications.test_outbox import make_due
from tests.core.factories import make_quartier
from tests.plugins.registration.helpers import event_with_form
from core.testing.fixtures import deliver_pending_events

PLUGINS = ["registration", "notifications"]
SECRET = "geheimer-webhook-schluessel"


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request; ``answers`` holds statuses to give instead of 200."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers.items()),
                                              "body": body})
                    status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                text = b"nope, try later" if status >= 400 else b"ok"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, format, *args) -> None:  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = False  # server_close() waits for the handlers
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/quartier"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def answer(self, *statuses: int, **headers: str) -> None:
        self.answers.extend((status, {k.replace("_", "-"): v for k, v in headers.items()}) for status in statuses)

    def of(self, kind: str) -> list[dict]:
        return [r for r in self.requests if r["headers"].get("X-Quartier-Event") == kind]


def start_receiver():
    receiver = Receiver()
    receiver.thread.start()
    return receiver


def stop_receiver(receiver: Receiver) -> None:
    receiver.server.shutdown()
    receiver.server.server_close()
    receiver.thread.join(timeout=5)


@pytest.fixture
def receiver():
    receiver = start_receiver()
    yield receiver
    stop_receiver(receiver)


def sections(smtp_port: int, **notifications) -> dict:
    from tests.plugins.notifications.conftest import sections as base

    return base(smtp_port, **notifications)


async def register(client, name: str = "Erika Muster", email: str = "erika@example.org", event=None) -> dict:
    if event is None:
        _q, event, _form = await event_with_form(capacity=5)
        await deliver_pending_events()
    response = await client.post(f"/api/events/{event.id}/registrations", json={"name": name, "email": email, "consent": True})
    assert response.status_code == 201, response.text
    return response.json()


async def webhook_messages(kind: str | None = None) -> list[OutboxMessage]:
    query = OutboxMessage.objects().where(OutboxMessage.channel == "webhook")
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return await query.order_by(OutboxMessage.id)


def assert_signed(request: dict, secret: str = SECRET) -> None:
    headers = request["headers"]
    timestamp = headers["X-Quartier-Timestamp"]
    assert abs(time.time() - int(timestamp)) < 120
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Quartier-Signature"], f"sha256={digest}")


async def test_a_registration_is_posted_as_signed_json(make_client, smtp, receiver):
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=receiver.url, webhook_secret=SECRET)) as client:
        created = await register(client)
        (queued,) = await webhook_messages("registration.created")
        assert queued.status == "pending" and queued.recipient == receiver.url
        await work(client.deployment)

        (request,) = receiver.of("registration.created")
        assert request["method"] == "POST" and request["path"] == "/hooks/quartier"
        headers = request["headers"]
        assert headers["Content-Type"] == "application/json" and headers["User-Agent"] == "Quartier"
        payload = json.loads(request["body"])
        assert payload["type"] == "registration.created"
        assert payload["data"]["registration"] == created["id"]
        assert payload["data"]["status"] == created["status"] == "unconfirmed"
        # no contact data and no personal links leave the house
        assert not {"person_name", "email", "phone", "view_url", "confirm_url", "cancel_url"} & set(payload["data"])
        assert b"Erika" not in request["body"] and b"/anmeldung/" not in request["body"]
        assert headers["X-Quartier-Delivery"] == f"webhook:{payload['event_id']}" == queued.idempotency_key
        assert_signed(request)
        # a forged body does not pass
        forged = dict(request, body=request["body"].replace(b"unconfirmed", b"confirmed"))
        with pytest.raises(AssertionError):
            assert_signed(forged)

        (sent,) = await webhook_messages("registration.created")
        assert sent.status == "sent" and sent.attempts == 1 and sent.last_error == ""
        assert [m["To"] for m in smtp.messages] == ["erika@example.org"]  # the e-mail went out as well
        assert await work(client.deployment) == 0
        assert len(receiver.of("registration.created")) == 1


@pytest.mark.parametrize("status", [500, 503, 429, 408])
async def test_a_temporary_error_is_retried_and_delivered_once(make_client, smtp, receiver, status):
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=receiver.url, webhook_secret=SECRET)) as client:
        receiver.answer(status)  # the first request (event.published of the new event) fails, then all is well
        await event_with_form(capacity=5)
        await deliver_pending_events()
        await work(client.deployment)
        (message,) = await webhook_messages("event.published")
        assert (message.status, message.attempts) == ("pending", 1)
        assert f"HTTP {status}" in message.last_error and "nope, try later" in message.last_error
        assert await work(client.deployment) == 0  # waits for its backoff
        assert len(receiver.of("event.published")) == 1

        await make_due()
        assert await work(client.deployment) == 1
        first, second = receiver.of("event.published")
        assert first["body"] == second["body"]
        assert first["headers"]["X-Quartier-Delivery"] == second["headers"]["X-Quartier-Delivery"] == message.idempotency_key
        assert_signed(first)
        assert_signed(second)
        (message,) = await webhook_messages("event.published")
        assert (message.status, message.attempts) == ("sent", 2)

        await make_due()
        assert await work(client.deployment) == 0  # delivered exactly once
        assert len(receiver.of("event.published")) == 2


async def test_a_500_on_a_registration_then_200(make_client, smtp, receiver):
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=receiver.url, webhook_secret=SECRET)) as client:
        _q, event, _form = await event_with_form(capacity=5)
        await deliver_pending_events()
        await work(client.deployment)  # event.published goes out
        receiver.answer(500)
        created = await register(client, name="Bert Beispiel", email="bert@example.org", event=event)
        await work(client.deployment)
        (message,) = await webhook_messages("registration.created")
        assert message.status == "pending" and "HTTP 500" in message.last_error
        assert len(smtp.messages) == 1  # the e-mail does not wait for the webhook
        await make_due()
        await work(client.deployment)
        await make_due()
        await work(client.deployment)
        requests = receiver.of("registration.created")
        assert len(requests) == 2 and len({r["headers"]["X-Quartier-Delivery"] for r in requests}) == 1
        assert json.loads(requests[1]["body"])["data"]["registration"] == created["id"]
        assert (await webhook_messages("registration.created"))[0].status == "sent"


async def test_a_client_error_fails_for_good(make_client, smtp, receiver):
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=receiver.url, webhook_secret=SECRET)) as client:
        await register(client)
        receiver.answer(400, 400)  # event.published, registration.created
        await work(client.deployment)
        messages = await webhook_messages()
        assert {m.kind for m in messages} == {"event.published", "registration.created"}
        for message in messages:
            assert (message.status, message.attempts) == ("failed", 1)
            assert "HTTP 400" in message.last_error and "nope, try later" in message.last_error
        await make_due()
        assert await work(client.deployment) == 0  # not retried
        assert len(receiver.requests) == 2


async def test_a_redirect_is_not_followed(make_client, smtp, receiver):
    elsewhere = start_receiver()
    try:
        async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=receiver.url, webhook_secret=SECRET)) as client:
            receiver.answer(302, 307, Location=elsewhere.url)
            await register(client)
            await work(client.deployment)
            for message in await webhook_messages():
                assert message.status == "failed" and message.attempts == 1
                assert "redirect" in message.last_error and elsewhere.url in message.last_error
            assert {m.last_error.split("HTTP ")[1][:3] for m in await webhook_messages()} == {"302", "307"}
            await make_due()
            assert await work(client.deployment) == 0
    finally:
        stop_receiver(elsewhere)
    assert len(receiver.requests) == 2 and elsewhere.requests == []


class CallbackRequested(DomainEvent):
    """An event of a plugin the notifications plugin has never heard of."""

    name: ClassVar[str] = "thirdparty.callback_requested"
    offer: int
    requester_email: Annotated[str, Personal]
    requester_phone: Annotated[str, Personal] = ""


async def test_fields_declared_personal_do_not_leave_whatever_their_name(make_client, smtp, receiver):
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=receiver.url)) as client:
        client.deployment.domain_event_types[CallbackRequested.name] = CallbackRequested
        await publish(CallbackRequested(quartier_id=None, offer=3, requester_email="r@example.org",
                                      requester_phone="0511 123"))
        await deliver_pending_events()
        await work(client.deployment)
        (request,) = receiver.of("thirdparty.callback_requested")
        data = json.loads(request["body"])["data"]
        assert data["offer"] == 3 and not {"requester_email", "requester_phone"} & set(data)
        assert b"r@example.org" not in request["body"] and b"0511 123" not in request["body"]  # a UUID may hold "0511"


async def test_without_webhook_url_nothing_is_queued(make_client, smtp, receiver):
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_secret=SECRET)) as client:
        await register(client)
        assert await webhook_messages() == []
        assert await OutboxMessage.count() == 1  # the e-mail only
        await work(client.deployment)
    assert receiver.requests == [] and len(smtp.messages) == 1


async def test_without_a_secret_there_is_no_signature(make_client, smtp, receiver):
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=receiver.url)) as client:
        await register(client)
        await work(client.deployment)
    (request,) = receiver.of("registration.created")
    assert "X-Quartier-Signature" not in request["headers"] and "X-Quartier-Timestamp" in request["headers"]
    assert json.loads(request["body"])["type"] == "registration.created"


async def test_nobody_listening_is_retried(make_client, smtp):
    from tests.plugins.notifications.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/hook"
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=url)) as client:
        await register(client)
        await work(client.deployment)
        messages = await webhook_messages()
        assert messages and all(m.status == "pending" and "ConnectError" in m.last_error for m in messages)
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hook", "file:///etc/passwd", "127.0.0.1:8080/hook"])
async def test_only_http_urls(make_client, smtp, url):
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=url)) as client:
        await register(client)
        await work(client.deployment)
        messages = await webhook_messages()
        assert messages and all(m.status == "failed" and "http" in m.last_error for m in messages)


class Letters:
    """A plugin whose message goes to the municipality's own system first (the webhook), else by e-mail."""

    @hookimpl
    def register_message_types(self):
        return [MessageType(key="letter", label="Brief", texts={"de": "Betreff: Post für {{ name }}\nHallo {{ name }}."},
                            channels=("webhook", "email"))]


async def test_a_message_type_may_go_to_the_webhook_with_the_persons_contact(make_client, smtp, receiver):
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=receiver.url)) as client:
        client.deployment.pm.register(Letters(), name="letters")
        to = MessageRecipient(name="Otto", email="otto@example.org")
        result = await send_message(MessageRequest(plugin="letters", key="letter", idempotency_key="l0", quartier_id=None, to=to))
        assert result.channel == "email"  # the operator has not agreed to hand contacts to the webhook
    async with make_client(PLUGINS, sections=sections(smtp.port, webhook_url=receiver.url, webhook_secret=SECRET,
                                                      webhook_messages=True)) as client:
        client.deployment.pm.register(Letters(), name="letters")
        nord = await make_quartier("nordstadt")
        to = MessageRecipient(name="Otto", phone="05371 99")
        result = await send_message(MessageRequest(plugin="letters", key="letter", idempotency_key="l1", quartier_id=nord.id, to=to))
        assert (result.accepted, result.channel) == (True, "webhook")
        await work(client.deployment)
        (request,) = receiver.of("letters.letter")
        assert_signed(request)
        message = json.loads(request["body"])
        assert message["type"] == "message" and message["to"] == {"name": "Otto", "email": None, "phone": "05371 99"}
        assert message["subject"] == "Post für Otto" and message["text"].startswith("Hallo Otto.")
    async with make_client(PLUGINS, sections=sections(smtp.port)) as client:  # no webhook configured: e-mail
        client.deployment.pm.register(Letters(), name="letters")
        to = MessageRecipient(name="Otto", email="otto@example.org")
        result = await send_message(MessageRequest(plugin="letters", key="letter", idempotency_key="l2", quartier_id=None, to=to))
        assert (result.accepted, result.channel) == (True, "email")
