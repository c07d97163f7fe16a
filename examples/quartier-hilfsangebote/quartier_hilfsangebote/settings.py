from typing import Annotated

import msgspec

# The default topics (German; the English catalog translates them). A deployment may set its own list.
CATEGORIES = [
    "Beratung",
    "Gesundheit",
    "Pflege und Alter",
    "Familie und Kinder",
    "Migration und Sprache",
    "Wohnen",
    "Schulden und Geld",
    "Freizeit und Begegnung",
    "Notfall",
]


class HilfsangeboteSettings(msgspec.Struct, forbid_unknown_fields=True):
    """``[hilfsangebote]`` in the deployment config."""

    page_title: str = "Beratung und Hilfe"  # heading of /<quartier>/hilfe (translated when it is a known text)
    show_on_event_pages: bool = True  # the block "Beratung vor Ort" on public event pages
    categories: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]], msgspec.Meta(min_length=1)] = (
        msgspec.field(default_factory=lambda: list(CATEGORIES))
    )
