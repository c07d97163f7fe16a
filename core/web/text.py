"""Internet addresses in text that citizens typed: found by one pattern, made inert by one rule.

Citizen text goes into pages and mails that carry the municipality's name, so an
address in it must neither be clickable nor look credible. ``defang`` writes every
address the way security notices do: ``https://evil.example/login`` becomes
``hxxps[:]//evil[.]example/login``, ``www.evil.example`` becomes ``www[.]evil[.]example``
and ``evil.example`` becomes ``evil[.]example``. The result is still readable, but
neither a reader nor a mail program's automatic linking sees an address in it.
"""

from __future__ import annotations

import re

# A scheme with "://" (or "http:"), "www.", or a host name ending in a top-level domain (``evil.example``,
# ``a.b.de/pfad``). A dot between a single letter and a capitalised word ("J.Schmidt") also looks
# like a host name: the pattern would rather refuse such a name than let a real address through.
LINK = re.compile(
    r"""[a-z][a-z0-9+.-]*://\S*          # any scheme://...
      | \bhttps?:\S*                       # http: without slashes
      | \bwww\.\S*                          # www....
      | \b(?:[\w-]+\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)\b(?:[/:?#]\S*)?   # host.tld[/path]
    """,
    re.IGNORECASE | re.VERBOSE,
)


def contains_link(text: str) -> bool:
    """True if ``text`` contains something a reader or a mail program would take for an internet address."""
    return LINK.search(text or "") is not None


def defang(text: str) -> str:
    """``text`` with every internet address in it made inert (see the module's docstring)."""

    def inert(match: re.Match[str]) -> str:
        found = match.group(0).replace("://", "[:]//").replace(".", "[.]")
        return re.sub(r"^http", "hxxp", found, flags=re.IGNORECASE)

    return LINK.sub(inert, text or "")
