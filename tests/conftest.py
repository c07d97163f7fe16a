pytest_plugins = ["core.testing.fixtures"]


SUMMARY_SECTIONS = ("openapi fuzz", "two nodes")  # record_property names shown in the summary


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    """Figures tests record: the OpenAPI fuzz test's request counts, the two-node test's rates and mails.

    Here, not in tests/core/conftest.py: with xdist the controller loads only this conftest."""
    for section in SUMMARY_SECTIONS:
        lines = sorted({value for outcome in ("passed", "failed") for report in terminalreporter.stats.get(outcome, [])
                        for name, value in getattr(report, "user_properties", []) if name == section})
        if lines:
            terminalreporter.section(section)
            for line in lines:
                terminalreporter.write_line(line)
