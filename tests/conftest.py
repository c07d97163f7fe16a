pytest_plugins = ["core.testing.fixtures"]


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    """The request counts of the OpenAPI fuzz test (tests/core/test_openapi_fuzz.py).

    Here, not in tests/core/conftest.py: with xdist the controller loads only this conftest."""
    lines = sorted({value for outcome in ("passed", "failed") for report in terminalreporter.stats.get(outcome, [])
                    for name, value in getattr(report, "user_properties", []) if name == "openapi fuzz"})
    if lines:
        terminalreporter.section("openapi fuzz")
        for line in lines:
            terminalreporter.write_line(line)
