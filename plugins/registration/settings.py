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
    default_capacity: int | None = None
    consent_text: str = DEFAULT_CONSENT
