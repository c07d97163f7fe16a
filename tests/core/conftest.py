import importlib
import sys
from pathlib import Path

import pytest

from tests.core.sample_plugins import HERE as SAMPLES_DIR, write_distributions


@pytest.fixture
def sample_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the sample plugins as packages with entry points (for this test only)."""
    site = tmp_path / "site-packages"
    write_distributions(site)
    monkeypatch.syspath_prepend(str(SAMPLES_DIR))
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    greeter = sys.modules.get("quartier_greeter.plugin")
    if greeter is not None:
        greeter.calls.clear()
    return site
