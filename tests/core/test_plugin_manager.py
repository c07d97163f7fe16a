"""Loading plugins: only the listed ones, by name, with one clear sentence for every failure."""

import pytest

from core.config import ConfigError, Settings
from core.plugin_manager import load_deployment
from core.plugin_manager import available_plugins


def settings(*plugins: str, **sections) -> Settings:
    s = Settings(plugins=list(plugins), database_url="sqlite:////tmp/unused-plugin-manager.sqlite")
    s.plugin_sections = sections
    s.source = "config/quartier.toml"
    return s


def test_third_party_package_with_entry_point_is_found(sample_plugins):
    info = available_plugins()["greeter"]
    assert info.source == "package quartier-greeter"
    assert info.version == "1.2.3"
    assert info.module == "quartier_greeter.plugin"


def test_only_listed_plugins_load(sample_plugins):
    deployment = load_deployment(settings("greeter"))
    assert list(deployment.plugins) == ["greeter"]
    assert deployment.pm.get_plugin("quiet") is None
    assert [app.app_name for app in deployment.apps] == ["core", "greeter"]
    assert "greeter.greeting_sent" in deployment.domain_event_types

    bare = load_deployment(settings())
    assert bare.plugins == {}
    assert [app.app_name for app in bare.apps] == ["core"]
    assert "greeter.greeting_sent" not in bare.domain_event_types


def test_loaded_plugin_lists_the_hooks_it_implements(sample_plugins):
    hooks = load_deployment(settings("greeter")).plugins["greeter"].hooks
    assert {"register_routes", "on_domain_event", "plugin_settings", "register_tables"} <= set(hooks)


def test_unknown_plugin_name_stops_with_one_sentence(sample_plugins):
    with pytest.raises(ConfigError) as info:
        load_deployment(settings("greeter", "registraton"))
    assert str(info.value).startswith("config/quartier.toml: unknown plugin 'registraton' in key 'plugins'")
    assert "greeter" in str(info.value)  # says what is available


def test_plugin_listed_twice(sample_plugins):
    with pytest.raises(ConfigError, match="plugin 'greeter' is listed twice"):
        load_deployment(settings("greeter", "greeter"))


def test_import_error_names_plugin_and_cause(sample_plugins):
    with pytest.raises(ConfigError) as info:
        load_deployment(settings("broken"))
    message = str(info.value)
    assert message.startswith("Plugin 'broken' (quartier_broken.plugin), listed in config/quartier.toml key 'plugins', failed to import")
    assert "quartier_dependency_that_is_not_installed" in message


def test_invalid_plugin_setting_names_plugin_file_and_key(sample_plugins):
    with pytest.raises(ConfigError) as info:
        load_deployment(settings("greeter", greeter={"repeat": "twice"}))
    message = str(info.value)
    assert "Plugin 'greeter'" in message and "config/quartier.toml" in message and "'greeter.repeat'" in message
    with pytest.raises(ConfigError, match="greeter.colour"):
        load_deployment(settings("greeter", greeter={"colour": "blue"}))


def test_plugin_settings_are_validated_and_available(sample_plugins):
    deployment = load_deployment(settings("greeter", greeter={"greeting": "Hallo", "repeat": "2"}))
    assert deployment.settings_for("greeter").greeting == "Hallo"
    assert deployment.settings_for("greeter").repeat == 2


def test_hook_implementation_without_spec_is_refused(sample_plugins):
    with pytest.raises(ConfigError) as info:
        load_deployment(settings("badhook"))
    assert "Plugin 'badhook'" in str(info.value) and "register_routez" in str(info.value)


def test_section_for_no_known_plugin_is_refused(sample_plugins):
    with pytest.raises(ConfigError, match=r"section \[notifcations\] belongs to no known plugin"):
        load_deployment(settings(notifcations={"smtp_port": 25}))


def test_plugin_hookspecs_let_other_plugins_implement_them(sample_plugins):
    deployment = load_deployment(settings("greeter", "quiet"))
    assert deployment.hooks.greeting_suffix() == {"quiet": "und herzlich willkommen"}
    # A plugin implementing another plugin's optional hook loads without that plugin.
    assert list(load_deployment(settings("quiet")).plugins) == ["quiet"]
