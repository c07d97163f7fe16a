"""Deployment configuration: TOML files decoded into msgspec Structs.

Every setting can be overridden by an environment variable named after its
path: ``QUARTIER_DATABASE_URL`` for ``database_url``, and
``QUARTIER_NOTIFICATIONS__SMTP_PORT`` for ``smtp_port`` in the
``[notifications]`` section.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

import msgspec

ENV_PREFIX = "QUARTIER_"
SECTION_SEPARATOR = "__"
SECRET_MARKERS = ("secret", "password", "token", "key")


class ConfigError(Exception):
    """A configuration problem, phrased as one sentence for the operator."""


class LegalTexts(msgspec.Struct, forbid_unknown_fields=True):
    """Texts of the legally required public pages (Markdown-free plain text)."""

    impressum: str = ""
    datenschutz: str = ""
    barrierefreiheit: str = ""


class PagesSettings(LegalTexts, forbid_unknown_fields=True):
    """The German texts, and versions per offered language (``[pages.versions.en]``, ``[pages.versions."de-x-ls"]``)."""

    versions: dict[str, LegalTexts] = msgspec.field(default_factory=dict)


class Settings(msgspec.Struct, forbid_unknown_fields=True):
    """Core settings of one deployment."""

    plugins: list[str] = msgspec.field(default_factory=list)
    database_url: str = "sqlite:///data/quartier.sqlite"
    secret_key: str = ""
    data_dir: str = "data"
    base_url: str = "http://127.0.0.1:8000"
    timezone: str = "Europe/Berlin"
    default_language: str = "de"
    # UI languages the switcher offers; empty: German and every language with a core catalog
    languages: list[str] = msgspec.field(default_factory=list)
    deployment_name: str = "Quartier"
    # colour of printed posters, flyers and lists (#rrggbb); dark enough for white text on it
    brand_color: Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$")] = "#0b5394"
    migrate_on_start: bool = True
    # "web": the web processes run the scheduled jobs; "worker": only `quartier worker` does
    jobs_run_in: Literal["web", "worker"] = "web"
    # "worker": web processes only record domain events; `quartier worker` hands them to the plugins (within a second)
    events_delivered_in: Literal["web", "worker"] = "web"
    domain_event_retention_days: int = 30  # delivered domain events with personal-data fields are then deleted
    domain_event_log_days: int = 365  # delivered domain events without personal data are then deleted
    debug: bool = False
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks); empty: none.
    trusted_proxies: list[str] = msgspec.field(default_factory=list)
    log_format: Literal["text", "json"] = "text"  # json: one line per event, without personal data (core/ops/logs.py)
    # /metrics answers these addresses or networks, and requests with "Authorization: Bearer <metrics_token>".
    metrics_addresses: list[str] = msgspec.field(default_factory=lambda: ["127.0.0.1", "::1"])
    metrics_token: str = ""
    pages: PagesSettings = msgspec.field(default_factory=PagesSettings)
    # Raw sections of plugins, validated by each plugin's own Struct.
    plugin_sections: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    source: str = "<defaults>"

    def __post_init__(self) -> None:
        if not self.languages:
            from core.web.i18n import available_languages

            self.languages = available_languages()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_CORE_FIELDS = {f.name for f in msgspec.structs.fields(Settings)} - {"plugin_sections", "source"}


def is_secret(key: str) -> bool:
    return any(marker in key.lower() for marker in SECRET_MARKERS)


def _parse_env_value(raw: str) -> Any:
    """Read an environment value as a TOML value where it is one, else as a string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        if "," in raw:
            return [part.strip() for part in raw.split(",") if part.strip()]
        return raw


# QUARTIER_* variables that are not settings: the config path, CLI input, the test kit.
NOT_SETTINGS = ("QUARTIER_CONFIG", "QUARTIER_NEW_PASSWORD", "QUARTIER_TEST_", "QUARTIER_REQUIRE_", "QUARTIER_PG_BINDIR", "QUARTIER_CHROMIUM",
               "QUARTIER_COUNT_STATEMENTS")


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name.startswith(NOT_SETTINGS):
            continue
        path = name[len(ENV_PREFIX):].lower().split(SECTION_SEPARATOR)
        if len(path) == 1 and path[0] not in _CORE_FIELDS:
            raise ConfigError(
                f"Environment variable {name} names no setting "
                f"(core settings: {', '.join(sorted(_CORE_FIELDS))}; plugin settings look like QUARTIER_<PLUGIN>__<KEY>)."
            )
        target = overrides
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = _parse_env_value(raw)
    return overrides


