"""No phishing through our mails: what a citizen typed is never a link or markup, in the text or the HTML part;
the links the system puts into a message still are links. Mails are received by a real SMTP server."""

import re

from plugins.notifications.worker import work
from plugins.registration.tables import Registration
from tests.plugins.notifications.conftest import sections
from tests.plugins.registration.helpers import event_with_form

PLUGINS = ["registration", "notifications"]
# A name typed before names with addresses were refused (or changed in the database): still inert.
BAD_NAME = "Erika https://evil.example/login www.evil.example <b>fett</b>"


def parts(mail) -> tuple[str, str]:
    return (mail.get_body(preferencelist=("plain",)).get_content(),
            mail.get_body(preferencelist=("html",)).get_content())


def links(html: str) -> list[str]:
    return re.findall(r"<a\b[^>]*href=\"([^\"]*)\"", html)


def assert_inert(text: str, html: str) -> None:
    """No address of the citizen's is clickable or even recognisable as one, in either part."""
    for part in (text, html):
        assert "evil.example" not in part and "://evil" not in part and "www.evil" not in part
    assert "<b>" not in html
    assert all(href.startswith("http://testserver.local/") for href in links(html)), links(html)


async def test_a_url_in_a_name_is_inert_and_our_own_links_stay_links(make_client, smtp_server):
    async with make_client(PLUGINS, sections=sections(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(capacity=5)
        response = await client.post(f"/api/events/{event.id}/registrations",
                                     json={"name": "Erika Muster", "email": "erika@example.org", "consent": True})
        assert response.status_code == 201
        await work(client.deployment)
        (request,) = smtp_server.to("erika@example.org")
        text, html = parts(request)
        confirm_url = re.search(r"(http://testserver.local/anmeldung/\S+/bestaetigen)", text).group(1)
        assert confirm_url in links(html)  # the confirm mail's own link is a link

        await Registration.update({Registration.name: BAD_NAME}).where(Registration.email == "erika@example.org")
        path = confirm_url.removeprefix("http://testserver.local")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', (await client.get(path)).text).group(1)
        assert (await client.post(path, data={"_csrf_token": token})).status_code == 200
        await work(client.deployment)
        registered = smtp_server.to("erika@example.org")[-1]
        assert registered["Subject"].startswith("Sie sind angemeldet")
        text, html = parts(registered)
        assert "Guten Tag Erika hxxps[:]//evil[.]example/login www[.]evil[.]example <b>fett</b>," in text
        assert "Guten Tag Erika hxxps[:]//evil[.]example/login www[.]evil[.]example &lt;b&gt;fett&lt;/b&gt;," in html
        assert_inert(text, html)
        view_and_cancel = [url for url in links(html) if "/anmeldung/" in url]
        assert len(view_and_cancel) == 2 and all(url in text for url in view_and_cancel)
