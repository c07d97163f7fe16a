"""Two web nodes and one worker on one PostgreSQL database, as real processes (issue 15, item 3).

Everything is checked through HTTP against the processes; the figures (registrations/s, latencies,
mails) are printed in the pytest summary under "two nodes".
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.testing.fixtures import CSRF_FIELD, create_staff_user, csrf_token, ensure_quartiere, staff_login
from plugins.exhibition.tables import ExhibitImage
from tests.core.web.pages import parse
from tests.plugins.exhibition.helpers import exhibition, image_bytes, upload

pytestmark = pytest.mark.nodes

CAPACITY = 100
CONCURRENCY = 30
MAIL_TIMEOUT = 90  # seconds for the outbox to drain into the SMTP server
PEOPLE = 150  # to erase in the daily job: enough work that the three processes start while it runs


async def event_with_form(title: str) -> int:
    """A published event in Quartier "nordstadt", 100 seats, waiting list on, no double opt-in."""
    from core.events import service as events_service
    from plugins.registration.service import ensure_form

    (quartier,) = await ensure_quartiere(["nordstadt"])
    starts = datetime.now(ZoneInfo("Europe/Berlin")).replace(microsecond=0) + timedelta(days=7)  # no reminder yet
    event = await events_service.create_event(quartier_id=quartier.id, title=title, slug="treffen", starts_at=starts,
                                              ends_at=starts + timedelta(hours=2))
    await events_service.publish_event(event.id)
    await ensure_form(event.id, capacity=CAPACITY, waitlist_enabled=True, double_opt_in=False)
    return event.id


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def rush(nodes: list[str], event_id: int, count: int, tag: str,
               after_answer: Callable[[int], None] = lambda answered: None) -> dict[str, Any]:
    """``count`` registrations, request i to node i % len(nodes), CONCURRENCY at once.

    A request the node cannot answer (connection refused or cut) is sent again to the next node, as a
    load balancer does; the address makes the retry safe (same address: the existing registration, 200).
    Returns answers by address, latencies of the answered requests, transport failures and seconds.
    """
    gate = asyncio.Semaphore(CONCURRENCY)
    answers: dict[str, httpx.Response] = {}
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=CONCURRENCY)
    clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for url in nodes]

    async def one(i: int) -> None:
        nonlocal failures
        email = f"{tag}-{i}@example.org"
        body = {"name": f"Person {i}", "email": email, "consent": True}
        async with gate:
            for attempt in range(len(nodes)):
                client = clients[(i + attempt) % len(nodes)]
                start = time.perf_counter()
                try:
                    response = await client.post(f"/api/events/{event_id}/registrations", json=body)
                except httpx.TransportError:
                    failures += 1
                    continue
                latencies.append(time.perf_counter() - start)
                answers[email] = response
                after_answer(len(answers))
                return

    t0 = time.perf_counter()
    try:
        await asyncio.gather(*(one(i) for i in range(count)))
    finally:
        for client in clients:
            await client.aclose()
    return {"answers": answers, "latencies": latencies, "failures": failures, "seconds": time.perf_counter() - t0}


async def availability(node: str, event_id: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=node, timeout=30) as client:
        response = await client.get(f"/api/events/{event_id}/availability")
    assert response.status_code == 200, response.text
    return response.json()


async def stored(cluster: Any, event_id: int) -> list[dict[str, Any]]:
    return await cluster.sql("SELECT email, status, seats, waitlist_seq FROM registrations WHERE event = $1 ORDER BY id", event_id)


def assert_capacity_held(rows: list[dict[str, Any]]) -> None:
    """100 seats held, every other registration on the waiting list with the numbers 1..n, in the order stored."""
    held = [row for row in rows if row["status"] in ("unconfirmed", "confirmed")]
    waiting = [row["waitlist_seq"] for row in rows if row["status"] == "waitlisted"]
    assert sum(row["seats"] for row in held) == CAPACITY and len(held) == CAPACITY
    assert waiting == list(range(1, len(rows) - CAPACITY + 1))


async def test_two_nodes_share_seats_mails_sessions_and_images(make_cluster, record_property):
    cluster = await make_cluster()
    node1, node2 = cluster.nodes
    event_id = await event_with_form("Ansturm auf zwei Knoten")
    n = 3 * CAPACITY

    # A registration rush split over both nodes holds capacity and gapless waiting-list numbers.
    run = await rush(cluster.nodes, event_id, n, "rush")
    rush_end = time.perf_counter()
    statuses = Counter(response.status_code for response in run["answers"].values())
    assert statuses == {201: n} and run["failures"] == 0, statuses
    bodies = [response.json() for response in run["answers"].values()]
    assert sorted(body["waitlist_position"] for body in bodies if body["status"] == "waitlisted") == list(range(1, n - CAPACITY + 1))
    assert sum(1 for body in bodies if body["status"] == "confirmed") == CAPACITY
    for node in cluster.nodes:
        state = await availability(node, event_id)
        assert (state["seats_taken"], state["seats_left"], state["waitlist_length"]) == (CAPACITY, 0, n - CAPACITY)
    rows = await stored(cluster, event_id)
    assert len(rows) == n
    assert_capacity_held(rows)

    # Every mail arrives exactly once, though both nodes and the worker send from the one outbox.
    expected = set(run["answers"])
    deadline = time.monotonic() + MAIL_TIMEOUT
    while len(cluster.smtp.messages) < n and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    drained = time.perf_counter() - rush_end
    await asyncio.sleep(2 * 0.5 + 1)  # two more polls of every sender: a second copy would arrive now
    received = Counter(message["To"] for message in cluster.smtp.messages)
    assert set(received) == expected and set(received.values()) == {1}, (len(received), received.most_common(3))

    # A staff login on node 1 works on node 2, with the same session and CSRF token.
    user = await create_staff_user("staff", ["nordstadt"])
    async with httpx.AsyncClient(base_url=node1, timeout=30) as on1, httpx.AsyncClient(base_url=node2, timeout=30) as on2:
        response = await staff_login(on1, user.email)
        assert response.status_code == 303, response.text[:300]
        on2.cookies = on1.cookies
        assert (await on2.get("/staff/")).status_code == 200

        # An image uploaded on node 1 is served by node 2.
        x = await exhibition(exhibits=1)
        response = await upload(on1, x.exhibits[0].id, image_bytes("PNG", (64, 48)))
        assert response.status_code == 303, response.text[:300]
        image = await ExhibitImage.objects().first()
        path = f"/nordstadt/medien/ausstellung/{image.key}/original.png"
        served1, served2 = await on1.get(path), await on2.get(path)
        assert served2.status_code == 200 and served2.headers["content-type"] == "image/png"
        assert served2.content == served1.content and served2.headers["etag"] == served1.headers["etag"]

        # Logging out on node 2 (a POST with node 1's CSRF token) ends the session on node 1 too.
        session = httpx.Cookies(on1.cookies)
        response = await on2.post("/staff/logout", data={CSRF_FIELD: await csrf_token(on2)})
        assert response.status_code == 303
        on1.cookies = session  # the cookie from before the logout
        assert (await on1.get("/staff/")).status_code == 303

    latencies = [seconds * 1000 for seconds in run["latencies"]]
    record_property("two nodes", (
        f"two nodes + worker, PostgreSQL: {n} registrations at concurrency {CONCURRENCY} in {run['seconds']:.1f} s = "
        f"{n / run['seconds']:.0f} registrations/s, p50 {percentile(latencies, 50):.0f} ms, p99 "
        f"{percentile(latencies, 99):.0f} ms; {len(cluster.smtp.messages)} mails, each once, all in within "
        f"{drained:.1f} s of the rush's end"))


async def test_killing_a_node_mid_rush_loses_no_answered_registration(make_cluster, record_property):
    cluster = await make_cluster()
    event_id = await event_with_form("Ansturm mit Absturz")
    n, kill_after = 2 * CAPACITY, CAPACITY // 2
    killed_at: list[float] = []

    def kill_node2(answered: int) -> None:
        if answered >= kill_after and not killed_at:
            cluster.kill("node2")  # SIGKILL: requests in flight on node 2 are cut
            killed_at.append(time.perf_counter())

    run = await rush(cluster.nodes, event_id, n, "crash", after_answer=kill_node2)
    assert killed_at and not cluster.services["node2"].running
    assert run["failures"] > 0, "node 2 died before or after the rush, not in it"
    answered = {email for email, response in run["answers"].items() if 200 <= response.status_code < 300}
    assert len(answered) == n, Counter(response.status_code for response in run["answers"].values())

    rows = await stored(cluster, event_id)
    by_address = Counter(row["email"] for row in rows)
    assert set(by_address) == answered and set(by_address.values()) == {1}
    assert_capacity_held(rows)
    state = await availability(cluster.nodes[0], event_id)
    assert (state["seats_taken"], state["waitlist_length"]) == (CAPACITY, n - CAPACITY)
    record_property("two nodes", (
        f"node 2 killed (SIGKILL) after {kill_after} answers: {run['failures']} request(s) cut or refused, retried on "
        f"node 1; {len(answered)} of {n} registrations answered 2xx, all stored once"))


async def test_a_daily_job_due_once_runs_once_on_three_processes(make_cluster, record_property):
    """Both web nodes and the worker run the scheduler (jobs_run_in = "web"): the overdue deletion deadline runs
    in exactly one of them. Run twice at once, it would erase each registration twice (two erased events each)."""
    from core.jobs.tables import JobRecord
    from plugins.registration import service as registrations
    from plugins.registration.service import RegistrationInput
    from plugins.registration.tables import Registration

    cluster = await make_cluster(start=False)
    event_id = await event_with_form("Lange vorbei")
    for i in range(PEOPLE):
        await registrations.register(event_id, RegistrationInput(name=f"Person {i}", email=f"alt{i}@example.org", consent=True))
    long_ago = datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(days=60)
    await cluster.sql("UPDATE events SET starts_at = $1, ends_at = $2 WHERE id = $3", long_ago, long_ago + timedelta(hours=2),
                      event_id)
    await JobRecord.insert(JobRecord(name="registration.purge-personal-data", next_due=long_ago))  # missed for weeks

    cluster.start()
    started = time.perf_counter()
    deadline = started + 90
    while time.perf_counter() < deadline:
        row = await JobRecord.objects().where(JobRecord.name == "registration.purge-personal-data").first()
        if row.last_finished is not None:
            break
        await asyncio.sleep(0.2)
    assert row.last_finished is not None and row.result == "ok", (row.result, row.last_error, cluster.logs())
    ran_after = time.perf_counter() - started
    assert row.next_due > datetime.now(ZoneInfo("Europe/Berlin"))  # the next one is tomorrow at 03:30, not now again
    erased = await cluster.sql("SELECT count(*) AS n FROM domain_events WHERE name = 'registration.erased'")
    assert erased[0]["n"] == PEOPLE  # each registration once: the job ran in one process only
    assert await Registration.count().where(Registration.anonymised_at.is_null()) == 0
    record_property("two nodes", f"overdue daily job on 3 processes: ran once, finished {ran_after:.1f} s after the start")


async def test_a_plugin_switched_off_on_one_node_is_off_on_the_other_at_its_next_request(make_cluster):
    """No process keeps a Quartier's plugin switches beyond a request (issue 18): an admin switches registration off
    on node 1, and node 2's very next requests (API and event page) no longer offer it, nor does node 1's."""
    cluster = await make_cluster(nodes=2)
    node1, node2 = cluster.nodes
    event_id = await event_with_form("Schalter auf zwei Knoten")
    (quartier,) = await ensure_quartiere(["nordstadt"])
    page = f"/nordstadt/veranstaltungen/{event_id}-treffen"
    async with httpx.AsyncClient(base_url=node1, timeout=30) as on1, httpx.AsyncClient(base_url=node2, timeout=30) as on2:
        for client in (on1, on2, on2):  # both processes have served the Quartier (a cache would hold it now)
            assert (await client.get(f"/api/events/{event_id}/availability")).status_code == 200
            assert 'name="consent"' in (await client.get(page, follow_redirects=True)).text
        admin = await create_staff_user("admin", ["nordstadt"])
        assert (await staff_login(on1, admin.email)).status_code == 303
        switched = await on1.post(f"/staff/plugins/{quartier.id}/registration",
                                  data={"enabled": "0", CSRF_FIELD: await csrf_token(on1)})
        assert switched.status_code == 303, switched.text[:300]
        for client in (on2, on1):
            assert (await client.get(f"/api/events/{event_id}/availability")).status_code == 404
            shown = await client.get(page, follow_redirects=True)
            assert shown.status_code == 200 and 'name="consent"' not in shown.text


async def mail_to(cluster: Any, address: str) -> tuple[str, str]:
    """(subject, calendar attachment) of the one mail to ``address``, once it arrived."""
    deadline = time.monotonic() + MAIL_TIMEOUT
    while not cluster.smtp.to(address) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    (mail,) = cluster.smtp.to(address)
    calendars = [part.get_content() for part in mail.walk() if part.get_content_type() == "text/calendar"]
    return mail["Subject"], "".join(calendars)


async def test_a_message_built_on_node_2_shows_a_text_and_a_time_changed_on_node_1(make_cluster):
    """Message texts and calendar files are kept per process under what they are made of, read with each message
    (issue 18, item 3): node 2 built two confirmations (the second from its cache); an admin moves the event and
    writes the Quartier's own confirmation text on node 1; the next confirmation node 2 builds shows both."""
    cluster = await make_cluster(nodes=2)
    node1, node2 = cluster.nodes
    event_id = await event_with_form("Kalender auf zwei Knoten")
    (quartier,) = await ensure_quartiere(["nordstadt"])
    register = f"/api/events/{event_id}/registrations"
    async with httpx.AsyncClient(base_url=node1, timeout=30) as on1, httpx.AsyncClient(base_url=node2, timeout=30) as on2:
        for i in (1, 2):
            answer = await on2.post(register, json={"name": f"Person {i}", "email": f"kal{i}@example.org", "consent": True})
            assert answer.status_code == 201 and answer.json()["status"] == "confirmed"
        subject, first = await mail_to(cluster, "kal1@example.org")
        assert await mail_to(cluster, "kal2@example.org") == (subject, first)  # the same file: from node 2's cache
        assert "DTSTART;TZID=Europe/Berlin:" in first and not subject.startswith("Neu")

        admin = await create_staff_user("admin", ["nordstadt"])
        assert (await staff_login(on1, admin.email)).status_code == 303
        edit = f"/staff/r/events/{event_id}/edit"
        form = parse((await on1.get(edit)).text)
        starts = datetime.fromisoformat(form.field_value("starts_at")) + timedelta(hours=1)
        ends = datetime.fromisoformat(form.field_value("ends_at")) + timedelta(hours=1)
        moved = await on1.post(edit, data={
            "title": "Kalender auf zwei Knoten", "slug": "treffen", "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
            "ends_at": f"{ends:%Y-%m-%dT%H:%M}", "venue": "", "summary": "", "description": "", "contact_name": "",
            "contact_phone": "", "contact_email": "", CSRF_FIELD: await csrf_token(on1)})
        assert moved.status_code == 303, moved.text[:300]
        written = await on1.post("/staff/r/message-templates/new", data={
            "kind": "registration.registered", "language": "de", "quartier": str(quartier.id),
            "text": "Betreff: Neu: {{ event_title }}\nBis bald.", CSRF_FIELD: await csrf_token(on1)})
        assert written.status_code == 303, written.text[:300]

        answer = await on2.post(register, json={"name": "Person 3", "email": "kal3@example.org", "consent": True})
        assert answer.status_code == 201
        subject, later = await mail_to(cluster, "kal3@example.org")
        assert subject == "Neu: Kalender auf zwei Knoten"
        assert f"DTSTART;TZID=Europe/Berlin:{starts:%Y%m%dT%H%M}00" in later and later != first
