import re

import msgspec

# Flagged for the moderator, never dropped: stems, matched at the start of a word, case-insensitively.
DEFAULT_FLAG_WORDS = [
    "arschloch", "wichser", "hure", "fotze", "schlampe", "missgeburt", "spast", "idiot", "vollidiot",
    "drecks", "scheiß", "scheiss", "kanake", "neger", "zigeuner", "asylant", "sieg heil", "heil hitler",
    "umbringen", "abstechen", "töten",
]


class ExhibitionSettings(msgspec.Struct, forbid_unknown_fields=True):
    """``[exhibition]`` in the deployment config."""

    max_upload_mb: float = 8.0  # per image file
    max_megapixels: float = 40.0  # larger images (and decompression bombs) are refused
    image_widths: list[int] = msgspec.field(default_factory=lambda: [480, 960, 1600])
    # images processed at once per server process, each in a short-lived process of its own; further uploads wait
    image_workers: int = 2
    # "database", "folder" (files under media_dir) or "package.module:factory" returning a MediaStorage
    # (plugins/exhibition/storage.py); empty: the database on PostgreSQL, the folder on SQLite
    storage: str = ""
    media_dir: str = ""  # default: <data_dir>/media/exhibition
    contribution_max_length: int = 1000
    name_max_length: int = 80
    flag_words: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_FLAG_WORDS))
    flag_links: bool = True  # contributions with web addresses are flagged (spam)
    # contributions per address and minute; a venue's Wi-Fi shares one address, so not too low; 0 switches it off
    rate_limit_per_minute: int = 20
    wall_refresh_seconds: int = 10

    def __post_init__(self) -> None:
        if self.storage == "local":  # its name before the database storage came
            self.storage = "folder"
        if self.storage not in ("", "database", "folder") and not re.fullmatch(r"[\w.]+:\w+", self.storage):
            raise ValueError(f"storage must be \"database\", \"folder\" or \"package.module:factory\", not {self.storage!r}")
