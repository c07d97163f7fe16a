"""Security headers on every kind of response (core/web/security.py), HSTS and ``Secure`` cookies only over HTTPS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.testing.fixtures import STAFF_PASSWORD, create_staff_user, open_client, post_form, staff_login
from tests.core.web import helpers
from tests.plugins.exhibition.helpers import NO_RATE_LIMIT, Q1, exhibition

pytestmark = pytest.mark.usefixtures("fast_passwords")

HTTPS = "https://quartier.example"
EXPECTED = {
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
}
CSP = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'", "object-src": "'none'",
    "base-uri": "'self'", "form-action": "'self'", "frame-ancestors": "'none'",
}
ROOT = Path(__file__).resolve().parents[3]
TEMPLATE_FOLDERS = [ROOT / "core" / "templates", *ROOT.glob("plugins/*/templates"), *ROOT.glob("examples/*/*/templates")]
INLINE = re.compile(r"""<script(?![^>]*\bsrc=)(?![^>]*type="application/ld\+json")[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:""",
                    re.IGNORECASE)


def directives(policy: str) -> dict[str, str]:
    return {name: value.strip() for name, _, value in (part.strip().partition(" ") for part in policy.split(";") if part.strip())}


def assert_protected(response, what: str) -> None:
    headers = response.headers
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, f"{what}: {name} is {headers.get(name)!r}"
    assert directives(headers.get("content-security-policy", "")) == CSP, f"{what}: {headers.get('content-security-policy')!r}"
    assert "unsafe" not in headers["content-security-policy"], what
    permissions = headers.get("permissions-policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions, f"{what}: {permissions!r}"


async def test_every_kind_of_response_carries_the_headers(make_staff_client, sample_plugins, monkeypatch):
    async with make_staff_client(role="admin", plugins=["registration", "exhibition", "greeter"], sections=NO_RATE_LIMIT) as staff, \
            open_client(staff.app) as citizen:
        nord = await helpers.quartier("nordstadt")
        event = await helpers.event(nord, "Hoffest", publish=True)
        x = await exhibition(questions=[Q1])
        question = x.questions[0]
        responses = {
            "public page": await citizen.get("/nordstadt/"),
            "event page": await citizen.get(f"/nordstadt/veranstaltungen/{event.id}-{event.slug}"),
            "staff page": await staff.get("/staff/"),
            "staff page with an inline SVG (QR poster)": await staff.get(f"/staff/ausstellungen/fragen/{question.id}/aushang"),
            "staff page, not logged in (redirect)": await citizen.get("/staff/"),
            "wall": await citizen.get(f"{x.path}/wand"),
            "wall of a question": await citizen.get(f"/nordstadt/fragen/{question.id}/wand"),
            "QR code (SVG)": await citizen.get(f"/nordstadt/fragen/{question.id}/qr.svg"),
            "JSON API": await citizen.get("/api/quartiere/nordstadt/events"),
            "JSON API 404": await citizen.get("/api/events/999999"),
            "JSON API 500": await citizen.post("/api/greeter/nordstadt/greetings", json={"text": "fail"}),
            "OpenAPI document": await citizen.get("/schema/openapi.json"),
            "static file of the core": await citizen.get("/static/core/quartier.css"),
            "static file of a plugin": await citizen.get("/static/exhibition/wall.js"),
            "missing static file": await citizen.get("/static/core/nothing.css"),
            "unknown path (404)": await citizen.get("/gibt/es/nicht/wirklich"),
            "wrong method (405)": await citizen.delete("/nordstadt/"),
            "form without CSRF token (403 page)": await post_form(citizen, "/staff/login", {"email": "x"}, csrf=False),
            "health check": await citizen.get("/healthz"),
        }
        monkeypatch.setattr("core.web.public_routes.get_by_slug", _broken)
        responses["error page (500)"] = await citizen.get("/nordstadt/")

    expected_status = {"staff page, not logged in (redirect)": 303, "JSON API 404": 404, "JSON API 500": 500,
                       "missing static file": 404, "unknown path (404)": 404, "wrong method (405)": 405,
                       "form without CSRF token (403 page)": 403, "error page (500)": 500}
    for what, response in responses.items():
        assert response.status_code == expected_status.get(what, 200), f"{what}: {response.status_code}"
        assert_protected(response, what)
        assert "strict-transport-security" not in response.headers, f"{what}: HSTS over http"
        if response.headers.get("content-type", "").startswith("text/html"):
            assert INLINE.findall(response.text) == [], f"{what}: inline script or style, which the CSP blocks"
    assert "Fehler" in responses["error page (500)"].text
    # the event page's JSON-LD is a data block: CSP governs it not, and it is still there
    assert '<script type="application/ld+json">' in responses["event page"].text


async def _broken(_slug: str):
    raise RuntimeError("broken on purpose")


async def test_https_deployment_sends_hsts_and_marks_every_cookie_secure(make_client):
    async with make_client(base_url=HTTPS) as app_client, open_client(app_client.app, base_url=HTTPS) as client:
        await create_staff_user("admin", email="ada@example.org")
        home = await client.get("/?lang=en")  # the language cookie
        login_page = await client.get("/staff/login")  # the CSRF cookie
        login = await staff_login(client, "ada@example.org", STAFF_PASSWORD)  # the session cookie
        assert login.status_code == 303
        logout = await post_form(client, "/staff/logout")  # the session cookie's removal
        missing = await client.get("/nicht-da/und-weg")
        cookies = {}
        for response in (home, login_page, login, logout, missing):
            assert response.headers.get("strict-transport-security") == "max-age=31536000", response.url
            assert_protected(response, str(response.url))
            for header in response.headers.get_list("set-cookie"):
                cookies.setdefault(header.split("=", 1)[0], []).append(header)
    assert {"lang", "csrftoken", "session"} <= set(cookies)
    for name, headers in cookies.items():
        for header in headers:
            attributes = [part.strip().lower() for part in header.split(";")[1:]]
            assert attributes.count("secure") == 1, f"cookie {name}: {header}"


async def test_http_deployment_sends_no_hsts_and_no_secure_cookies(make_client):
    async with make_client() as client:  # base_url http://testserver.local, as in local development
        await create_staff_user("admin", email="ada@example.org")
        responses = [await client.get("/?lang=en"), await client.get("/staff/login")]
        responses.append(await staff_login(client, "ada@example.org", STAFF_PASSWORD))
        assert responses[-1].status_code == 303
        assert (await client.get("/staff/")).status_code == 200  # the cookies work over http
        set_cookies = [header for response in responses for header in response.headers.get_list("set-cookie")]
    assert {header.split("=", 1)[0] for header in set_cookies} >= {"lang", "csrftoken", "session"}
    for response in responses:
        assert "strict-transport-security" not in response.headers
    for header in set_cookies:
        assert "secure" not in header.lower(), header


def test_no_template_has_inline_script_or_style():
    """What the CSP would block in a browser: inline scripts, on...= handlers, style attributes and <style> blocks."""
    templates = [path for folder in TEMPLATE_FOLDERS for path in folder.rglob("*.html")]
    assert len(templates) > 30
    found = [f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
             for path in templates for match in INLINE.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
