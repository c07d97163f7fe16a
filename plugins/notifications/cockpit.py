"""The notifications panel of an event's cockpit: messages sent, waiting and failed, calls to make, announcements."""

from __future__ import annotations

from core.plugin_api import CockpitPanel, EventDetail, StaffContext, format_number, plugin_gettext
from plugins.notifications.tables import OutboxMessage

_ = plugin_gettext("notifications")


async def cockpit_panel(staff: StaffContext, detail: EventDetail) -> list[CockpitPanel]:
    event_id = detail.event.id
    rows = await OutboxMessage.select(OutboxMessage.status, OutboxMessage.channel).where(OutboxMessage.event_id == event_id)
    sent = sum(1 for r in rows if r["channel"] != "call" and r["status"] == "sent")
    waiting = sum(1 for r in rows if r["channel"] != "call" and r["status"] in ("pending", "sending"))
    failed = sum(1 for r in rows if r["channel"] != "call" and r["status"] == "failed")
    calls = sum(1 for r in rows if r["channel"] == "call" and r["status"] == "pending")
    return [CockpitPanel(
        title=_("Benachrichtigungen"), order=30,
        figures=[(_("Versandt"), format_number(sent)), (_("Ausstehend"), format_number(waiting)),
                 (_("Fehlgeschlagen"), format_number(failed)), (_("Anrufliste"), format_number(calls))],
        links=[(_("Mitteilung schreiben"), f"/staff/r/announcements/new?event={event_id}"),
               (_("Mitteilungen"), f"/staff/r/announcements/?f_event={event_id}"),
               (_("Versandprotokoll"), f"/staff/r/notifications-log/?f_event_id={event_id}"),
               (_("Anrufliste"), f"/staff/r/call-list/?f_event_id={event_id}&f_status=pending")],
    )]
