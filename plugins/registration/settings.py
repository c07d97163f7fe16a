import msgspec

DEFAULT_CONSENT = (
    "Ich bin damit einverstanden, dass meine Angaben zur Organisation dieser Veranstaltung gespeichert "
    "und verwendet werden. Sie werden spätestens {days} Tage nach der Veranstaltung gelöscht. "
    "Ich kann meine Anmeldung jederzeit über den persönlichen Link stornieren."
)


class RegistrationSettings(msgspec.Struct, forbid_unknown_fields=True):
    """``[registration]`` in the deployment config."""

    unconfirmed_hours: int = 24  # unconfirmed online registrations expire after this (never after the start)
    anonymise_after_days: int = 30  # personal data is removed this many days after the event
    rate_limit_per_minute: int = 10  # public registrations per address and minute; 0 switches it off
    # Online registrations with an e-mail address mail an address nobody has confirmed yet (the please-confirm
    # mail, or the registered/waiting-list notice): at most this many per recipient address and per sending
    # client address in an hour, so nobody can mail strangers through us; 0 switches a limit off.
    confirm_mails_per_address_per_hour: int = 3
    confirm_mails_per_client_per_hour: int = 20
    reminder_hours_before: int = 24  # a reminder this long before the start; 0 switches reminders off
    default_capacity: int | None = None
    consent_text: str = DEFAULT_CONSENT
