"""The Quartier test kit: pytest fixtures for the core and for plugin authors.

Enable it in a ``conftest.py`` with ``pytest_plugins = ["core.testing.fixtures"]``.
"""
