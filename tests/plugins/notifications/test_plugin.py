"""The notifications plugin's own hook, its command line, and what it leaves alone."""

import os
import subprocess
import sys
from pathlib import Path

from core.plugin_api import hookimpl
from plugins.notifications import service
from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import channels, work
from tests.plugins.notifications.conftest import sections


class RecordingChannel:
    """A channel another plugin could add (say, SMS through a gateway); here it records what it is given."""

    name = "sms"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, message) -> None:
        self.sent.append(message.recipient)


class SmsPlugin:
    def __init__(self) -> None:
        self.channel = RecordingChannel()

    @hookimpl(optionalhook=True)
    def notification_channels(self, deployment):
        return [self.channel]


async def test_hook_notification_channels(make_deployment, smtp):
    deployment = await make_deployment(["notifications"], sections=sections(smtp.port))
    sms = SmsPlugin()
    deployment.pm.register(sms, name="sms")
    assert set(channels(deployment)) == {"email", "webhook", "apprise", "sms"}
    await service.enqueue(channel="sms", recipient="+49 5371 1234", kind="test", subject="", body_text="Hallo",
                          idempotency_key="sms:1")
    await service.enqueue(channel="fax", recipient="0", kind="test", subject="", body_text="x", idempotency_key="fax:1")
    await work(deployment)
    assert sms.channel.sent == ["+49 5371 1234"]
    fax = await OutboxMessage.objects().where(OutboxMessage.channel == "fax").first()
    assert fax.status == "failed" and "no channel 'fax'" in fax.last_error


def test_send_command_sends_what_is_due_with_a_progress_bar(tmp_path, smtp, database_url):
    import asyncio

    from core.config import Settings
    from core.plugin_manager import load_deployment

    settings = Settings(plugins=["notifications"], database_url=database_url, secret_key="x")
    settings.plugin_sections = sections(smtp.port)
    deployment = load_deployment(settings)

    async def prepare() -> None:
        await deployment.migrate()
        for i in range(30):
            await service.enqueue(recipient=f"w{i}@example.org", kind="test", subject="s", body_text="b", idempotency_key=f"w{i}")

    asyncio.run(prepare())
    config = tmp_path / "quartier.toml"
    config.write_text(f'plugins = ["notifications"]\ndatabase_url = "{database_url}"\nsecret_key = "x"\n'
                      f'[notifications]\nsmtp_port = {smtp.port}\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    result = subprocess.run([str(Path(sys.executable).parent / "quartier"), "--config", str(config), "notifications", "send"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    # (click draws the bar itself only on a terminal; here it prints the label)
    assert "Sending" in result.stdout and "Handled 30 message(s)." in result.stdout
    assert len(smtp.messages) == 30

    test = subprocess.run([str(Path(sys.executable).parent / "quartier"), "--config", str(config), "notifications", "send-test",
                           "admin@example.org"], capture_output=True, text=True, env=env, timeout=60)
    assert test.returncode == 0 and smtp.messages[-1]["Subject"] == "Quartier: Testnachricht"


def test_the_core_worker_sends_the_outbox_until_stopped(tmp_path, smtp, database_url):
    """With ``jobs_run_in = "worker"`` the web processes send nothing; ``quartier worker`` runs the job notifications.send."""
    import asyncio
    import signal
    import time

    from core.config import Settings
    from core.plugin_manager import load_deployment

    config = tmp_path / "quartier.toml"
    config.write_text(f'plugins = ["notifications"]\ndatabase_url = "{database_url}"\nsecret_key = "x"\njobs_run_in = "worker"\n'
                      f'[notifications]\nsmtp_port = {smtp.port}\npoll_seconds = 0.2\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    quartier = [str(Path(sys.executable).parent / "quartier"), "--config", str(config)]
    assert subprocess.run([*quartier, "db", "migrate"], capture_output=True, env=env, timeout=120).returncode == 0
    worker = subprocess.Popen([*quartier, "worker"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert worker.stdout.readline().startswith("Quartier worker: ")
        settings = Settings(plugins=["notifications"], database_url=database_url, secret_key="x")
        settings.plugin_sections = sections(smtp.port)
        deployment = load_deployment(settings)

        async def enqueue() -> None:
            deployment.bind()
            for i in range(5):
                await service.enqueue(recipient=f"w{i}@example.org", kind="test", subject="s", body_text="b", idempotency_key=f"w{i}")

        asyncio.run(enqueue())
        deadline = time.monotonic() + 30
        while len(smtp.messages) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(m["To"] for m in smtp.messages) == [f"w{i}@example.org" for i in range(5)]
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0 and out.endswith("Quartier worker stopped.\n"), err
