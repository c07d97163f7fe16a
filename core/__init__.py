"""Quartier core: app factory, plugin system, configuration, database, tenancy and events."""

__version__ = "0.1.0"
