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


@pytest.mark.parametrize("turn", ["first", "second"])
async def test_rows_of_one_test_never_reach_the_next(make_deployment, turn):
    # Both turns get a copy of the same migrated template: a row written into it would show up here.
    from core.quartiere.tables import Quartier

    await make_deployment(["registration"])
    assert await Quartier.count() == 0
    await Quartier.insert(Quartier(name="Nordstadt", slug="nordstadt"))


async def test_a_second_deployment_migrates_the_database_of_the_first(make_deployment):
    from core.quartiere.tables import Quartier

    await make_deployment()
    await Quartier.insert(Quartier(name="Nordstadt", slug="nordstadt"))
    deployment = await make_deployment(["registration"])
    assert [row["slug"] for row in await Quartier.select(Quartier.slug)] == ["nordstadt"]
    from core.db.migrations import applied_migrations

    registration = next(app for app in deployment.apps if app.app_name == "registration")
    assert await applied_migrations(registration)
    assert await deployment.migrate() == {app.app_name: [] for app in deployment.apps}


async def test_a_database_the_test_migrated_itself_is_kept(make_settings, make_deployment):
    from core.plugin_manager import load_deployment
    from core.quartiere.tables import Quartier

    ran = await load_deployment(make_settings()).migrate()
    assert ran["core"], "the real migrations ran into the empty test database"
    await Quartier.insert(Quartier(name="Südstadt", slug="suedstadt"))
    await make_deployment()
    assert await Quartier.count() == 1


def test_a_new_migration_file_makes_a_new_template(tmp_path):
    from piccolo.conf.apps import AppConfig

    from core.testing.fixtures import MigratedTemplates

    app = AppConfig(app_name="nachbarn", migrations_folder_path=str(tmp_path), table_classes=[])
    (tmp_path / "nachbarn_1.py").write_text("")
    before = MigratedTemplates.key([app])
    assert MigratedTemplates.key([app]) == before
    (tmp_path / "nachbarn_2.py").write_text("")
    assert MigratedTemplates.key([app]) != before
