"""The core's Piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.accounts.tables import ApiToken, StaffUser, StaffUserQuartier
from core.content.tables import ContentTranslation
from core.domain_events.tables import DomainEventRecord
from core.jobs.tables import JobRecord
from core.events.tables import Event, EventOrganisation, EventSeries, Organisation, Venue
from core.quartiere.tables import Quartier, QuartierPlugin
from core.reports.tables import EventFigure
from core.web.tables import AuditEntry, RateCounter, StoredValue

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[
        Quartier,
        QuartierPlugin,
        Venue,
        Organisation,
        EventSeries,
        Event,
        EventOrganisation,
        StaffUser,
        StaffUserQuartier,
        ApiToken,
        DomainEventRecord,
        StoredValue,
        RateCounter,
        AuditEntry,
        ContentTranslation,
        JobRecord,
        EventFigure,
    ],
)
