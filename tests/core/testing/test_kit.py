"""The test kit's capture fixtures, as a plugin author would use them."""

import pytest

from tests.core.factories import make_event, make_quartier


async def test_published_events_are_captured_in_order(make_deployment, published_events):
    from core.events import service

    await make_deployment()
    quartier = await make_quartier("nordstadt")
    event = await make_event(quartier, "treff")
    await service.cancel_event(event.id)
    captured = await published_events("event.")
    assert [type(e).name for e in captured] == ["event.published", "event.cancelled"]
    assert captured[0].event == event.id and captured[0].quartier_id == quartier.id


async def test_smtp_server_receives_real_mail(make_deployment, smtp_server):
    import aiosmtplib
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@example.org", "b@example.org", "Hallo"
    mail.set_content("Text")
    smtp_server.replies.append("451 4.3.0 später")
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await aiosmtplib.send(mail, hostname="127.0.0.1", port=smtp_server.port)
    assert refused.value.code == 451
    await aiosmtplib.send(mail, hostname="127.0.0.1", port=smtp_server.port)
    assert [m["Subject"] for m in smtp_server.to("b@example.org")] == ["Hallo"]
