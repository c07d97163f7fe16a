"""The core's test kit (make_client, make_staff_client, post_form, ...) for these tests.

pytest accepts ``pytest_plugins`` here because this folder is always a starting point of the run: it is
``testpaths`` of this package's pyproject.toml (``pytest`` in examples/quartier-hilfsangebote) and is named
on the command line or in the root's ``testpaths`` when run from the repository root. Registering the kit
a second time (the root's tests/conftest.py does it too) is a no-op.
"""

pytest_plugins = ["core.testing.fixtures"]
