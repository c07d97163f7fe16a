from pathlib import Path

import msgspec
import pytest

from core.config import ConfigError, load_settings, redacted, validate_section


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "quartier.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_toml_file_is_read(tmp_path):
    path = write(tmp_path, 'plugins = ["registration"]\ndatabase_url = "sqlite:///x.sqlite"\n[registration]\nopen_days = 3\n')
    settings = load_settings(path, environ={})
    assert settings.plugins == ["registration"]
    assert settings.database_url == "sqlite:///x.sqlite"
    assert settings.plugin_sections == {"registration": {"open_days": 3}}
    assert settings.source == str(path)


def test_environment_overrides_core_and_plugin_settings(tmp_path):
    path = write(tmp_path, 'database_url = "sqlite:///x.sqlite"\n[notifications]\nsmtp_port = 25\nsmtp_host = "mail"\n')
    settings = load_settings(path, environ={
        "QUARTIER_DATABASE_URL": "postgresql://q@db/quartier",
        "QUARTIER_SECRET_KEY": "s3cr3t",
        "QUARTIER_NOTIFICATIONS__SMTP_PORT": "587",
        "QUARTIER_PLUGINS": "registration,notifications",
        "QUARTIER_DEBUG": "true",
        "OTHER": "ignored",
    })
    assert settings.database_url == "postgresql://q@db/quartier"
    assert settings.secret_key == "s3cr3t"
    assert settings.plugins == ["registration", "notifications"]
    assert settings.debug is True
    assert settings.plugin_sections["notifications"] == {"smtp_port": 587, "smtp_host": "mail"}


def test_wrong_type_names_file_key_and_type(tmp_path):
    path = write(tmp_path, 'debug = "sometimes"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    message = str(info.value)
    assert str(path) in message and "'debug'" in message and "bool" in message


def test_unknown_core_key_is_reported(tmp_path):
    path = write(tmp_path, 'databse_url = "sqlite:///typo.sqlite"\n')
    with pytest.raises(ConfigError, match="unknown setting 'databse_url'"):
        load_settings(path, environ={})


def test_missing_file_and_bad_toml_are_one_sentence(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "plugins = [\n"), environ={})


def test_plugin_section_is_validated_by_the_plugins_struct(tmp_path):
    class Mail(msgspec.Struct, forbid_unknown_fields=True):
        smtp_port: int = 25

    settings = load_settings(write(tmp_path, "[notifications]\nsmtp_port = 2525\n"), environ={})
    assert validate_section(settings, "notifications", Mail) == Mail(smtp_port=2525)

    settings = load_settings(write(tmp_path, '[notifications]\nsmtp_port = "many"\n'), environ={})
    with pytest.raises(ConfigError) as info:
        validate_section(settings, "notifications", Mail)
    assert "Plugin 'notifications'" in str(info.value)
    assert "'notifications.smtp_port'" in str(info.value)
    assert "int" in str(info.value)


def test_secrets_are_redacted_for_display():
    shown = redacted({"secret_key": "abc", "database_url": "sqlite:///x", "notifications": {"smtp_password": "pw", "smtp_port": 25}})
    assert shown == {"secret_key": "********", "database_url": "sqlite:///x", "notifications": {"smtp_password": "********", "smtp_port": 25}}


def test_passwords_in_database_urls_are_redacted():
    assert redacted({"database_url": "postgresql://quartier:hunter2@db/q"}) == {"database_url": "postgresql://quartier:********@db/q"}


def test_misspelt_environment_variable_is_reported():
    with pytest.raises(ConfigError, match="Environment variable QUARTIER_DATABSE_URL names no setting"):
        load_settings(None, environ={"QUARTIER_DATABSE_URL": "sqlite:///x"})
    # Variables of the CLI and the test kit are not settings
    load_settings(None, environ={"QUARTIER_NEW_PASSWORD": "x", "QUARTIER_REQUIRE_POSTGRES": "1", "QUARTIER_TEST_DATABASES": "sqlite"})


def test_offered_languages_default_to_those_with_a_catalog_and_are_checked(tmp_path):
    from core.web.i18n import available_languages

    assert load_settings(environ={}).languages == available_languages()
    assert {"de", "en", "tr", "ar"} <= set(available_languages())
    assert load_settings(environ={"QUARTIER_LANGUAGES": "de, ar"}).languages == ["de", "ar"]
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"QUARTIER_LANGUAGES": "de, xx"})
    assert str(err.value).count(".") >= 1 and "'languages'" in str(err.value) and "'xx' is no known language" in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="'default_language' is invalid: 'en' is not one of the offered languages"):
        load_settings(environ={"QUARTIER_LANGUAGES": "de,tr", "QUARTIER_DEFAULT_LANGUAGE": "en"})
