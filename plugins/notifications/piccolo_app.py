from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.notifications.tables import (
    Announcement,
    AppriseTarget,
    MessageTemplate,
    ModerationNotice,
    OutboxMessage,
    Subscription,
    SubscriptionNews,
    Unsubscribe,
)

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[OutboxMessage, Announcement, Unsubscribe, MessageTemplate, ModerationNotice, AppriseTarget,
                   Subscription, SubscriptionNews],
)
