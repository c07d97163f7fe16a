from typing import Literal

import msgspec


class NotificationSettings(msgspec.Struct, forbid_unknown_fields=True):
    """``[notifications]`` in the deployment config."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 30
    from_address: str = "quartier@localhost"
    from_name: str = "Quartier"
    max_attempts: int = 8  # then a temporary failure counts as failed
    backoff_seconds: float = 30  # first retry; doubles each time, with jitter
    lease_seconds: int = 300  # a message "sending" longer than this belongs to a dead worker
    batch_size: int = 50
    poll_seconds: float = 2
    ready_outbox_age_seconds: int = 600  # /readyz fails while a due message waited longer for a sender; 0: no check
    senders: int = 2  # batches the send job sends at once, each over its own connection
    digest_minutes: int = 30  # moderators get at most one digest this often
    # Apprise (optional extra `quartier[apprise]`): URL schemes operators may configure
    apprise_schemes: list[str] = msgspec.field(default_factory=lambda: [
        "json", "jsons", "form", "forms", "matrix", "matrixs", "signal", "signals", "ntfy", "ntfys"])
    webhook_url: str = ""  # every domain event is POSTed there as JSON when set
    webhook_secret: str = ""  # HMAC-SHA256 key for the X-Quartier-Signature header
    # message types that list the "webhook" channel hand the person's contact to webhook_url only when this is true
    webhook_messages: bool = False
    # Subscriptions without an account (new events of a Quartier or a series, by e-mail, double opt-in)
    subscription_unconfirmed_days: int = 7  # an unconfirmed subscription (and its confirm link) is deleted after this
    subscription_rate_limit_per_minute: int = 5  # subscribe requests per client address and minute; 0 switches it off
    subscription_check_minutes: int = 15  # how often digests are sent ("sobald etwas Neues erscheint"; weekly ones too)
    subscription_consent_version: str = "1"  # stored with each subscription; raise it when the consent text changes
