"""Images of exhibits: checked by content, metadata stripped, WebP variants made once (stored by ``storage``)."""

from __future__ import annotations

import asyncio
import io
import logging
import math
import os
import re
import sys
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

FORMATS = {"JPEG": ("jpeg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
CONTENT_TYPES = {ext: content_type for ext, content_type in FORMATS.values()}
JPEG_OPTIMIZE_PIXELS = 16_000_000
ORIENTATION = 0x0112  # the EXIF tag
TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
         5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
NAME = re.compile(r"^[a-f0-9]{32}/(original\.(jpeg|png|webp)|\d{2,5}\.webp)$")


class ImageRejected(ValueError):
    """An upload that is not a usable image; the message is German and meant for the person uploading."""


@dataclass
class ProcessedImage:
    format: str  # jpeg, png, webp
    width: int
    height: int
    original: bytes
    variants: dict[int, bytes] = field(default_factory=dict)  # width -> WebP


def process(data: bytes, *, max_bytes: int, max_pixels: int, widths: list[int]) -> ProcessedImage:
    """Check an upload by its content and make the files to store (CPU- and memory-heavy: see ``process_in_worker``).

    At most one full-size copy of the pixels at a time: the original is encoded from the decoded image, which is then
    replaced by the largest variant, each smaller variant made from the one before.
    """
    if len(data) > max_bytes:
        raise ImageRejected(f"Die Datei ist zu groß (höchstens {_millions(max_bytes)} MB).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # over Image.MAX_IMAGE_PIXELS
        raise ImageRejected(f"Das Bild hat zu viele Bildpunkte (höchstens {_millions(max_pixels)} Megapixel).") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ImageRejected("Die Datei ist kein Bild im Format JPEG, PNG oder WebP.") from None
    try:
        # The header alone tells the size: refuse before decoding a single pixel.
        if image.width * image.height > max_pixels or image.width < 1 or image.height < 1:
            raise ImageRejected(f"Das Bild hat zu viele Bildpunkte (höchstens {_millions(max_pixels)} Megapixel).")
        fmt = image.format
        try:
            image.seek(0)  # an animation keeps its first frame
            image.load()
        except (OSError, ValueError, Image.DecompressionBombError):
            raise ImageRejected("Die Bilddatei ist beschädigt oder unvollständig.") from None
        icc = image.info.get("icc_profile")
        orientation = image.getexif().get(ORIENTATION, 1) if fmt == "JPEG" else 1
        turn = TURNS.get(orientation)
        if turn is None:  # PNG and WebP are turned here: browsers may ignore their orientation tag
            ImageOps.exif_transpose(image, in_place=True)
            orientation = 1
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = _replace(image, image.convert("RGBA" if image.has_transparency_data else "RGB"))
        image.info = {}  # EXIF (location, camera), XMP, comments and text chunks stay behind
        # A turned JPEG keeps its turn as the one EXIF tag left: turning the full-size pixels would hold them twice.
        original = _encode(image, fmt, icc, orientation)
        swapped = orientation in (5, 6, 7, 8)
        width, height = image.size[::-1] if swapped else image.size  # as shown, upright
        sizes = sorted({w for w in widths if w < width}, reverse=True)
        if width <= max(widths, default=0) or not sizes:
            sizes.insert(0, width)
        variants = {}
        for size in sizes:
            shown = (size, max(1, round(height * size / width)))
            stored = shown[::-1] if swapped else shown
            if stored != image.size:
                image = _replace(image, _shrink(image, stored))
            if turn:
                with image.transpose(turn) as upright:
                    variants[size] = _webp(upright, icc)
            else:
                variants[size] = _webp(image, icc)
    finally:
        image.close()
    return ProcessedImage(format=FORMATS[fmt][0], width=width, height=height, original=original, variants=variants)


def _shrink(image: Image.Image, size: tuple[int, int], rows: int = 128) -> Image.Image:
    """``image.resize(size, LANCZOS)`` made ``rows`` output rows at a time: for RGBA (premultiplied while resizing)
    and for the filter's intermediate image Pillow would otherwise hold a second full-size copy."""
    out = Image.new(image.mode, size)
    scale = image.height / size[1]
    margin = math.ceil(3 * scale) + 2  # the reach of the Lanczos filter (support 3) in source rows
    for top in range(0, size[1], rows):
        bottom = min(size[1], top + rows)
        y0, y1 = top * scale, bottom * scale
        first, last = max(0, math.floor(y0) - margin), min(image.height, math.ceil(y1) + margin)
        with image.crop((0, first, image.width, last)) as strip:
            part = strip.resize((size[0], bottom - top), Image.Resampling.LANCZOS, box=(0, y0 - first, image.width, y1 - first))
        out.paste(part, (0, top))
        part.close()
    return out


def _replace(old: Image.Image, new: Image.Image) -> Image.Image:
    """``new``, with the pixels of ``old`` freed right away."""
    old.close()
    return new


class _Job(msgspec.Struct):
    data: bytes
    max_bytes: int
    max_pixels: int
    widths: list[int]


class _Outcome(msgspec.Struct):
    image: ProcessedImage | None = None
    rejected: str = ""  # the German message of an ImageRejected


WORKER_TIMEOUT = 300  # seconds; a 40-megapixel PNG takes about 25 s on one slow core
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[int, asyncio.Semaphore]] = weakref.WeakKeyDictionary()


def _slot(workers: int) -> asyncio.Semaphore:
    """The event loop's limit on images processed at once."""
    loop = asyncio.get_running_loop()
    held = _slots.get(loop)
    if held is None or held[0] != workers:
        held = _slots[loop] = (workers, asyncio.Semaphore(workers))
    return held[1]


async def process_in_worker(data: bytes, *, max_bytes: int, max_pixels: int, widths: list[int], workers: int) -> ProcessedImage:
    """``process`` in a short-lived process of its own, at most ``workers`` at once (further uploads wait their turn).

    The decoded pixels never enter the web process, and all their memory goes back to the system when the worker
    ends (in-process, glibc keeps the freed heap and the server would stay at its peak).
    """
    if len(data) > max_bytes:  # no process for what is refused anyway
        raise ImageRejected(f"Die Datei ist zu groß (höchstens {_millions(max_bytes)} MB).")
    job = msgspec.msgpack.encode(_Job(data=data, max_bytes=max_bytes, max_pixels=max_pixels, widths=widths))
    root = str(Path(__file__).resolve().parents[2])  # where the ``plugins`` package is
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    async with _slot(max(1, workers)):
        try:
            worker = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "plugins.exhibition.media", stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
        except OSError as exc:
            worker, out, err = None, b"", str(exc).encode()
        else:
            try:
                out, err = await asyncio.wait_for(worker.communicate(job), WORKER_TIMEOUT)
            except TimeoutError:
                log.warning("image worker took more than %s s and was stopped", WORKER_TIMEOUT)
                raise ImageRejected("Das Bild konnte nicht rechtzeitig verarbeitet werden. Bitte laden Sie eine kleinere Datei hoch.") from None
            finally:
                if worker.returncode is None:  # timed out, or the request was cancelled
                    worker.kill()
                    await asyncio.shield(worker.wait())
    if worker is None or worker.returncode != 0:
        log.error("image worker failed (%s): %s", worker and worker.returncode, err.decode(errors="replace")[-2000:])
        raise ImageRejected("Das Bild konnte nicht verarbeitet werden. Bitte versuchen Sie es mit einer anderen Datei.")
    outcome = msgspec.msgpack.decode(out, type=_Outcome)
    if outcome.image is None:
        raise ImageRejected(outcome.rejected)
    return outcome.image


def _worker_main() -> None:
    """``python -m plugins.exhibition.media``: a ``_Job`` on stdin, an ``_Outcome`` on stdout."""
    job = msgspec.msgpack.decode(sys.stdin.buffer.read(), type=_Job)
    Image.MAX_IMAGE_PIXELS = job.max_pixels  # Pillow's own check, from the header, before decoding
    try:
        outcome = _Outcome(image=process(job.data, max_bytes=job.max_bytes, max_pixels=job.max_pixels, widths=job.widths))
    except ImageRejected as exc:
        outcome = _Outcome(rejected=str(exc))
    sys.stdout.buffer.write(msgspec.msgpack.encode(outcome))


def _millions(n: int) -> str:
    """1_500_000 as "1,5" (a limit of 0.5 MB must not read "0 MB")."""
    return f"{n / 1_000_000:g}".replace(".", ",")


def _encode(image: Image.Image, fmt: str, icc: bytes | None, orientation: int = 1) -> bytes:
    out = io.BytesIO()
    extra: dict[str, object] = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        if orientation != 1:
            exif = Image.Exif()
            exif[ORIENTATION] = orientation
            extra["exif"] = exif.tobytes()
        rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
        # Optimised Huffman tables need all coefficients in memory (about 3 bytes a pixel): only for smaller images.
        rgb.save(out, "JPEG", quality=92, optimize=rgb.width * rgb.height <= JPEG_OPTIMIZE_PIXELS, **extra)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True, **extra)
    else:
        image.save(out, "WEBP", quality=90, method=4, **extra)
    return out.getvalue()


def _webp(image: Image.Image, icc: bytes | None) -> bytes:
    rgb = image if image.mode in ("RGB", "RGBA") else image.convert("RGBA" if "A" in image.mode else "RGB")
    out = io.BytesIO()
    rgb.save(out, "WEBP", quality=80, method=4, **({"icc_profile": icc} if icc else {}))
    return out.getvalue()


if __name__ == "__main__":
    _worker_main()
