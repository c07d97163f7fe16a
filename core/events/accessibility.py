"""Structured accessibility: a fixed set of features a venue offers and an event adds or lacks.

Stored as space-separated keys in a text column (venues.accessibility_features,
events.accessibility_added / accessibility_removed); the free-text note stays next to them.
Each feature has a German label and explanation (translated at render time) and an SVG
symbol in core/static/accessibility/<key>.svg.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from core.web.i18n import gettext

if TYPE_CHECKING:
    from core.events.tables import Event, Venue


def _(text: str) -> str:
    """Marks a German text for the catalog; translated where it is shown."""
    return text


@dataclass(frozen=True)
class Feature:
    key: str
    label: str  # German
    explanation: str  # German
    schema_org: str = ""  # schema.org accessibilityFeature value, where one fits

    @property
    def icon(self) -> str:
        return f"/static/core/accessibility/{self.key}.svg"

    @property
    def local_label(self) -> str:
        return gettext(self.label)

    @property
    def local_explanation(self) -> str:
        return gettext(self.explanation)


FEATURES: tuple[Feature, ...] = (
    Feature("step_free", _("Stufenloser Zugang"),
            _("Eingang ohne Stufen oder mit Rampe, mit Rollstuhl und Rollator erreichbar.")),
    Feature("elevator", _("Aufzug"), _("Alle genutzten Räume sind mit einem Aufzug erreichbar.")),
    Feature("accessible_toilet", _("Barrierefreies WC"), _("Eine rollstuhlgerechte Toilette ist vorhanden.")),
    Feature("disabled_parking", _("Behindertenparkplatz"), _("Ein Parkplatz für Menschen mit Behinderung ist in der Nähe.")),
    Feature("hearing_loop", _("Induktionsschleife / Höranlage"),
            _("Eine Höranlage für Hörgeräte mit T-Spule oder mit Leihempfängern.")),
    Feature("seating", _("Sitzplätze und Ruhezone"), _("Genug Sitzplätze und ein ruhiger Ort für Pausen.")),
    Feature("sign_language", _("Gebärdensprache"),
            _("Eine Dolmetscherin oder ein Dolmetscher für Deutsche Gebärdensprache ist dabei."), "signLanguage"),
    Feature("sign_language_on_request", _("Gebärdensprache auf Anfrage"),
            _("Dolmetschen in Deutsche Gebärdensprache, wenn Sie es vorher bei der Kontaktperson anfragen.")),
    Feature("easy_language", _("Leichte Sprache"), _("Informationen und Gespräche in Leichter Sprache.")),
)
BY_KEY = {f.key: f for f in FEATURES}
CHOICES = [(f.key, f.label) for f in FEATURES]
# the keys as a type: the API documents them as an enum
FeatureKey = Literal[
    "step_free", "elevator", "accessible_toilet", "disabled_parking", "hearing_loop", "seating",
    "sign_language", "sign_language_on_request", "easy_language",
]


def parse(text: str | None) -> list[str]:
    """Stored keys in the order of ``FEATURES`` (unknown ones dropped)."""
    return list(_parsed(text or ""))


# A list shows the same few combinations on every card: parsed once per process.
@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> tuple[str, ...]:
    keys = set(text.split())
    return tuple(f.key for f in FEATURES if f.key in keys)


def join(keys: list[str] | None) -> str:
    return " ".join(parse(" ".join(keys or [])))


def of_event(event: Event, venue: Venue | None) -> list[Feature]:
    """What the event offers: its venue's features, plus what the event adds, minus what it lacks."""
    return list(_of_event(venue.accessibility_features or "" if venue else "", event.accessibility_added or "",
                          event.accessibility_removed or ""))


@functools.lru_cache(maxsize=1024)
def _of_event(venue_keys: str, added: str, removed: str) -> tuple[Feature, ...]:
    keys = (set(_parsed(venue_keys)) | set(_parsed(added))) - set(_parsed(removed))
    return tuple(f for f in FEATURES if f.key in keys)
