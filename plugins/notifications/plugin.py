"""Hook implementations of the notifications plugin (Benachrichtigungen)."""

from __future__ import annotations

from pathlib import Path

import click

from core.plugin_api import Deployment, DomainEvent, Job, MessageRequest, Metric, ReadinessCheck, StaffContext, hookimpl
from plugins.notifications.hookspecs import NotificationSpecs
from plugins.notifications.piccolo_app import APP_CONFIG
from plugins.notifications.settings import NotificationSettings

HERE = Path(__file__).parent


@hookimpl
def plugin_settings():
    return NotificationSettings


@hookimpl
def register_tables():
    return APP_CONFIG


@hookimpl
def register_routes(deployment: Deployment):
    from plugins.notifications.routes import ROUTES

    return ROUTES


@hookimpl
def register_templates():
    return [str(HERE / "templates")]


@hookimpl
def register_locales():
    return [str(HERE / "locale")]


@hookimpl
def staff_resources(deployment: Deployment):
    from plugins.notifications import apprise_channel
    from plugins.notifications.resources import (
        ANNOUNCEMENTS, APPRISE_TARGETS, CALL_LIST, DELIVERY_LOG, SUBSCRIPTIONS, TEMPLATES,
    )

    return [ANNOUNCEMENTS, DELIVERY_LOG, CALL_LIST, TEMPLATES, SUBSCRIPTIONS,
            *([APPRISE_TARGETS] if apprise_channel.available() else [])]


@hookimpl
async def dashboard_widgets(deployment: Deployment, staff: StaffContext):
    from plugins.notifications.routes import subscriptions_widget

    return await subscriptions_widget(staff)


@hookimpl
def quartier_page_blocks(deployment: Deployment, quartier_row, series, request):
    from plugins.notifications.routes import subscribe_block

    return [subscribe_block(quartier_row, series, request)]


@hookimpl
def register_hookspecs():
    return NotificationSpecs


@hookimpl
def notification_channels(deployment: Deployment):
    from plugins.notifications.webhook import WebhookChannel
    from plugins.notifications.worker import email_channel

    from plugins.notifications import apprise_channel

    settings = deployment.settings_for("notifications")
    found = [email_channel(deployment), WebhookChannel(settings.webhook_secret, settings.smtp_timeout_seconds)]
    if apprise_channel.available():
        found.append(apprise_channel.AppriseChannel())
    return found


@hookimpl
async def on_domain_event(event: DomainEvent, deployment: Deployment):
    from plugins.notifications.handlers import handle

    await handle(event)


@hookimpl
async def deliver_message(request: MessageRequest, deployment: Deployment):
    from plugins.notifications.delivery import deliver

    return await deliver(request)


@hookimpl
async def withdraw_messages(owner: str, key_prefix: str, erase: bool, deployment: Deployment):
    from plugins.notifications.delivery import withdraw

    return await withdraw(owner, key_prefix, erase)


async def send_due(deployment: Deployment, quartiere: frozenset[int] | None) -> None:
    from plugins.notifications.worker import work

    await work(deployment)


@hookimpl
def background_tasks(deployment: Deployment):
    from plugins.notifications import subscriptions
    from plugins.notifications.digest import send_digests

    settings = deployment.settings_for("notifications")
    # The outbox is the deployment's: it sends what was queued while the sender was switched on, whoever queued it.
    # Every process sends (claims never overlap), each on its own core.
    return [Job("send", send_due, seconds=settings.poll_seconds, deployment_wide=True, every_process=True),
            Job("moderation-digests", send_digests, seconds=settings.digest_minutes * 60),
            Job("subscription-digests", subscriptions.send_digests, seconds=settings.subscription_check_minutes * 60),
            # personal data: the deletion rule runs even where the plugin was switched off since
            Job("purge-subscriptions", subscriptions.purge, daily_at="03:40", deployment_wide=True)]


@hookimpl
async def readiness_checks(deployment: Deployment):
    from plugins.notifications import service

    limit = deployment.settings_for("notifications").ready_outbox_age_seconds
    if not limit:
        return []
    age = await service.oldest_due_seconds()
    return [ReadinessCheck("outbox", age <= limit, "" if age <= limit else (
        f"The oldest due message has waited {age:.0f} s for a sender (limit {limit} s): is a worker sending?"))]


@hookimpl
async def metrics(deployment: Deployment):
    from plugins.notifications import service

    depth = await service.depth()
    return [
        *(Metric("outbox_messages", "Messages in the outbox by status", n, {"status": s}) for s, n in depth.items()),
        Metric("outbox_due_messages", "Messages due for sending now", await service.due_count()),
        Metric("outbox_oldest_due_seconds", "How long the oldest due message has waited for a sender",
               await service.oldest_due_seconds()),
    ]


@hookimpl
def register_commands(cli: click.Group):
    import asyncio

    from core.plugin_api import current

    @cli.group("notifications")
    def notifications() -> None:
        """Notifications (Benachrichtigungen)."""

    @notifications.command("send")
    def send() -> None:
        """Send everything that is due now with a progress bar, then stop (a bulk send from the terminal;
        `quartier worker` sends continuously)."""
        from plugins.notifications import service
        from plugins.notifications.worker import work

        deployment = current()

        async def run() -> int:
            deployment.bind()
            await deployment.engine.start_connection_pool(min_size=1, max_size=5)
            try:
                with click.progressbar(length=await service.due_count(), label="Sending", show_pos=True) as bar:
                    return await work(deployment, progress=bar.update)
            finally:
                await deployment.engine.close_connection_pool()

        click.echo(f"Handled {asyncio.run(run())} message(s).")

    @notifications.command("send-test")
    @click.argument("address")
    def send_test(address: str) -> None:
        """Send a test e-mail to ADDRESS right now, through the configured SMTP server."""
        from plugins.notifications.tables import OutboxMessage
        from plugins.notifications.worker import email_channel

        deployment = current()

        async def run() -> str:
            deployment.bind()
            message = OutboxMessage(id=0, recipient=address, subject="Quartier: Testnachricht",
                                    body_text="Diese Testnachricht zeigt, dass der E-Mail-Versand von Quartier funktioniert.\n",
                                    body_html="", headers='{"Auto-Submitted": "auto-generated"}', calendar="")
            await email_channel(deployment).send(message)
            return address

        from plugins.notifications.channels import PermanentFailure, TemporaryFailure

        try:
            asyncio.run(run())
        except (TemporaryFailure, PermanentFailure) as exc:
            raise click.ClickException(f"Sending failed: {exc}") from None
        click.echo(f"Sent a test message to {address}.")


@hookimpl
async def event_cockpit_panels(deployment: Deployment, staff, event):
    from plugins.notifications.cockpit import cockpit_panel

    return await cockpit_panel(staff, event)
