"""The core's test kit (make_client, make_staff_client, post_form, ...) for these tests.

Registered from a hook instead of ``pytest_plugins = ["core.testing.fixtures"]``: pytest accepts that
variable only in conftest files at the start of the run, and this one is not when pytest is started from the
repository root with ``pytest examples/``. Registering it again where the root's tests/conftest.py has done so
already is a no-op, so every invocation shares one kit (and one PostgreSQL server).
"""

from __future__ import annotations

import pytest

KIT = "core.testing.fixtures"


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.import_plugin(KIT)
