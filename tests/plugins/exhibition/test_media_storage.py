"""Where images live with several nodes: the database storage, HTTP caching, deletion on another node, the sweep,
and ``quartier media migrate``. Two apps on one database stand for two machines (each with its own data_dir)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tracemalloc
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from core.cli import build_cli
from core.plugin_api import is_postgres, transaction
from core.testing.fixtures import post_form
from plugins.exhibition import service, storage
from plugins.exhibition.storage import CHUNK, DatabaseStorage, FolderStorage
from plugins.exhibition.tables import ExhibitImage, MediaChunk, MediaFile
from tests.plugins.exhibition.helpers import PLUGINS, exhibition, image_bytes, stored_bytes, stored_files, upload

IMMUTABLE = "public, max-age=31536000, immutable"


def noise_png(size: int = 600) -> bytes:
    """A PNG that does not compress: about 1 MB, so its original is stored in several pieces."""
    out = io.BytesIO()
    Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(out, "PNG")
    return out.getvalue()


def sections(store: str | None, **extra: object) -> dict:
    return {"exhibition": {"image_widths": [32], **({"storage": store} if store else {}), **extra}}


async def second_node(make_deployment, tmp_path: Path, store: str | None):
    """A deployment on the same database with a data_dir of its own (another machine)."""
    return await make_deployment(PLUGINS, data_dir=str(tmp_path / "node2"), sections=sections(store))


def media_url(name: str) -> str:
    return f"/nordstadt/medien/ausstellung/{name}"


# -- two nodes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("store", ["database", "folder"])
async def test_an_image_uploaded_on_node_1_is_served_by_node_2_from_the_database(make_staff_client, make_client,
                                                                                  make_deployment, tmp_path, store):
    async with make_staff_client(plugins=PLUGINS, sections=sections(store)) as node1:
        x = await exhibition(exhibits=1)
        assert (await upload(node1, x.exhibits[0].id, noise_png())).status_code == 303
        image = await ExhibitImage.objects().first()
        original = f"{image.key}/original.png"
        stored = await stored_bytes(node1, original)
        assert len(stored) > 3 * CHUNK
        first = await node1.get(media_url(original))
        assert first.status_code == 200 and first.content == stored
        if store == "database":  # in pieces, none on node 1's disk
            assert await MediaChunk.count().where(MediaChunk.file.name == original) == -(-len(stored) // CHUNK)
            assert not (Path(node1.deployment.settings.data_dir) / "media").exists()

        async with make_client(deployment=await second_node(make_deployment, tmp_path, store)) as node2:
            served = await node2.get(media_url(original))
            if store == "folder":  # what the database storage fixes: the file is on node 1's disk only
                assert served.status_code == 404
                return
            assert served.status_code == 200 and served.content == stored
            assert served.headers["content-type"] == "image/png" and served.headers["content-length"] == str(len(stored))
            assert served.headers["etag"] == first.headers["etag"] == f'"{hashlib.sha256(stored).hexdigest()[:32]}"'
            assert served.headers["last-modified"] == first.headers["last-modified"]
            variant = await node2.get(media_url(f"{image.key}/32.webp"))
            assert variant.status_code == 200 and variant.content == await stored_bytes(node2, f"{image.key}/32.webp")


@pytest.mark.parametrize("store", ["database", "folder"])
async def test_published_files_are_cached_for_good_and_answer_304_when_unchanged(make_staff_client, store):
    async with make_staff_client(plugins=PLUGINS, sections=sections(store)) as client:
        x = await exhibition(exhibits=1)
        assert (await upload(client, x.exhibits[0].id, image_bytes())).status_code == 303
        image = await ExhibitImage.objects().first()
        url = media_url(f"{image.key}/original.png")
        full = await client.get(url)
        etag, modified = full.headers["etag"], full.headers["last-modified"]
        assert full.status_code == 200 and full.headers["cache-control"] == IMMUTABLE
        assert full.headers["x-content-type-options"] == "nosniff" and etag.startswith('"')
        assert abs(datetime.strptime(modified, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=timezone.utc)
                   - datetime.now(timezone.utc)) < timedelta(minutes=5)

        async def status(**headers: str) -> int:
            response = await client.get(url, headers=headers)
            if response.status_code == 304:
                assert response.content == b"" and response.headers["etag"] == etag
                assert response.headers["cache-control"] == IMMUTABLE
            return response.status_code

        assert await status(**{"If-None-Match": etag}) == 304
        assert await status(**{"If-None-Match": f'"other", W/{etag}'}) == 304
        assert await status(**{"If-None-Match": "*"}) == 304
        assert await status(**{"If-None-Match": '"other"'}) == 200
        assert await status(**{"If-Modified-Since": modified}) == 304
        later = format_datetime(datetime.now(timezone.utc) + timedelta(days=1), usegmt=True)
        assert await status(**{"If-Modified-Since": later}) == 304
        earlier = format_datetime(datetime.now(timezone.utc) - timedelta(days=1), usegmt=True)
        assert await status(**{"If-Modified-Since": earlier}) == 200
        assert await status(**{"If-Modified-Since": "gestern"}) == 200
        assert await status(**{"If-None-Match": '"other"', "If-Modified-Since": modified}) == 200  # the tag decides

        # a draft exhibit's image: only for staff, never kept by a cache
        draft = await exhibition(title="Entwurf", exhibits=1, exhibit_status="draft")
        assert (await upload(client, draft.exhibits[0].id, image_bytes())).status_code == 303
        hidden = await ExhibitImage.objects().where(ExhibitImage.exhibit == draft.exhibits[0].id).first()
        preview = await client.get(media_url(f"{hidden.key}/original.png"))
        assert preview.status_code == 200 and preview.headers["cache-control"] == "private, no-store"


async def test_the_default_is_the_database_on_postgresql_and_the_folder_on_sqlite(make_staff_client):
    async with make_staff_client(plugins=PLUGINS, sections=sections(None)) as client:
        x = await exhibition(exhibits=1)
        assert (await upload(client, x.exhibits[0].id, image_bytes())).status_code == 303
        in_database = await MediaFile.count()
        folder = Path(client.deployment.settings.data_dir) / "media" / "exhibition"
        on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
        assert len(await stored_files(client)) == 2
        if is_postgres():
            assert (in_database, on_disk) == (2, [])
        else:
            assert (in_database, on_disk) == (0, await stored_files(client))


async def test_reading_a_large_file_from_the_database_holds_one_piece_at_a_time(make_deployment):
    await make_deployment(PLUGINS)
    store, name, size = DatabaseStorage(), "b" * 32 + "/original.png", 48 * CHUNK + 5
    payload = os.urandom(size)

    async def pieces():
        for start in range(0, size, 100_000):
            yield payload[start:start + 100_000]

    await store.save(name, pieces())
    assert await MediaChunk.count() == 49 and (await store.stat(name)).size == size
    assert await storage.digest(store, name) == (hashlib.sha256(payload).hexdigest(), size)  # connections warmed up
    tracemalloc.start()
    try:
        hashed, longest = hashlib.sha256(), 0
        async for piece in store.stream(name):
            hashed.update(piece)
            longest = max(longest, len(piece))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert hashed.digest() == hashlib.sha256(payload).digest() and longest == CHUNK
    assert peak < 6 * CHUNK, f"{peak} bytes at the peak for a {size} byte file"  # a few pieces, not the file
    print(f"peak {peak} bytes while streaming {size} bytes")


# -- deletion on another node -----------------------------------------------------------------------
async def test_an_exhibit_deleted_on_node_2_takes_its_files_along_in_the_same_transaction(
        make_staff_client, make_deployment, tmp_path):
    async with make_staff_client(plugins=PLUGINS, sections=sections("database")) as node1:
        x = await exhibition(exhibits=2)
        for exhibit in x.exhibits:
            assert (await upload(node1, exhibit.id, image_bytes())).status_code == 303
        first, second = await ExhibitImage.objects().order_by(ExhibitImage.id)

        # a rolled-back deletion keeps the files; inside the transaction they are already gone
        with pytest.raises(RuntimeError):
            async with transaction():
                await service.delete_exhibits([x.exhibits[0].id])
                assert await MediaFile.count().where(MediaFile.key == first.key) == 0
                raise RuntimeError("rolled back")
        assert await MediaFile.count().where(MediaFile.key == first.key) == 2
        assert (await node1.get(media_url(f"{first.key}/original.png"))).status_code == 200

        async with make_staff_client(deployment=await second_node(make_deployment, tmp_path, "database")) as node2:
            deleted = await post_form(node2, f"/staff/r/exhibits/{x.exhibits[0].id}/delete")
            assert deleted.status_code == 303
            assert await stored_files(node2) == [f"{second.key}/32.webp", f"{second.key}/original.png"]
            assert await MediaChunk.count() == 2
            assert (await node1.get(media_url(f"{first.key}/original.png"))).status_code == 404
            assert (await node1.get(media_url(f"{second.key}/original.png"))).status_code == 200


async def test_files_left_on_node_1_by_a_deletion_on_node_2_are_swept(make_staff_client, make_deployment, tmp_path):
    async with make_staff_client(plugins=PLUGINS, sections=sections("folder")) as node1:
        x = await exhibition(exhibits=2)
        for exhibit in x.exhibits:
            assert (await upload(node1, exhibit.id, image_bytes())).status_code == 303
        first, second = await ExhibitImage.objects().order_by(ExhibitImage.id)
        folder1 = service.storage()
        async with make_staff_client(deployment=await second_node(make_deployment, tmp_path, "folder")) as node2:
            assert (await post_form(node2, f"/staff/r/exhibits/{x.exhibits[0].id}/delete")).status_code == 303
        names = sorted([name async for name, _ in folder1.files()])
        assert len(names) == 4  # node 2 could not reach node 1's disk
        assert await storage.sweep(folder1) == 0  # too young: an upload may still be committing its row
        assert await storage.sweep(folder1, grace=timedelta(0)) == 2
        assert sorted([name async for name, _ in folder1.files()]) == [n for n in names if n.startswith(second.key)]
        assert not (Path(folder1.root) / first.key).exists()


async def test_the_sweep_removes_database_files_without_an_image_row(make_deployment):
    await make_deployment(PLUGINS)
    store = DatabaseStorage()
    await store.save("c" * 32 + "/original.png", b"orphan")  # e.g. a process that died before writing its row
    assert await storage.sweep(store) == 0
    assert await storage.sweep(store, grace=timedelta(0)) == 1
    assert await MediaFile.count() == 0 and await MediaChunk.count() == 0


# -- quartier media migrate -------------------------------------------------------------------------
def cli_config(tmp_path: Path, settings, store: str | None, name: str = "quartier.toml") -> Path:
    config = tmp_path / name
    lines = [f'plugins = ["exhibition"]', f'database_url = "{settings.database_url}"', f'data_dir = "{settings.data_dir}"',
             "[exhibition]", "image_widths = [32]"] + ([f'storage = "{store}"'] if store else [])
    config.write_text("\n".join(lines) + "\n")
    return config


async def quartier(config: Path, *args: str, deployment=None):
    """Run ``quartier --config CONFIG ARGS`` as the command line does (in a thread: it runs its own event loop)."""
    def run():
        group, loaded, error = build_cli(["--config", str(config), *args])
        assert error is None, error
        return CliRunner().invoke(group, ["--config", str(config), *args], obj=loaded)

    try:
        return await asyncio.to_thread(run)
    finally:
        if deployment is not None:
            deployment.bind()  # build_cli bound its own


async def folder_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


async def database_digests() -> dict[str, str]:
    store = DatabaseStorage()
    return {name: (await storage.digest(store, name))[0] async for name, _info in store.files()}


async def test_media_migrate_moves_every_file_both_ways_and_checks_each(make_staff_client, tmp_path):
    async with make_staff_client(plugins=PLUGINS, sections=sections("folder")) as client:
        deployment = client.deployment
        x = await exhibition(exhibits=2)
        assert (await upload(client, x.exhibits[0].id, noise_png(400))).status_code == 303
        assert (await upload(client, x.exhibits[1].id, image_bytes())).status_code == 303
        root = Path(deployment.settings.data_dir) / "media" / "exhibition"
        before = await folder_digests(root)
        assert len(before) == 4
        as_folder = cli_config(tmp_path, deployment.settings, "folder")
        as_database = cli_config(tmp_path, deployment.settings, "database", "database.toml")

        refused = await quartier(as_folder, "media", "migrate", "--to", "folder", deployment=deployment)
        assert (refused.exit_code, refused.output) == (1, 'Error: Exhibition images are already stored in the folder '
                                                          '([exhibition] storage = "folder"); to move files from the '
                                                          'database there, set storage = "database" first.\n')
        unknown = await quartier(as_folder, "media", "migrate", "--to", "cloud", deployment=deployment)
        assert unknown.exit_code == 2 and "Invalid value for '--to': 'cloud' is not one of 'database', 'folder'." in unknown.output
        assert "Traceback" not in unknown.output and await folder_digests(root) == before

        # an interrupted earlier run left one file in the database already
        name = sorted(before)[0]
        size = (root / name).stat().st_size
        await DatabaseStorage().save(name, (root / name).read_bytes())
        moved = await quartier(as_folder, "media", "migrate", "--to", "database", deployment=deployment)
        assert moved.exit_code == 0, moved.output
        lines = moved.output.splitlines()
        assert lines[0] == f"1/4 {name}: already there ({size} bytes)"
        assert sum("copied and checked" in line for line in lines) == 3
        assert lines[-1].startswith("Moved 4 files from the folder ") and "to the database (3 copied" in lines[-1]
        assert lines[-1].endswith('each checked by SHA-256; now set [exhibition] storage = "database" and restart.')
        assert await database_digests() == before and await folder_digests(root) == {}

        again = await quartier(as_folder, "media", "migrate", "--to", "database", deployment=deployment)
        assert (again.exit_code, again.output) == (0, f"No exhibition images in the folder {root}: nothing to move; "
                                                      'set [exhibition] storage = "database".\n')
        assert await database_digests() == before

        back = await quartier(as_database, "media", "migrate", "--to", "folder", deployment=deployment)
        assert back.exit_code == 0, back.output
        assert await folder_digests(root) == before and await database_digests() == {} and await MediaChunk.count() == 0


async def test_after_the_upgrade_images_in_the_folder_are_served_until_they_are_moved(make_staff_client, make_client,
                                                                                      make_deployment, tmp_path):
    async with make_staff_client(plugins=PLUGINS, sections=sections("folder")) as client:  # before the upgrade
        x = await exhibition(exhibits=1)
        assert (await upload(client, x.exhibits[0].id, image_bytes())).status_code == 303
        data_dir = client.deployment.settings.data_dir
        root = Path(data_dir) / "media" / "exhibition"
        before = await folder_digests(root)
    upgraded = await make_deployment(PLUGINS, data_dir=data_dir, sections=sections("database"))
    async with make_client(deployment=upgraded) as node:
        names = sorted(before)
        served = await node.get(media_url(names[0]))
        assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == before[names[0]]
        moved = await quartier(cli_config(tmp_path, upgraded.settings, "database"), "media", "migrate", "--to", "database",
                               deployment=upgraded)
        assert moved.exit_code == 0 and moved.output.splitlines()[-1].startswith("Moved 2 files from the folder"), moved.output
        assert await database_digests() == before and await folder_digests(root) == {}
        assert (await node.get(media_url(names[0]))).status_code == 200


async def test_a_copy_that_differs_stops_the_move_and_removes_nothing(tmp_path):
    class Corrupting(FolderStorage):
        async def save(self, name, data):
            await super().save(name, b"".join([piece async for piece in storage._pieces(data)])[:-1])

    source, target = FolderStorage(tmp_path / "a"), Corrupting(tmp_path / "b")
    await source.save("d" * 32 + "/original.png", b"12345")
    with pytest.raises(storage.MoveFailed, match=r"^The copy of d{32}/original.png in the folder .* differs from the "
                                                 r"original \(SHA-256\): nothing was removed\.$"):
        await storage.move_all(source, target, lambda line: None)
    assert [name async for name, _ in source.files()] == ["d" * 32 + "/original.png"]


def test_media_migrate_with_an_unreachable_database_is_one_sentence(tmp_path):
    config = tmp_path / "quartier.toml"
    config.write_text('plugins = ["exhibition"]\ndatabase_url = "postgresql://quartier@127.0.0.1:9/quartier"\n'
                      f'data_dir = "{tmp_path}"\n')
    group, deployment, error = build_cli(["--config", str(config)])
    result = CliRunner().invoke(group, ["--config", str(config), "media", "migrate", "--to", "database"], obj=deployment)
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: The PostgreSQL server at 127.0.0.1:9 (database quartier) is not reachable")


def test_an_unknown_storage_stops_the_start_with_one_sentence(tmp_path):
    from core.config import ConfigError, load_settings
    from core.plugin_manager import load_deployment

    config = tmp_path / "quartier.toml"
    config.write_text('plugins = ["exhibition"]\n[exhibition]\nstorage = "cloud"\n')
    with pytest.raises(ConfigError, match=r"^Plugin 'exhibition': .*quartier.toml: setting 'exhibition' is invalid: storage "
                                          r"must be \"database\", \"folder\" or \"package.module:factory\", not 'cloud'\.$"):
        load_deployment(load_settings(config))
