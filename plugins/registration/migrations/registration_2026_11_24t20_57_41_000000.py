from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.plugin_api import current

ID = "2026-11-24T20:57:41:000000"
VERSION = "1.38.0"
DESCRIPTION = "one active registration per e-mail address and event; waiting-list order"

INDEXES = [
    # Idempotency: a double click or a second submission cannot make a second active registration.
    ("registrations_active_email", "CREATE UNIQUE INDEX IF NOT EXISTS registrations_active_email ON registrations (form, email) "
     "WHERE email IS NOT NULL AND status IN ('unconfirmed', 'confirmed', 'waitlisted')"),
    ("registrations_waitlist", "CREATE INDEX IF NOT EXISTS registrations_waitlist ON registrations (form, status, waitlist_seq)"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def create():
        for _name, sql in INDEXES:
            await current().engine.run_ddl(sql)

    async def drop():
        for name, _sql in INDEXES:
            await current().engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
