"""Memory of image uploads (issue 14): resident memory of the server while it takes large images.

Run from the project root:
    .venv/bin/python bench/upload_memory.py [--concurrent 4] [--settle 5]

A temporary SQLite database and data dir, `quartier demo`, a staff admin (`quartier users create`), the app
started with `quartier serve --workers 1` on a free loopback port. Test images: a 6300×6300 RGBA PNG (39.7 MP,
just under the 40-megapixel limit) and a 7200×5400 JPEG (38.9 MP), upright and with EXIF orientation 6 (as a phone stores it).
Uploads through the staff images page: each image once, then the PNG `--concurrent` times at once.
The resident memory (VmRSS from /proc) of the server process and all its child processes, summed, is sampled
every 20 ms. Prints baseline, peaks, and the memory `--settle` seconds after the last upload, against the targets.
Exit code 1 if an upload failed or a target was missed.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import csrf_of, free_port, staff_login, start_process, stop_process, wait_ready  # noqa: E402

QUARTIER = str(Path(sys.executable).parent / "quartier")
EMAIL = "upload-bench@example.org"
ONE_MAX_MB, FOUR_MAX_MB, AFTER_MAX_MB = 250, 1000, 50


# -- memory --------------------------------------------------------------------------------------
def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(root: int) -> float:
    return sum(status_kb(pid, "VmRSS") for pid in tree_pids(root)) / 1024


class Sampler:
    """Samples the summed RSS of a process tree in a thread; ``peak()`` since the last ``reset()``."""

    def __init__(self, root: int, interval: float = 0.02) -> None:
        self.root, self.interval = root, interval
        self._peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, tree_rss_mb(self.root))
            time.sleep(self.interval)

    def reset(self) -> None:
        self._peak = tree_rss_mb(self.root)

    def peak(self) -> float:
        return self._peak

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def settled_rss(root: int, seconds: float) -> float:
    """The RSS after ``seconds`` of quiet (the mean of the last second's samples)."""
    time.sleep(max(0.0, seconds - 1))
    samples = []
    for _ in range(10):
        samples.append(tree_rss_mb(root))
        time.sleep(0.1)
    return sum(samples) / len(samples)


# -- images --------------------------------------------------------------------------------------
def big_png(size: int = 6300) -> bytes:
    """A smooth RGBA picture with shapes and half-transparent parts: compresses to a few MB, decodes to 159 MB."""
    from PIL import Image, ImageDraw

    r = Image.linear_gradient("L").resize((size, size))
    g = Image.radial_gradient("L").resize((size, size))
    b = r.transpose(Image.Transpose.ROTATE_90)
    a = g.point(lambda v: 255 - v // 2)
    image = Image.merge("RGBA", (r, g, b, a))
    draw = ImageDraw.Draw(image)
    for i in range(0, size, 350):
        draw.ellipse((i, i // 2, i + 300, i // 2 + 300), fill=(200, 40, i % 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()


def big_jpeg(width: int = 7200, height: int = 5400, orientation: int = 1) -> bytes:
    """A camera-sized JPEG with a GPS position and an EXIF orientation (6: to be turned by 90°, as phones store it)."""
    from PIL import Image, ImageDraw

    gray = Image.linear_gradient("L")
    image = Image.merge("RGB", (gray.resize((width, height)), gray.rotate(90).resize((width, height)),
                                Image.radial_gradient("L").resize((width, height))))
    draw = ImageDraw.Draw(image)
    for i in range(0, width, 400):
        draw.rectangle((i, i // 3, i + 250, i // 3 + 500), fill=(30, 120, i % 255))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif.get_ifd(0x8825)[2] = (52.0, 31.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


# -- the run -------------------------------------------------------------------------------------
def upload(client, exhibit_id: int, data: bytes, name: str, content_type: str) -> int:
    path = f"/staff/ausstellungen/exponate/{exhibit_id}/bilder"
    token = csrf_of(client.get(path).text)
    r = client.post(path, data={"alt_text": "Ein großes Testbild", "_csrf_token": token},
                    files={"file": (name, data, content_type)})
    return r.status_code


def main() -> int:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds of quiet before the after-RSS")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="quartier-upload-bench-"))
    proc = None
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
        cfg = tmp / "quartier.toml"
        cfg.write_text(
            'deployment_name = "Upload-Bench"\nplugins = ["registration", "exhibition"]\n'
            f'secret_key = "{uuid.uuid4().hex}{uuid.uuid4().hex}"\n'
            f'database_url = "sqlite:///{tmp / "quartier.sqlite"}"\ndata_dir = "{tmp / "data"}"\n'
        )
        subprocess.run([QUARTIER, "--config", str(cfg), "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        password = uuid.uuid4().hex
        subprocess.run([QUARTIER, "--config", str(cfg), "users", "create", "--email", EMAIL, "--name", "Upload Bench",
                        "--role", "admin"], cwd=ROOT, env=dict(env, QUARTIER_NEW_PASSWORD=password), check=True,
                       capture_output=True)
        with sqlite3.connect(tmp / "quartier.sqlite") as conn:
            exhibit_id = conn.execute("SELECT id FROM exhibits ORDER BY id LIMIT 1").fetchone()[0]

        print("making test images ...", flush=True)
        png, jpeg, turned = big_png(), big_jpeg(), big_jpeg(orientation=6)
        print(f"  PNG 6300×6300 RGBA {len(png) / 1e6:.1f} MB, JPEG 7200×5400 {len(jpeg) / 1e6:.1f} MB, "
              f"the same with orientation 6 {len(turned) / 1e6:.1f} MB", flush=True)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = tmp / "serve.log"
        proc = start_process([QUARTIER, "--config", str(cfg), "serve", "--host", "127.0.0.1", "--port", str(port),
                              "--workers", "1"], env, log)
        wait_ready(url, "/healthz", proc, log)
        statuses: list[int] = []
        with httpx.Client(base_url=url, timeout=600) as client:
            staff_login(client, EMAIL, password)
            client.get(f"/staff/ausstellungen/exponate/{exhibit_id}/bilder")  # warm: templates, session, pools
            baseline = settled_rss(proc.pid, 3)
            sampler = Sampler(proc.pid)
            try:
                results = []
                for label, data, name, ctype in (("one PNG upload", png, "gross.png", "image/png"),
                                                 ("one JPEG upload", jpeg, "IMG_0001.JPG", "image/jpeg"),
                                                 ("one JPEG upload, turned", turned, "IMG_0002.JPG", "image/jpeg")):
                    sampler.reset()
                    t0 = time.perf_counter()
                    statuses.append(upload(client, exhibit_id, data, name, ctype))
                    results.append((label, sampler.peak(), time.perf_counter() - t0))
                    settled_rss(proc.pid, 2)
                sampler.reset()
                t0 = time.perf_counter()
                with ThreadPoolExecutor(args.concurrent) as pool:
                    statuses += pool.map(lambda _i: upload(client, exhibit_id, png, "gross.png", "image/png"),
                                         range(args.concurrent))
                results.append((f"{args.concurrent} PNG uploads at once", sampler.peak(), time.perf_counter() - t0))
            finally:
                sampler.stop()
            after = settled_rss(proc.pid, args.settle)
            hwm = status_kb(proc.pid, "VmHWM") / 1024
        with sqlite3.connect(tmp / "quartier.sqlite") as conn:
            stored = conn.execute("SELECT count(*) FROM exhibit_images").fetchone()[0]

        ok = all(s == 303 for s in statuses) and stored == len(statuses)
        print(f"\nuploads answered {statuses}, {stored} images stored: {'PASS' if ok else 'FAIL'}")
        print(f"\n{'':32} {'RSS MB':>8} {'Δ MB':>8} {'secs':>6}  target")
        print(f"{'baseline':32} {baseline:8.0f}")
        met = ok
        for label, peak, secs in results:
            delta = peak - baseline
            if label.startswith("one "):
                good, target = delta <= ONE_MAX_MB, f"Δ ≤ {ONE_MAX_MB} MB"
            else:
                good, target = peak < FOUR_MAX_MB, f"< {FOUR_MAX_MB} MB"
            met = met and good
            print(f"{'peak, ' + label:32} {peak:8.0f} {delta:+8.0f} {secs:6.1f}  {target}: {'met' if good else 'MISSED'}")
        good = after - baseline <= AFTER_MAX_MB
        met = met and good
        print(f"{f'after, {args.settle:g} s later':32} {after:8.0f} {after - baseline:+8.0f} {'':6}  "
              f"Δ ≤ {AFTER_MAX_MB} MB: {'met' if good else 'MISSED'}")
        print(f"{'server process VmHWM':32} {hwm:8.0f}")
        return 0 if met else 1
    finally:
        stop_process(proc)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
