"""Images of exhibits: checked by content, metadata stripped, WebP variants made once; storage behind an interface."""

from __future__ import annotations

import asyncio
import importlib
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": ("jpeg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
CONTENT_TYPES = {ext: content_type for ext, content_type in FORMATS.values()}
NAME = re.compile(r"^[a-f0-9]{32}/(original\.(jpeg|png|webp)|\d{2,5}\.webp)$")


class ImageRejected(ValueError):
    """An upload that is not a usable image; the message is German and meant for the person uploading."""


class MediaStorage(Protocol):
    """Where image files live. Names look like ``<key>/original.jpeg`` or ``<key>/960.webp``."""

    async def save(self, name: str, data: bytes) -> None: ...

    async def load(self, name: str) -> bytes | None: ...

    async def delete(self, name: str) -> None: ...


class LocalStorage:
    """Files in a folder of this machine (the default: ``<data_dir>/media/exhibition``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if not NAME.match(name):
            raise ValueError(f"not a media file name: {name!r}")
        return self.root / name

    async def save(self, name: str, data: bytes) -> None:
        path = self._path(name)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(path.suffix + ".part")
            partial.write_bytes(data)
            partial.replace(path)

        await asyncio.to_thread(write)

    async def load(self, name: str) -> bytes | None:
        path = self._path(name)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, name: str) -> None:
        path = self._path(name)
        await asyncio.to_thread(path.unlink, True)
        try:
            path.parent.rmdir()
        except OSError:
            pass


def storage_for(settings: object, data_dir: str) -> MediaStorage:
    """The storage the settings name: ``local``, or ``module:factory`` called with the settings."""
    name = getattr(settings, "storage", "local")
    if name == "local":
        return LocalStorage(getattr(settings, "media_dir", "") or Path(data_dir) / "media" / "exhibition")
    module, _sep, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)(settings)


@dataclass
class ProcessedImage:
    format: str  # jpeg, png, webp
    width: int
    height: int
    original: bytes
    variants: dict[int, bytes] = field(default_factory=dict)  # width -> WebP


def process(data: bytes, *, max_bytes: int, max_pixels: int, widths: list[int]) -> ProcessedImage:
    """Check an upload by its content and make the files to store (CPU-bound: run it in a thread)."""
    if len(data) > max_bytes:
        raise ImageRejected(f"Die Datei ist zu groß (höchstens {_millions(max_bytes)} MB).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("Das Bild hat zu viele Bildpunkte.") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ImageRejected("Die Datei ist kein Bild im Format JPEG, PNG oder WebP.") from None
    # The header alone tells the size: refuse before decoding a single pixel.
    if image.width * image.height > max_pixels or image.width < 1 or image.height < 1:
        raise ImageRejected(f"Das Bild hat zu viele Bildpunkte (höchstens {_millions(max_pixels)} Megapixel).")
    ext, _content_type = FORMATS[image.format]
    try:
        image.seek(0)  # an animation keeps its first frame
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ImageRejected("Die Bilddatei ist beschädigt oder unvollständig.") from None
    icc = image.info.get("icc_profile")
    fmt = image.format
    upright = ImageOps.exif_transpose(image)  # turn by the EXIF orientation before dropping EXIF
    if upright.mode not in ("RGB", "RGBA", "L", "LA"):
        upright = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
    clean = upright.copy()
    clean.info = {}  # EXIF (location, camera), XMP, comments and text chunks stay behind
    original = _encode(clean, fmt, icc)
    variants = {width: _webp(clean, width, icc) for width in sorted(set(widths)) if width < clean.width}
    if clean.width <= max(widths, default=0) or not variants:
        variants[clean.width] = _webp(clean, clean.width, icc)
    return ProcessedImage(format=ext, width=clean.width, height=clean.height, original=original, variants=variants)


def _millions(n: int) -> str:
    """1_500_000 as "1,5" (a limit of 0.5 MB must not read "0 MB")."""
    return f"{n / 1_000_000:g}".replace(".", ",")


def _encode(image: Image.Image, fmt: str, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
        rgb.save(out, "JPEG", quality=92, optimize=True, **extra)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True, **extra)
    else:
        image.save(out, "WEBP", quality=90, method=4, **extra)
    return out.getvalue()


def _webp(image: Image.Image, width: int, icc: bytes | None) -> bytes:
    copy = image if image.mode in ("RGB", "RGBA") else image.convert("RGBA" if "A" in image.mode else "RGB")
    if width < copy.width:
        copy = copy.resize((width, max(1, round(copy.height * width / copy.width))), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=80, method=4, **({"icc_profile": icc} if icc else {}))
    return out.getvalue()
