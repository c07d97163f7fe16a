"""A second sample plugin: implements the greeter's own hook, and nothing else."""

from core.plugin_api import hookimpl


@hookimpl(optionalhook=True)
def greeting_suffix():
    return "und herzlich willkommen"
