"""Sample plugins, installed for a test as if by pip: a dist-info folder with an entry point."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent

SAMPLES = {
    # entry point name: (distribution name, module)
    "greeter": ("quartier-greeter", "quartier_greeter.plugin"),
    "quiet": ("quartier-quiet", "quartier_quiet.plugin"),
    "broken": ("quartier-broken", "quartier_broken.plugin"),
    "badhook": ("quartier-badhook", "quartier_badhook.plugin"),
}


def write_distributions(site: Path) -> None:
    """Write the metadata pip would write for each sample into ``site``."""
    for entry_name, (dist, module) in SAMPLES.items():
        info = site / f"{dist.replace('-', '_')}-1.2.3.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
        (info / "entry_points.txt").write_text(f"[quartier]\n{entry_name} = {module}\n")
