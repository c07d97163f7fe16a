from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.plugin_api import current

ID = "2026-12-06T16:55:29:000000"
VERSION = "1.38.0"
DESCRIPTION = "the registration plugin's messages and audiences are declared by it: <plugin>.<key>, keys prefixed"

# A record of the names before the registration plugin declared its own messages (register_message_types,
# register_audiences); this plugin's code names no other plugin.
KINDS = ("confirm_request", "registered", "waitlisted", "promoted", "cancelled", "expired", "reminder",
         "event_changed", "event_cancelled")
AUDIENCES = ("registered", "waitlisted", "all")
OWNER = "registration"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def run(*statements: str) -> None:
        for statement in statements:
            await current().engine.run_ddl(statement)

    async def up() -> None:
        for kind in KINDS:
            await run(f"UPDATE notification_templates SET kind = '{OWNER}.{kind}' WHERE kind = '{kind}'",
                      f"UPDATE notification_outbox SET kind = '{OWNER}.{kind}', idempotency_key = '{OWNER}:' || idempotency_key "
                      f"WHERE kind = '{kind}'")
        for audience in AUDIENCES:
            await run(f"UPDATE notification_announcements SET audience = '{OWNER}.{audience}' WHERE audience = '{audience}'")

    async def down() -> None:
        for kind in KINDS:
            await run(f"UPDATE notification_templates SET kind = '{kind}' WHERE kind = '{OWNER}.{kind}'",
                      f"UPDATE notification_outbox SET kind = '{kind}', idempotency_key = substr(idempotency_key, "
                      f"{len(OWNER) + 2}) WHERE kind = '{OWNER}.{kind}'")
        for audience in AUDIENCES:
            await run(f"UPDATE notification_announcements SET audience = '{audience}' WHERE audience = '{OWNER}.{audience}'")

    manager.add_raw(up)
    manager.add_raw_backwards(down)
    return manager
