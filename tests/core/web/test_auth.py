"""Staff login, logout, password change, throttling, session cookies and roles, through HTTP (core/web/auth.py, staff_routes.py)."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from core.accounts.tables import StaffUser
from core.testing.fixtures import STAFF_PASSWORD, create_staff_user, open_client, post_form, staff_login
from core.web.tables import AuditEntry, StoredValue
from tests.core.web.pages import parse

pytestmark = pytest.mark.usefixtures("fast_passwords")

WRONG = "ganz-falsches-passwort"


async def logged_in(client) -> bool:
    response = await client.get("/staff/")
    if response.status_code == 200:
        return True
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
    return False


async def sessions_with_a_user() -> int:
    return sum(b"staff_user_id" in bytes(row["value"]) for row in await StoredValue.select(StoredValue.value))


def set_cookie(response, name: str) -> dict[str, str]:
    """Attributes (lower-case names) of the Set-Cookie header for ``name``, with the value under ``value``."""
    for header in response.headers.get_list("set-cookie"):
        jar = SimpleCookie()
        jar.load(header)
        if name in jar:
            morsel = jar[name]
            flags = {part.strip().lower() for part in header.split(";")[1:]}
            attrs = {k: str(v) for k, v in morsel.items() if v}
            attrs.update({flag: "true" for flag in flags if "=" not in flag})
            attrs["value"] = morsel.value
            return attrs
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers.get_list('set-cookie')}")


async def test_login_with_the_right_password_opens_the_dashboard(make_client):
    async with make_client() as client:
        user = await create_staff_user("staff", ["nordstadt"], name="Ulrike Buka")
        response = await staff_login(client, user.email.upper())  # the address is not case-sensitive
        assert response.status_code == 303 and response.headers["location"] == "/staff/"
        dashboard = await client.get("/staff/")
        assert dashboard.status_code == 200
        assert "Ulrike Buka" in dashboard.text and parse(dashboard.text).post_forms() == ["/staff/logout"]
        assert [e.action for e in await AuditEntry.objects().where(AuditEntry.user_id == user.id)] == ["login"]


async def test_wrong_password_gives_400_with_a_german_message_and_no_session(make_client):
    async with make_client() as client:
        user = await create_staff_user("staff", ["nordstadt"])
        for email, password in [(user.email, WRONG), ("niemand@example.org", STAFF_PASSWORD), (user.email, "")]:
            response = await staff_login(client, email, password)
            assert response.status_code == 400
            page = parse(response.text)
            assert page.text_of("login-error") == "E-Mail-Adresse oder Passwort ist falsch."
            assert page.field_value("email") == email  # kept in the form
            assert page.field_value("password") == ""  # never sent back
        assert await sessions_with_a_user() == 0
        assert not await logged_in(client)


async def test_logout_ends_the_session(make_staff_client):
    async with make_staff_client() as client:
        old_session = client.cookies["session"]
        assert await logged_in(client)
        response = await post_form(client, "/staff/logout")
        assert response.status_code == 303 and response.headers["location"] == "/staff/login"
        response = await client.get("/staff/")
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
        assert await sessions_with_a_user() == 0
        # The old session id is worthless now
        async with open_client(client.app) as replay:
            replay.cookies.set("session", old_session, domain="testserver.local")
            assert not await logged_in(replay)


async def test_staff_pages_send_anonymous_visitors_to_the_login(make_client):
    async with make_client() as client:
        user = await create_staff_user("staff", ["nordstadt"])
        for url in ("/staff/r/events/", "/staff/", "/staff/password", "/staff/audit", "/staff/r/events/new", "/staff/r/events/1"):
            response = await client.get(url)
            assert response.status_code == 303, url
            assert response.headers["location"] == "/staff/login?next=" + url.rstrip("/")
        # A POST without login does not get through either
        response = await post_form(client, "/staff/r/quartiere/new", {"name": "X", "slug": "x"})
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
        # The login form carries "next" and returns there
        response = await client.get("/staff/r/events/")
        form = await client.get(response.headers["location"])
        assert parse(form.text).field_value("next") == "/staff/r/events"
        response = await staff_login(client, user.email, next="/staff/r/events")
        assert response.headers["location"] == "/staff/r/events"
        assert (await client.get("/staff/r/events")).status_code == 200


async def test_login_only_returns_to_staff_pages(make_client):
    async with make_client() as client:
        user = await create_staff_user("staff", ["nordstadt"])
        for target in ("https://evil.example/", "//evil.example/staff", "/impressum"):
            async with open_client(client.app) as fresh:
                response = await staff_login(fresh, user.email, next=target)
                assert response.status_code == 303 and response.headers["location"] == "/staff/", target


async def test_password_change(make_staff_client):
    async with make_staff_client() as client:
        form = await client.get("/staff/password")
        assert form.status_code == 200
        response = await post_form(client, "/staff/password", {"current": WRONG, "new": "kurz", "repeat": "anders"})
        assert response.status_code == 400
        page = parse(response.text)
        assert page.text_of("pw-current-error") == "Das bisherige Passwort stimmt nicht."
        assert page.text_of("pw-new-error") == "Das Passwort muss mindestens 10 Zeichen lang sein."
        assert page.text_of("pw-repeat-error") == "Die beiden neuen Passwörter stimmen nicht überein."
        assert page.by_id("pw-current").get("aria-describedby") == "pw-current-error"
        # only the wrong current password
        response = await post_form(client, "/staff/password", {"current": WRONG, "new": "Neues-Passwort-1", "repeat": "Neues-Passwort-1"})
        assert response.status_code == 400
        page = parse(response.text)
        assert page.text_of("pw-current-error") == "Das bisherige Passwort stimmt nicht."
        assert page.by_id("pw-new-error") is None and page.by_id("pw-repeat-error") is None

        response = await post_form(client, "/staff/password", {"current": client.password, "new": "Neues-Passwort-1", "repeat": "Neues-Passwort-1"})
        assert response.status_code == 303 and response.headers["location"] == "/staff/"
        assert "Ihr Passwort wurde geändert." in parse((await client.get("/staff/")).text).flashes()
        assert await AuditEntry.exists().where((AuditEntry.action == "password") & (AuditEntry.user_id == client.user.id))

        async with open_client(client.app, address="10.0.0.3") as other:
            assert (await staff_login(other, client.user.email, client.password)).status_code == 400
            assert (await staff_login(other, client.user.email, "Neues-Passwort-1")).status_code == 303


async def test_session_cookie_is_httponly_and_samesite_lax(make_client):
    async with make_client() as client:
        user = await create_staff_user("staff", ["nordstadt"])
        response = await staff_login(client, user.email)
        cookie = set_cookie(response, "session")
        assert cookie["httponly"] == "true"
        assert cookie["samesite"].lower() == "lax"
        assert "secure" not in cookie  # plain http in tests
        assert int(cookie["max-age"]) == 8 * 3600
        async with open_client(client.app) as fresh:
            csrf = set_cookie(await fresh.get("/staff/login"), "csrftoken")
        assert csrf["httponly"] == "true" and csrf["samesite"].lower() == "lax"


async def test_cookies_are_secure_when_the_site_runs_on_https(make_client):
    async with make_client(base_url="https://quartier.example") as client:
        user = await create_staff_user("staff", ["nordstadt"])
        async with open_client(client.app, base_url="https://testserver.local") as https:
            form = await https.get("/staff/login")
            assert set_cookie(form, "csrftoken")["secure"] == "true"
            response = await staff_login(https, user.email)
            assert response.status_code == 303
            assert set_cookie(response, "session")["secure"] == "true"


async def test_moderator_may_not_open_the_event_screens(make_staff_client):
    async with make_staff_client(role="moderator") as client:
        assert (await client.get("/staff/")).status_code == 200
        for url in ("/staff/r/events/", "/staff/r/events/new", "/staff/r/events/export.csv", "/staff/r/venues/",
                    "/staff/r/staff-users/", "/staff/audit"):
            response = await client.get(url)
            assert response.status_code == 403, url
            assert "Dafür fehlt Ihnen die Berechtigung." in response.text
        response = await post_form(client, "/staff/r/events/new", {"title": "x"})
        assert response.status_code == 403
        menu = parse((await client.get("/staff/")).text).links()
        assert "/staff/r/events/" not in menu and "/staff/password" in menu


async def test_deactivated_account_loses_its_session(make_staff_client):
    async with make_staff_client(role="admin") as admin, make_staff_client(quartiere=["nordstadt"], client=admin) as staff:
        assert await logged_in(staff)
        user = staff.user
        response = await post_form(admin, f"/staff/r/staff-users/{user.id}/edit",
                                   {"name": user.name, "role": "staff", "quartiere": [], "password": ""})  # "active" unticked
        assert response.status_code == 303, response.text
        assert (await StaffUser.select(StaffUser.active).where(StaffUser.id == user.id).first())["active"] is False
        assert not await logged_in(staff)
        assert (await staff_login(staff, user.email)).status_code == 400


async def test_login_issues_a_new_session_id(make_client):
    async with make_client() as client:
        user = await create_staff_user("admin")
        client.cookies.set("session", "planted-by-an-attacker", domain="testserver.local")
        response = await staff_login(client, user.email)
        assert response.status_code == 303
        async with open_client(client.app, address="10.6.6.6") as attacker:
            attacker.cookies.set("session", "planted-by-an-attacker", domain="testserver.local")
            assert not await logged_in(attacker)


async def test_files_neither_read_nor_store_the_session(make_staff_client):
    """A font still loading while someone logs out must not store their session again."""
    async with make_staff_client() as client:
        assert await logged_in(client)
        font = await client.get("/static/core/fonts/noto-sans-regular.woff2")
        assert font.status_code == 200 and "set-cookie" not in font.headers
        page = await client.get("/staff/")
        assert "set-cookie" in page.headers  # pages do: the session's expiry moves on
