from core.plugin_api import hookimpl


@hookimpl
def register_routez(deployment):  # a typo of register_routes
    return []
