"""iCalendar (RFC 5545) feeds of events, built with the icalendar library."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import icalendar

from core import __version__
from core.events.service import EventDetail
from core.web.i18n import gettext as _

PRODID = f"-//Quartier//Quartier {__version__}//DE"


def _host(base_url: str) -> str:
    return urlparse(base_url).hostname or "quartier.invalid"


def event_uid(event_id: int, base_url: str) -> str:
    return f"event-{event_id}@{_host(base_url)}"


def series_uid(series_id: int, base_url: str) -> str:
    """The series' UID: each occurrence names it in RELATED-TO (its own UID stays ``event_uid``)."""
    return f"series-{series_id}@{_host(base_url)}"


def location_text(detail: EventDetail) -> str:
    venue = detail.venue
    if venue is None:
        return ""
    place = " ".join(part for part in (venue.postal_code, venue.city) if part)
    return ", ".join(part for part in (venue.name, venue.street, place) if part)


def vevent(detail: EventDetail, base_url: str, url: str) -> icalendar.Event:
    event = detail.event
    tz = ZoneInfo(event.timezone)
    item = icalendar.Event()
    item.add("uid", event_uid(event.id, base_url))
    item.add("dtstamp", datetime.now(timezone.utc))
    item.add("last-modified", event.updated_at.astimezone(timezone.utc))
    item.add("sequence", event.sequence)
    texts = detail.texts
    item.add("summary", texts.title.text, parameters={"LANGUAGE": texts.title.lang})
    item.add("dtstart", event.starts_at.astimezone(tz))
    item.add("dtend", event.ends_at.astimezone(tz))
    description = texts.summary or texts.description
    lines = [description.text] if description else []
    features = detail.accessibility
    if features:
        lines.append(_("Barrierefreiheit: {features}").format(features=", ".join(f.local_label for f in features)))
    if event.free_admission:
        lines.append(_("Eintritt frei"))
    if lines:  # one LANGUAGE only when the whole text is in it (the added lines are in the reader's language)
        single = description.lang if description and len(lines) == 1 else None
        item.add("description", "\n\n".join(lines), parameters={"LANGUAGE": single} if single else {})
    location = location_text(detail)
    if location:
        item.add("location", location)
    item.add("url", url)
    if event.series is not None:
        item.add("related-to", series_uid(event.series, base_url))
    item.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    if event.contact_email:
        organizer = icalendar.vCalAddress(f"mailto:{event.contact_email}")
        organizer.params["cn"] = icalendar.vText(event.contact_name or detail.quartier.office or detail.quartier.name)
        item.add("organizer", organizer)
    return item


def calendar(details: list[tuple[EventDetail, str]], base_url: str, name: str, method: str = "PUBLISH") -> bytes:
    """A VCALENDAR with one VEVENT per (event, public URL), VTIMEZONEs included."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add("x-wr-calname", name)
    for detail, url in details:
        cal.add_component(vevent(detail, base_url, url))
    if details:
        # Cover only the years the events need, to keep the VTIMEZONE short.
        first = min(d.event.starts_at for d, _ in details).date() - timedelta(days=366)
        last = max(d.event.ends_at for d, _ in details).date() + timedelta(days=366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()
