"""Shared set-up for the exhibition plugin's tests: exhibitions through the plugin's services, test images, uploads."""

from __future__ import annotations

import functools
import io
import struct
import zlib
from typing import Any

from core.testing.fixtures import CSRF_FIELD, csrf_token, ensure_quartiere, post_form
from tests.core.web.pages import parse

PLUGINS = ["exhibition"]
NO_RATE_LIMIT = {"exhibition": {"rate_limit_per_minute": 0}}
Q1 = "Was verstehe ich unter guter Nachbarschaft?"
Q2 = "Was wünsche ich mir für mein Quartier?"
SCRIPT = "<script>alert(1)</script>"
IMG_NAME = '<img src=x onerror="alert(2)">'


# -- content ---------------------------------------------------------------------------------
async def quartier(slug: str = "nordstadt") -> Any:
    (row,) = await ensure_quartiere([slug])
    return row


async def exhibition(slug: str = "nordstadt", title: str = "Gute Nachbarschaft", *, exhibits: int | list[str] = 0,
                     publish: bool = True, exhibit_status: str = "published", event_ids: list[int] | None = None,
                     questions: list[str] | None = None, moderation: str = "pre") -> Any:
    """An exhibition in Quartier ``slug`` (created as needed) with published exhibits "Exponat 1".. and questions.

    Returns a namespace: ``.quartier``, ``.exhibition``, ``.exhibits``, ``.questions``, ``.path`` (public page).
    """
    from types import SimpleNamespace

    from plugins.exhibition import service

    q = await quartier(slug)
    row = await service.create_exhibition(q.id, title, "Eine Einführung.", event_ids=event_ids)
    titles = exhibits if isinstance(exhibits, list) else [f"Exponat {n}" for n in range(1, exhibits + 1)]
    items = [await service.create_exhibit(row.id, t, f"Text zu {t}.", status=exhibit_status) for t in titles]
    asked = [await service.create_question(text, exhibition_id=row.id, moderation=moderation) for text in (questions or [])]
    if publish:
        row = await service.publish_exhibition(row)
    return SimpleNamespace(quartier=q, exhibition=row, exhibits=items, questions=asked,
                           path=service.exhibition_path(row, q.slug))


async def fresh(row: Any) -> Any:
    """The row as the database holds it now."""
    table = type(row)
    return await table.objects().where(table.id == row.id).first()


async def contribute(question: Any, text: str, name: str = "", email: str | None = None) -> Any:
    from plugins.exhibition import service

    return await service.submit(question, service.ContributionInput(text=text, name=name, email=email))


async def approved(question: Any, text: str, name: str = "") -> Any:
    """A contribution that is public (approved by the service, as a moderator would)."""
    from plugins.exhibition import service

    contribution = await contribute(question, text, name)
    if contribution.status != "approved":
        await service.approve(contribution)
    return await fresh(contribution)


# -- public pages ----------------------------------------------------------------------------
async def csrf_of(client: Any, url: str) -> str:
    """The CSRF token of the form on a public page (sets the cookie)."""
    response = await client.get(url)
    assert response.status_code == 200, response.text[:300]
    value = parse(response.text).all("input", name=CSRF_FIELD)
    return value[0].get("value") if value else await csrf_token(client)


async def answer(client: Any, question_url: str, text: str, **extra: str) -> Any:
    """Send the form of a question page, as a browser would after loading it."""
    token = await csrf_of(client, question_url)
    return await client.post(question_url, data={CSRF_FIELD: token, "text": text, "name": "", **extra})


def contribution_texts(html: str) -> list[str]:
    """Texts of the public contributions on a page (question, exhibition), in order."""
    page = parse(html)
    return [bq.text for li in page.all("li") if "contribution" in li.get("class", "").split()
            for bq in li.iter() if bq.tag == "blockquote"]


def wall_texts(html: str) -> list[str]:
    page = parse(html)
    return [bq.text for li in page.all("li") if "wall-item" in li.get("class", "").split() for bq in li.iter() if bq.tag == "blockquote"]


# -- moderation ------------------------------------------------------------------------------
async def decide(client: Any, contribution: Any, decision: str, **form: str) -> Any:
    """POST a moderator's decision; returns the page the redirect leads to (with its flash messages)."""
    response = await post_form(client, f"/staff/moderation/{contribution.id}/{decision}", {"back": "/staff/moderation", **form})
    assert response.status_code == 303, (response.status_code, response.text[:300])
    return await client.get(response.headers["location"].split("#")[0])


# -- images ----------------------------------------------------------------------------------
def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 80), mode: str = "RGB", **save: Any) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new(mode, size, "white" if mode != "1" else 1)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 2, size[1] // 3), fill="red" if mode == "RGB" else 0)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_exif(size: tuple[int, int] = (120, 80), orientation: int = 6) -> bytes:
    """A JPEG with a camera make, a GPS position and an orientation tag (turn 90° clockwise to view)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Testkamera"
    exif[0x0110] = "Modell X"
    exif[0x8825] = {1: "N", 2: (52.0, 25.0, 12.5), 3: "E", 4: (10.0, 32.0, 1.0)}
    return image_bytes("JPEG", size, exif=exif.tobytes(), comment=b"Aufgenommen in der Hauptstrasse 1")


@functools.lru_cache(maxsize=None)
def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A valid 1-bit PNG of ``width`` × ``height`` white-less pixels: a few dozen KB that decode to hundreds of MB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


async def upload(client: Any, exhibit_id: int, data: bytes, filename: str = "bild.png", content_type: str = "image/png",
                 alt_text: str = "Menschen an einem Tisch", **fields: str) -> Any:
    """POST a file to the staff images page as its form does (multipart, CSRF token)."""
    form = {CSRF_FIELD: await csrf_token(client), "alt_text": alt_text, "caption": "", "credit": "", "licence": "", **fields}
    return await client.post(f"/staff/ausstellungen/exponate/{exhibit_id}/bilder", data=form,
                             files={"file": (filename, data, content_type)})


async def stored_files(client: Any) -> list[str]:
    """The names of the files in the deployment's media storage (the folder on SQLite, the database on PostgreSQL)."""
    from plugins.exhibition import service

    return sorted([name async for name, _info in service.storage().files()])


async def stored_bytes(client: Any, name: str) -> bytes:
    from plugins.exhibition import service

    return b"".join([piece async for piece in service.storage().stream(name)])
