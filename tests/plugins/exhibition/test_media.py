"""Images of exhibits: checked by content, size and pixel limits, metadata stripped, WebP variants, stored (the
folder on SQLite, the database on PostgreSQL).

The first tests call ``media.process`` directly (no database); the rest upload through the staff images page
(multipart POST with CSRF token), once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image, ImageOps

from plugins.exhibition import media
from plugins.exhibition.media import ImageRejected
from plugins.exhibition.storage import FolderStorage
from plugins.exhibition.tables import ExhibitImage
from tests.core.web.pages import parse
from tests.plugins.exhibition.helpers import (
    PLUGINS, exhibition, image_bytes, jpeg_with_exif, png_bomb, quartier, stored_bytes, stored_files, upload,
)

LIMITS = dict(max_bytes=8_000_000, max_pixels=40_000_000, widths=[480, 960, 1600])
NOT_AN_IMAGE = "Die Datei ist kein Bild im Format JPEG, PNG oder WebP."
SMALL_WIDTHS = {"exhibition": {"image_widths": [32, 64, 128]}}


def no_metadata(data: bytes) -> Image.Image:
    """The image as shown; of its metadata only a JPEG's orientation may be left."""
    image = Image.open(io.BytesIO(data))
    exif = dict(image.getexif())
    assert set(exif) <= {media.ORIENTATION} and image.format == "JPEG" or not exif, exif
    assert "comment" not in image.info and "xmp" not in image.info
    shown = ImageOps.exif_transpose(image)
    shown.format = image.format
    return shown


# -- media.process -----------------------------------------------------------------------------
def test_the_content_decides_the_format_not_the_name():
    for fmt, ext in (("PNG", "png"), ("JPEG", "jpeg"), ("WEBP", "webp")):
        result = media.process(image_bytes(fmt), **LIMITS)
        assert result.format == ext and (result.width, result.height) == (120, 80)
        assert Image.open(io.BytesIO(result.original)).format == fmt


@pytest.mark.parametrize("data", [b"Hallo, ich bin ein Text und kein Bild.\n" * 20, b"", image_bytes("GIF"), image_bytes("BMP")])
def test_other_content_is_refused(data):
    with pytest.raises(ImageRejected, match=NOT_AN_IMAGE):
        media.process(data, **LIMITS)


