"""docs/production.md, walked on loopback by deploy/walk_guide.py: every command of the guide, then checks through nginx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.testing.fixtures import skip_or_fail
from core.testing.postgres import find_pg_bindir

pytestmark = pytest.mark.nodes

ROOT = Path(__file__).resolve().parents[2]


def test_the_production_guide_walks_on_loopback(record_property):
    if find_pg_bindir() is None:
        skip_or_fail("PostgreSQL binaries not found", "QUARTIER_REQUIRE_POSTGRES")
    missing = [tool for tool in ("nginx", "openssl", "curl") if shutil.which(tool) is None]
    if missing:
        skip_or_fail(f"{', '.join(missing)} not installed (apt-get install nginx openssl curl)", "QUARTIER_REQUIRE_NGINX")
    result = subprocess.run([sys.executable, str(ROOT / "deploy" / "walk_guide.py")], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    record_property("two nodes", f"production guide walked on loopback: {result.stdout.strip().splitlines()[-1]}")