def _split_lists(data: dict[str, Any], struct: type[msgspec.Struct]) -> dict[str, Any]:
    """A comma-separated string (from the environment) where the Struct wants a list."""
    fixed = dict(data)
    for field in msgspec.structs.fields(struct):
        value = fixed.get(field.encode_name)
        if isinstance(value, str) and getattr(field.type, "__origin__", None) is list:
            fixed[field.encode_name] = [part.strip() for part in value.split(",") if part.strip()]
    return fixed


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _validation_sentence(source: str, section: str | None, exc: msgspec.ValidationError) -> str:
    # msgspec says e.g. "Expected `int`, got `str` - at `$.smtp_port`"
    message = str(exc)
    where = ""
    if " - at `$." in message:
        message, _, path = message.partition(" - at `$.")
        where = path.rstrip("`")
    unknown = re.match(r"Object contains unknown field `([^`]+)`", message)
    if unknown:
        where = ".".join(part for part in (where, unknown.group(1)) if part)
        message = "there is no such setting"
    key = ".".join(part for part in (section, where) if part)
    if key:
        return f"{source}: setting '{key}' is invalid: {message}."
    return f"{source}: {message}."


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Load settings from a TOML file (optional) and the environment."""
    environ = os.environ if environ is None else environ
    path = path or environ.get("QUARTIER_CONFIG")
    data: dict[str, Any] = {}
    source = "<environment>"
    if path:
        file = Path(path)
        source = str(file)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"The configuration file {file} does not exist.") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}.") from None
    data = _merge(data, _env_overrides(environ))

    core = {k: v for k, v in data.items() if k in _CORE_FIELDS}
    sections = {k: v for k, v in data.items() if k not in _CORE_FIELDS}
    for name, value in sections.items():
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: unknown setting '{name}' (not a core setting, and not a plugin section).")
    try:
        settings = msgspec.convert(_split_lists(core, Settings), Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(_validation_sentence(source, None, exc)) from None
    settings.plugin_sections = sections
    settings.source = source
    _check_languages(settings)
    return settings


def _check_languages(settings: Settings) -> None:
    """The offered languages: each known and with a core catalog, the default among them."""
    from core.web.i18n import LANGUAGES, available_languages

    available = available_languages()
    for lang in settings.languages:
        if lang not in available:
            known = lang in LANGUAGES
            raise ConfigError(f"{settings.source}: setting 'languages' is invalid: "
                              f"'{lang}' is {'a language without a catalog' if known else 'no known language'} "
                              f"(available: {', '.join(available)}).")
    settings.languages = list(dict.fromkeys(settings.languages))
    for lang in settings.pages.versions:
        if lang not in settings.languages or lang == "de":
            raise ConfigError(f"{settings.source}: setting 'pages.versions' is invalid: '{lang}' is not one of the "
                              f"offered languages besides German ({', '.join(l for l in settings.languages if l != 'de')}).")
    if settings.default_language not in settings.languages:
        raise ConfigError(f"{settings.source}: setting 'default_language' is invalid: '{settings.default_language}' "
                          f"is not one of the offered languages ({', '.join(settings.languages)}).")


def validate_section(settings: Settings, plugin: str, struct: type[msgspec.Struct]) -> msgspec.Struct:
    """Validate one plugin's section with the plugin's own Struct."""
    raw = settings.plugin_sections.get(plugin, {})
    try:
        return msgspec.convert(_split_lists(raw, struct), struct, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"Plugin '{plugin}': " + _validation_sentence(settings.source, plugin, exc)) from None


def redacted(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a settings mapping with secrets replaced, for display."""
    shown: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            shown[key] = redacted(value)
        elif is_secret(key) and value:
            shown[key] = "********"
        elif isinstance(value, str) and "://" in value and "@" in value:
            shown[key] = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1********@", value)
        else:
            shown[key] = value
    return shown


def check_web_settings(settings: Settings) -> None:
    """What serving web pages needs beyond what the CLI needs."""
    _check_languages(settings)
    if not settings.secret_key:
        raise ConfigError(f"{settings.source}: setting 'secret_key' is empty; set a long random value (or QUARTIER_SECRET_KEY).")
    for key in ("trusted_proxies", "metrics_addresses"):
        for entry in getattr(settings, key):
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ConfigError(f"{settings.source}: setting '{key}' is invalid: '{entry}' is not an IP address "
                                  "or network (e.g. 127.0.0.1 or 10.0.0.0/24).") from None