def test_truncated_image_is_refused():
    data = image_bytes("PNG", (400, 300))
    with pytest.raises(ImageRejected, match="beschädigt oder unvollständig"):
        media.process(data[: len(data) // 2], **LIMITS)


def test_decompression_bombs_are_refused_before_decoding():
    bomb = png_bomb()
    assert len(bomb) < 200_000  # tiny on disk, 400 million pixels
    with pytest.raises(ImageRejected, match="zu viele Bildpunkte"):
        media.process(bomb, **LIMITS)
    # below Pillow's own threshold, but above the configured limit
    with pytest.raises(ImageRejected, match=r"zu viele Bildpunkte \(höchstens 1 Megapixel\)"):
        media.process(png_bomb(2000, 1000), **{**LIMITS, "max_pixels": 1_000_000})


def test_too_large_files_are_refused_before_opening():
    with pytest.raises(ImageRejected, match="zu groß"):
        media.process(image_bytes("PNG"), **{**LIMITS, "max_bytes": 100})
    with pytest.raises(ImageRejected, match=r"^Die Datei ist zu groß \(höchstens 0,5 MB\)\.$"):  # not "0 MB"
        media.process(b"x" * 600_000, **{**LIMITS, "max_bytes": 500_000})
    with pytest.raises(ImageRejected, match=r"\(höchstens 0,5 Megapixel\)"):
        media.process(image_bytes("PNG", (1000, 600)), **{**LIMITS, "max_pixels": 500_000})


def test_exif_is_stripped_and_the_orientation_applied():
    data = jpeg_with_exif((120, 80), orientation=6)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the test image carries a GPS position
    result = media.process(data, **{**LIMITS, "widths": [30, 60, 200]})
    assert (result.width, result.height) == (80, 120)  # turned upright
    original = no_metadata(result.original)
    assert original.format == "JPEG" and original.size == (80, 120)
    for width, blob in result.variants.items():
        variant = no_metadata(blob)
        assert variant.format == "WEBP" and variant.width == width


def test_variants_in_the_configured_widths_and_the_original_width_when_smaller():
    result = media.process(image_bytes("PNG", (100, 50)), **{**LIMITS, "widths": [32, 64, 128]})
    assert sorted(result.variants) == [32, 64, 100]
    sizes = {w: Image.open(io.BytesIO(b)).size for w, b in result.variants.items()}
    assert sizes == {32: (32, 16), 64: (64, 32), 100: (100, 50)}
    wide = media.process(image_bytes("PNG", (300, 100)), **{**LIMITS, "widths": [32, 64, 128]})
    assert sorted(wide.variants) == [32, 64, 128]  # larger than the largest width: no full-size WebP
    assert all(Image.open(io.BytesIO(b)).format == "WEBP" for b in wide.variants.values())


async def test_folder_storage_only_takes_its_own_names(tmp_path):
    store = FolderStorage(tmp_path)
    key = "a" * 32

    async def read(name: str) -> bytes:
        return b"".join([piece async for piece in store.stream(name)])

    await store.save(f"{key}/original.png", b"x")
    assert await read(f"{key}/original.png") == b"x" and (await store.stat(f"{key}/original.png")).size == 1
    for name in ("../../etc/passwd", f"{key}/../../x.png", f"{key}/original.svg", "abc/original.png"):
        with pytest.raises(ValueError):
            await read(name)
        with pytest.raises(ValueError):
            await store.save(name, b"x")
    await store.delete(f"{key}/original.png")
    assert await read(f"{key}/original.png") == b"" and await store.stat(f"{key}/original.png") is None
    assert not (tmp_path / key).exists()


# -- uploads through the staff images page -----------------------------------------------------
async def test_a_png_named_jpg_is_stored_as_png(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=SMALL_WIDTHS) as client:
        x = await exhibition(exhibits=1)
        exhibit = x.exhibits[0]
        response = await upload(client, exhibit.id, image_bytes("PNG", (100, 50)), "urlaub.jpg", "image/jpeg")
        assert response.status_code == 303
        image = await ExhibitImage.objects().first()
        assert (image.format, image.width, image.height, image.alt_text) == ("png", 100, 50, "Menschen an einem Tisch")
        assert await stored_files(client) == sorted([f"{image.key}/original.png", f"{image.key}/32.webp", f"{image.key}/64.webp",
                                               f"{image.key}/100.webp"])
        assert (await stored_bytes(client, f"{image.key}/original.png")).startswith(b"\x89PNG")
        page = await client.get(response.headers["location"].split("#")[0])
        assert "Das Bild ist hochgeladen." in parse(page.text).flashes()
        assert "(100 × 50, PNG)" in page.text
        served = await client.get(f"/nordstadt/medien/ausstellung/{image.key}/original.png")
        assert served.status_code == 200 and served.headers["content-type"] == "image/png"
        assert (await client.get(f"/nordstadt/medien/ausstellung/{image.key}/original.jpg")).status_code == 404
        await quartier("suedstadt")
        assert (await client.get(f"/suedstadt/medien/ausstellung/{image.key}/original.png")).status_code == 404


async def test_refused_uploads_leave_no_row_and_no_file(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections={"exhibition": {"max_upload_mb": 1}}) as client:
        x = await exhibition(exhibits=1)
        exhibit_id = x.exhibits[0].id

        async def refused(data: bytes, filename: str = "bild.png") -> str:
            response = await upload(client, exhibit_id, data, filename, "image/png")
            assert response.status_code == 400
            page = parse(response.text)
            assert page.field_value("alt_text") == "Menschen an einem Tisch"  # kept for the next try
            assert await ExhibitImage.count() == 0 and await stored_files(client) == []
            return page.text_of("upload-file-error")

        assert await refused(b"<?php echo 'hallo'; ?>\n" * 10) == NOT_AN_IMAGE  # a text file named .png
        assert "zu viele Bildpunkte" in await refused(png_bomb(), "harmlos.png")  # 400 million pixels in a few KB
        noise = Image.frombytes("RGB", (580, 580), os.urandom(580 * 580 * 3))
        out = io.BytesIO()
        noise.save(out, "PNG")
        assert 1_000_000 < len(out.getvalue()) < 1_030_000  # within the request's allowance for the form fields
        assert await refused(out.getvalue()) == "Die Datei ist zu groß (höchstens 1 MB)."
        # the same image within the limit is taken
        assert (await upload(client, exhibit_id, image_bytes("PNG"))).status_code == 303


async def test_stored_files_carry_no_exif_and_stand_upright(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=SMALL_WIDTHS) as client:
        x = await exhibition(exhibits=1)
        response = await upload(client, x.exhibits[0].id, jpeg_with_exif((120, 80), orientation=6), "IMG_0001.JPG", "image/jpeg")
        assert response.status_code == 303
        image = await ExhibitImage.objects().first()
        assert (image.format, image.width, image.height) == ("jpeg", 80, 120)
        files = await stored_files(client)
        assert files == sorted([f"{image.key}/original.jpeg", f"{image.key}/32.webp", f"{image.key}/64.webp", f"{image.key}/80.webp"])
        for name in files:
            data = await stored_bytes(client, name)
            assert b"Testkamera" not in data and b"Hauptstrasse" not in data
            stored = no_metadata(data)
            assert stored.height > stored.width
        for name in files:  # what the public gets is the same stripped file
            served = await client.get(f"/nordstadt/medien/ausstellung/{name}")
            assert served.status_code == 200 and served.content == await stored_bytes(client, name)


async def test_alt_text_is_required_and_nothing_is_stored_without_it(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        x = await exhibition(exhibits=1)
        response = await upload(client, x.exhibits[0].id, image_bytes("PNG"), alt_text="   ")
        assert response.status_code == 400
        assert parse(response.text).text_of("upload-alt_text-error") == \
            "Bitte beschreiben Sie das Bild für Menschen, die es nicht sehen können."
        empty = await upload(client, x.exhibits[0].id, b"", "leer.png")
        assert empty.status_code == 400
        assert parse(empty.text).text_of("upload-file-error") == "Bitte wählen Sie eine Bilddatei aus."
        assert await ExhibitImage.count() == 0 and await stored_files(client) == []


# -- large images: a worker process, bounded memory, a bounded request body --------------------
def large_rgba_png(size: tuple[int, int] = (3000, 2000)) -> bytes:
    """A transparent-edged RGBA picture with a text chunk (metadata to be dropped)."""
    from PIL import ImageDraw, PngImagePlugin

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((100, 100, size[0] - 100, size[1] - 100), fill=(200, 30, 30, 255))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "Aufgenommen in der Hauptstrasse 1")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=text)
    return out.getvalue()


async def test_a_large_image_gets_every_variant_in_its_size_without_metadata(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        x = await exhibition(exhibits=1)
        response = await upload(client, x.exhibits[0].id, large_rgba_png(), "plakat.png")
        assert response.status_code == 303
        image = await ExhibitImage.objects().first()
        assert (image.format, image.width, image.height) == ("png", 3000, 2000)
        assert await stored_files(client) == [f"{image.key}/{n}" for n in ("1600.webp", "480.webp", "960.webp", "original.png")]
        original_bytes = await stored_bytes(client, f"{image.key}/original.png")
        original = no_metadata(original_bytes)
        assert (original.size, original.mode) == ((3000, 2000), "RGBA") and "Comment" not in original.info
        assert b"Hauptstrasse" not in original_bytes
        for width, height in ((480, 320), (960, 640), (1600, 1067)):
            variant = no_metadata(await stored_bytes(client, f"{image.key}/{width}.webp"))
            assert (variant.format, variant.size, variant.mode) == ("WEBP", (width, height), "RGBA")
            centre = variant.getpixel((width // 2, height // 2))  # WebP is lossy: close to the red, opaque
            assert variant.getpixel((0, 0))[3] == 0 and max(abs(a - b) for a, b in zip(centre, (200, 30, 30, 255))) <= 4


def test_a_large_jpeg_is_turned_upright_and_scaled_without_metadata():
    data = jpeg_with_exif((4000, 3000), orientation=6)
    result = media.process(data, **LIMITS)
    assert (result.width, result.height) == (3000, 4000)
    assert no_metadata(result.original).size == (3000, 4000)
    assert {w: Image.open(io.BytesIO(v)).size for w, v in result.variants.items()} == \
        {480: (480, 640), 960: (960, 1280), 1600: (1600, 2133)}
    # the red corner (top left of the unturned picture) is at the top right once upright
    variant = Image.open(io.BytesIO(result.variants[480])).convert("RGB")
    assert variant.getpixel((470, 10))[0] > 200 and variant.getpixel((10, 10)) == (255, 255, 255)


def test_an_image_over_the_pixel_limit_is_refused_without_decoding(monkeypatch):
    from PIL import ImageFile

    images = [image_bytes(fmt, (200, 100)) for fmt in ("PNG", "JPEG", "WEBP")]

    def no_decoding(self):
        raise AssertionError("decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    for data in images:
        with pytest.raises(ImageRejected, match=r"zu viele Bildpunkte \(höchstens 0,01 Megapixel\)"):
            media.process(data, **{**LIMITS, "max_pixels": 10_000})
    with pytest.raises(AssertionError, match="decoded"):  # the check would notice
        media.process(images[0], **LIMITS)


async def test_images_are_processed_in_a_worker_process_not_in_the_server(make_staff_client, monkeypatch):
    def in_the_server(*args, **kwargs):
        raise AssertionError("processed in the web process")

    monkeypatch.setattr(media, "process", in_the_server)
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=SMALL_WIDTHS) as client:
        x = await exhibition(exhibits=1)
        assert (await upload(client, x.exhibits[0].id, jpeg_with_exif((120, 80)), "IMG_0002.JPG", "image/jpeg")).status_code == 303
        image = await ExhibitImage.objects().first()
        assert (image.format, image.width, image.height) == ("jpeg", 80, 120)
        assert len(await stored_files(client)) == 4
        # what the worker refuses arrives as the usual German message, with nothing stored
        response = await upload(client, x.exhibits[0].id, png_bomb(), "harmlos.png")
        assert response.status_code == 400
        assert parse(response.text).text_of("upload-file-error") == "Das Bild hat zu viele Bildpunkte (höchstens 40 Megapixel)."
        assert await ExhibitImage.count() == 1 and len(await stored_files(client)) == 4


async def test_uploads_beyond_the_worker_limit_wait_for_their_turn(make_staff_client, monkeypatch):
    import asyncio

    running = most = 0
    start = asyncio.create_subprocess_exec

    async def counted(*args, **kwargs):
        nonlocal running, most
        worker = await start(*args, **kwargs)
        communicate = worker.communicate
        running += 1
        most = max(most, running)

        async def finish(data=None):
            nonlocal running
            try:
                return await communicate(data)
            finally:
                running -= 1

        worker.communicate = finish
        return worker

    monkeypatch.setattr(media.asyncio, "create_subprocess_exec", counted)
    sections = {"exhibition": {**SMALL_WIDTHS["exhibition"], "image_workers": 1}}
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections) as client:
        x = await exhibition(exhibits=1)
        answers = await asyncio.gather(*(upload(client, x.exhibits[0].id, image_bytes("PNG", (300 + n, 200))) for n in range(3)))
        assert [r.status_code for r in answers] == [303, 303, 303]
        assert most == 1  # one at a time, the others waited instead of failing
        assert sorted(i.width for i in await ExhibitImage.objects()) == [300, 301, 302]


async def test_a_request_larger_than_the_upload_limit_is_refused_unread(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections={"exhibition": {"max_upload_mb": 0.5}}) as client:
        x = await exhibition(exhibits=1)
        response = await upload(client, x.exhibits[0].id, b"\x89PNG" + os.urandom(700_000), "riesig.png")
        assert response.status_code == 413
        assert [h.text for h in parse(response.text).all("h1")] == ["Datei zu groß"]
        assert "Die Datei ist zu groß (höchstens 0,5 MB). Bitte wählen Sie eine kleinere Datei." in response.text
        assert await ExhibitImage.count() == 0 and await stored_files(client) == []
        # within the limit, the same form works
        assert (await upload(client, x.exhibits[0].id, image_bytes("PNG"))).status_code == 303


async def test_a_failing_worker_is_a_readable_refusal_with_nothing_stored(make_staff_client, monkeypatch):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=SMALL_WIDTHS) as client:
        x = await exhibition(exhibits=1)
        for executable in ("/bin/false", "/nicht/vorhanden/python"):  # a crash; no process at all
            monkeypatch.setattr(media.sys, "executable", executable)
            response = await upload(client, x.exhibits[0].id, image_bytes("PNG"))
            assert response.status_code == 400
            assert parse(response.text).text_of("upload-file-error") == \
                "Das Bild konnte nicht verarbeitet werden. Bitte versuchen Sie es mit einer anderen Datei."
            assert await ExhibitImage.count() == 0 and await stored_files(client) == []
