"""Piccolo's configuration module; ``core.db.engine.bind_engine`` sets its values."""

from piccolo.conf.apps import AppRegistry

DB = None
APP_REGISTRY = AppRegistry(apps=[])
