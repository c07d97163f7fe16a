"""`quartier backup` of a running demo deployment with an uploaded image, restored into a fresh database and
data directory: every table's rows and every file come back, and the restored app serves the image."""

from __future__ import annotations

import uuid
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner
from piccolo.apps.migrations.tables import Migration

from core.cli import build_cli
from core.db import backup as backups
from core.demo.loader import load_demo
from core.plugin_manager import load_deployment
from core.quartiere.tables import Quartier
from plugins.exhibition.tables import ExhibitImage
from tests.core.factories import make_quartier
from tests.plugins.exhibition.helpers import exhibition, image_bytes, upload

PLUGINS = ["registration", "notifications", "exhibition"]


async def every_row(deployment) -> dict[str, list[dict]]:
    """Every row of every table of the deployment (and Piccolo's migration table), by table, in id order."""
    deployment.bind()
    tables = [table for app in deployment.apps for table in app.table_classes] + [Migration]
    return {table._meta.tablename: await table.select().order_by(table._meta.primary_key) for table in tables}


def every_file(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def fresh_database_url(database_url: str, request: pytest.FixtureRequest, tmp_path: Path):
    """A second, empty database of the same kind."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    server = request.getfixturevalue("quartier_postgres")
    name = f"r_{uuid.uuid4().hex[:16]}"
    server.create_database(name)
    try:
        yield server.dsn(name)
    finally:
        server.drop_database(name)


async def test_a_backup_of_the_running_demo_restores_every_row_and_file(make_staff_client, make_client,
                                                                        fresh_database_url, tmp_path):
    # jobs_run_in="worker": no scheduled job writes between the backup and the comparison rows
    async with make_staff_client(quartiere=["gifhorn"], plugins=PLUGINS, jobs_run_in="worker") as client:
        source = client.deployment
        await load_demo(source)
        shown = await exhibition("gifhorn", exhibits=1)
        uploaded = await upload(client, shown.exhibits[0].id, image_bytes("PNG", (90, 60)))
        assert uploaded.status_code == 303
        image = await ExhibitImage.objects().first()
        url = f"/gifhorn/medien/ausstellung/{image.key}/original.png"
        original = (await client.get(url)).content

        manifest = await backups.backup(source, tmp_path / "backup")  # while the app runs
        rows, files = await every_row(source), every_file(backups.media_folder(source))

    assert manifest["database"] == ("sqlite" if source.settings.is_sqlite else "postgresql")
    assert sum(len(r) for r in rows.values()) > 30 and rows["registration_forms"] and rows["exhibit_images"]
    if source.settings.is_sqlite:  # images in the media folder
        assert len(files) >= 2 and any(name.endswith("original.png") for name in files)
    else:  # images in the database (the exhibition's default on PostgreSQL)
        assert files == {} and any(row["name"].endswith("original.png") for row in rows["exhibition_media_files"])
    assert sorted(f"media/{name}" for name in files) == [entry["path"] for entry in manifest["files"]]

    settings = msgspec.structs.replace(source.settings, database_url=fresh_database_url, data_dir=str(tmp_path / "new"))
    target = load_deployment(settings)
    await backups.restore(target, tmp_path / "backup")
    assert await every_row(target) == rows
    assert every_file(backups.media_folder(target)) == files
    newest = max(row["id"] for row in rows["quartiere"])
    assert (await make_quartier("neu")).id > newest  # the id sequences came back too

    async with make_client(deployment=target) as restored:
        served = await restored.get(url)
        assert served.status_code == 200 and served.content == original

    with pytest.raises(backups.BackupError, match="^The database already holds tables: restore only into an empty database.$"):
        await backups.restore(target, tmp_path / "backup")


def cli(config: Path, *args: str):
    group, deployment, error = build_cli(["--config", str(config), *args])
    assert error is None
    return CliRunner().invoke(group, ["--config", str(config), *args], obj=deployment)


def test_the_commands_answer_in_one_sentence(tmp_path, monkeypatch):
    config = tmp_path / "quartier.toml"
    config.write_text(f'plugins = ["exhibition"]\ndatabase_url = "sqlite:///{tmp_path}/q.sqlite"\n'
                      f'data_dir = "{tmp_path}/data"\n')
    assert cli(config, "db", "migrate").exit_code == 0
    (tmp_path / "data" / "media" / "exhibition").mkdir(parents=True)
    (tmp_path / "data" / "media" / "exhibition" / "a.txt").write_text("x")
    made = cli(config, "backup", str(tmp_path / "b"))
    assert made.exit_code == 0 and made.output == f"Backed up the SQLite database and 1 file(s) to {tmp_path / 'b'}.\n"
    again = cli(config, "backup", str(tmp_path / "b"))
    assert again.exit_code == 1 and again.output == f"Error: {tmp_path / 'b'} already exists and is not an empty folder: name a new one.\n"
    refused = cli(config, "restore", str(tmp_path / "b"))
    assert refused.exit_code == 1
    assert refused.output == "Error: The database already holds tables: restore only into an empty database.\n"

    fresh = tmp_path / "fresh.toml"
    fresh.write_text(f'plugins = ["exhibition"]\ndatabase_url = "sqlite:///{tmp_path}/fresh.sqlite"\n'
                     f'data_dir = "{tmp_path}/fresh"\n')
    (tmp_path / "b" / "media" / "exhibition" / "a.txt").write_text("y")  # damaged
    damaged = cli(fresh, "restore", str(tmp_path / "b"))
    assert damaged.exit_code == 1
    assert damaged.output == "Error: The backup is damaged: media/exhibition/a.txt is missing or differs from the manifest.\n"
    assert not Path(f"{tmp_path}/fresh/media").exists()
    (tmp_path / "b" / "media" / "exhibition" / "a.txt").write_text("x")
    restored = cli(fresh, "restore", str(tmp_path / "b"))
    assert restored.exit_code == 0, restored.output
    assert (tmp_path / "fresh" / "media" / "exhibition" / "a.txt").read_text() == "x"
    assert cli(fresh, "quartiere", "list").exit_code == 0

    # PostgreSQL without its client programs
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    monkeypatch.setattr(backups, "pg_bindirs", lambda: [])
    with pytest.raises(backups.BackupError, match=r"^The PostgreSQL client program pg_dump was not found on PATH or in "
                                                  r"/usr/lib/postgresql/\*/bin: install the PostgreSQL client tools"):
        backups.find_pg_tool("pg_dump")


def test_a_percent_encoded_password_reaches_pg_dump_decoded_and_not_on_its_command_line():
    url, env = backups._libpq("postgresql://quartier:p%40ss%3Aword@db.example:5432/quartier")
    assert env["PGPASSWORD"] == "p@ss:word"
    assert url == "postgresql://quartier@db.example:5432/quartier"


async def test_the_backup_folder_is_for_the_operator_only(make_deployment, tmp_path):
    deployment = await make_deployment(["registration"])
    await backups.backup(deployment, tmp_path / "backup")
    assert (tmp_path / "backup").stat().st_mode & 0o777 == 0o700
