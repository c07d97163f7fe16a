"""Login throttling through HTTP (core/web/auth.py): per (account, address), per address and per account,
and which client address the app believes (``trusted_proxies``)."""

from __future__ import annotations

import os

import httpx
import pytest

from core.testing.browser import LiveServer, run_async
from core.testing.fixtures import STAFF_PASSWORD, create_staff_user, open_client, post_form, staff_login
from core.web import auth
from core.web.tables import RateCounter
from tests.core.web.pages import parse

pytestmark = pytest.mark.usefixtures("fast_passwords")

WRONG = "ganz-falsches-passwort"
REFUSED = "Zu viele Fehlversuche. Bitte warten Sie 15 Minuten und versuchen Sie es dann erneut."


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the app would have waited (auth.pause replaced: nothing sleeps)."""
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(auth, "pause", record)
    return waited


async def test_an_attacker_is_slowed_then_refused_while_the_owner_logs_in_from_elsewhere(make_client, pauses):
    async with make_client(client_address="198.51.100.1") as attacker:
        user = await create_staff_user("staff", ["nordstadt"])
        other = await create_staff_user("staff", ["nordstadt"])
        for attempt in range(10):
            # the same account however the address is typed
            email = user.email.upper() if attempt % 2 else f"  {user.email} "
            assert (await staff_login(attacker, email, WRONG)).status_code == 400
        assert pauses == [0.5, 1, 2, 4, 4, 4, 4]  # three failures free, then doubling up to 4 s

        response = await staff_login(attacker, user.email, STAFF_PASSWORD)  # the 11th: refused unchecked
        assert response.status_code == 429
        assert 0 < int(response.headers["retry-after"]) <= 15 * 60
        assert parse(response.text).text_of("login-error") == REFUSED
        assert (await attacker.get("/staff/")).status_code == 303

        async with open_client(attacker.app, address="203.0.113.20") as owner:
            response = await staff_login(owner, user.email)
            assert response.status_code == 303 and response.headers["location"] == "/staff/"
        # Only the pair is refused: other accounts still log in from the attacker's address.
        assert (await staff_login(attacker, other.email)).status_code == 303
        assert len(pauses) == 7  # neither of them waited


async def test_failures_from_many_addresses_slow_the_account_but_never_refuse_it(make_client, pauses):
    async with make_client() as client:
        user = await create_staff_user("staff", ["nordstadt"])
        for n in range(24):  # 24 failures from 12 addresses, two each: no pair is slowed
            async with open_client(client.app, address=f"198.51.100.{n // 2 + 1}") as attacker:
                assert (await staff_login(attacker, user.email, WRONG)).status_code == 400
        assert pauses == [0.5, 1, 2, 4]  # from the 21st failure on
        async with open_client(client.app, address="203.0.113.20") as owner:
            assert (await staff_login(owner, user.email)).status_code == 303
        assert pauses[4:] == [4]


async def test_thirty_failures_from_one_address_refuse_that_address_for_every_account(make_client, pauses):
    async with make_client(client_address="198.51.100.7") as client:
        user = await create_staff_user("staff", ["nordstadt"])
        for n in range(30):
            assert (await staff_login(client, f"rate-{n}@example.org", WRONG)).status_code == 400
        assert pauses == []
        response = await staff_login(client, user.email)
        assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
        async with open_client(client.app, address="198.51.100.8") as elsewhere:
            assert (await staff_login(elsewhere, user.email)).status_code == 303


async def test_a_success_resets_the_pair_and_successes_count_for_no_limit(make_client, pauses):
    async with make_client(client_address="198.51.100.9") as client:
        user = await create_staff_user("staff", ["nordstadt"])
        for _ in range(3):
            for _ in range(3):
                assert (await staff_login(client, user.email, WRONG)).status_code == 400
            async with open_client(client.app, address="198.51.100.9") as again:
                assert (await staff_login(again, user.email)).status_code == 303
        # Each round's 4th attempt (the right password) waits 0.5 s, as any would; without the reset
        # the rounds would add up: 1, 2 s, ... and the 11th attempt would be refused.
        assert pauses == [0.5, 0.5, 0.5]
        for _ in range(31):  # the office behind one address logs in all day
            async with open_client(client.app, address="198.51.100.9") as colleague:
                assert (await staff_login(colleague, user.email)).status_code == 303


async def test_counters_store_neither_e_mail_nor_client_address(make_client, pauses):
    async with make_client(client_address="198.51.100.33") as client:
        user = await create_staff_user("staff", ["nordstadt"])
        assert (await staff_login(client, user.email, WRONG)).status_code == 400
        keys = [row["key"] for row in await RateCounter.select(RateCounter.key)]
        assert len(keys) == 3 and all(key.startswith("login:") for key in keys)
        assert not any(user.email in key or "198.51.100.33" in key or "@" in key for key in keys)


async def test_the_current_password_on_the_password_page_is_throttled_like_the_login(make_staff_client, pauses):
    async with make_staff_client() as client:
        new = {"new": "Neues-Passwort-1", "repeat": "Neues-Passwort-1"}
        for _ in range(10):
            response = await post_form(client, "/staff/password", {"current": WRONG, **new})
            assert parse(response.text).text_of("pw-current-error") == "Das bisherige Passwort stimmt nicht."
        response = await post_form(client, "/staff/password", {"current": client.password, **new})
        assert response.status_code == 400 and parse(response.text).text_of("pw-current-error") == REFUSED
        assert len(pauses) == 7


# -- which address the app believes -------------------------------------------------
async def refused_after_ten_failures(client, email: str, forwarded_for: str, then: str) -> bool:
    """Ten failures claiming ``forwarded_for``, then the right password claiming ``then``: refused?"""
    client.headers["X-Forwarded-For"] = forwarded_for
    for _ in range(10):
        assert (await staff_login(client, email, WRONG)).status_code == 400
    client.headers["X-Forwarded-For"] = then
    return (await staff_login(client, email)).status_code == 429


async def test_forwarded_for_is_ignored_from_a_peer_not_in_trusted_proxies(make_client, pauses):
    async with make_client(client_address="127.0.0.1", trusted_proxies=["10.0.0.1"]) as client:
        user = await create_staff_user("staff", ["nordstadt"])
        # A made-up X-Forwarded-For does not give a fresh address: the peer is still the one refused.
        assert await refused_after_ten_failures(client, user.email, "203.0.113.1", then="203.0.113.2")


async def test_forwarded_for_is_honoured_from_a_trusted_proxy(make_client, pauses):
    async with make_client(client_address="10.0.0.1", trusted_proxies=["10.0.0.0/24"]) as client:
        user = await create_staff_user("staff", ["nordstadt"])
        assert not await refused_after_ten_failures(client, user.email, "203.0.113.1", then="203.0.113.2")
        client.headers["X-Forwarded-For"] = "203.0.113.1"
        assert (await staff_login(client, user.email)).status_code == 429


@pytest.mark.parametrize("trusted, refused", [([], True), (["127.0.0.1"], False)])
def test_behind_a_real_uvicorn_as_quartier_runs_it(make_settings, pauses, trusted, refused):
    """uvicorn on loopback with the options of ``quartier run`` / ``serve``: its own default (trust 127.0.0.1) is off."""
    from core.app import create_app
    from core.plugin_manager import load_deployment

    deployment = load_deployment(make_settings(trusted_proxies=trusted))
    run_async(deployment.migrate())
    user = run_async(create_staff_user("staff", ["nordstadt"]))

    async def attempts(url: str) -> bool:
        async with httpx.AsyncClient(base_url=url) as client:
            return await refused_after_ten_failures(client, user.email, "203.0.113.1", then="203.0.113.2")

    with LiveServer(create_app(deployment=deployment), proxy_headers=False) as server:
        assert run_async(attempts(server.url)) is refused


def test_quartier_run_and_serve_leave_forwarded_headers_to_the_app(monkeypatch, tmp_path):
    """uvicorn gets proxy_headers=False; granian has no forwarded-header handling and gets the bare app factory
    (tests/core/test_cli.py sends a forwarded header through each real server)."""
    import multiprocessing

    import uvicorn
    from granian.server import Server
    from core.cli import main

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(Server, "serve", lambda self: calls.append({"target": self.target, "interface": self.interface}))
    monkeypatch.setattr("core.cli._migrate", lambda deployment: {})
    monkeypatch.setenv("QUARTIER_DATABASE_URL", f"sqlite:///{tmp_path}/q.sqlite")
    monkeypatch.setenv("QUARTIER_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("QUARTIER_MIGRATE_ON_START", "false")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    start_method = multiprocessing.get_start_method()
    for argv in (["run"], ["serve"], ["serve", "--server", "uvicorn-asyncio"], ["serve", "--server", "granian"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code in (0, None)
    assert [call.get("proxy_headers") for call in calls[:3]] == [False, False, False]
    assert calls[3] == {"target": "core.app:create_app_from_environment", "interface": "asgi"}
    # serve put back what it set for its workers: later subprocesses must not inherit a removed metrics folder
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ and os.environ["QUARTIER_MIGRATE_ON_START"] == "false"
    assert multiprocessing.get_start_method() == start_method  # granian's workers are spawned; the caller's is back


async def test_a_wrong_trusted_proxy_entry_stops_the_start_with_one_sentence(make_client):
    from core.config import ConfigError

    with pytest.raises(ConfigError, match=r"setting 'trusted_proxies' is invalid: 'proxy\.local' is not an IP address"):
        async with make_client(trusted_proxies=["proxy.local"]):
            pass
