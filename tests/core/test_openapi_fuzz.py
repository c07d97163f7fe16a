"""Schema fuzzing of /schema/openapi.json with schemathesis, on a live app with all built-in plugins and the demo data.

Every documented operation gets QUARTIER_FUZZ_EXAMPLES (default 20) derandomised examples per generation mode
(valid and invalid input), anonymous and with a staff API token. No response may be a server error or differ
from what the document says (status code, body schema). The counts go to the pytest summary.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest

from core.testing.browser import LiveServer, run_async

EXAMPLES = int(os.environ.get("QUARTIER_FUZZ_EXAMPLES", "20"))
PLUGINS = ["registration", "exhibition", "notifications"]
MIN_OPERATIONS = 15

# What the terminal summary prints (tests/core/conftest.py): one line per database.


async def _prepare(deployment: Any) -> tuple[str, dict[str, Any]]:
    """Migrate, load the demo, give a staff account of its Quartier an API token; the demo's ids by path parameter."""
    from core.accounts.service import create_api_token, create_user
    from core.demo.loader import QUARTIER_SLUG, load_demo
    from plugins.exhibition.tables import Exhibit, Exhibition, GuidingQuestion
    from plugins.registration.tables import Registration

    await deployment.migrate()
    event = await load_demo(deployment)
    await create_user("fuzz@example.org", "Fuzz", "Richtig-geheim-123", role="staff", quartiere=[QUARTIER_SLUG])
    known: dict[str, Any] = {"quartier": QUARTIER_SLUG, "event_id": event.id}
    for name, table in (("exhibition_id", Exhibition), ("exhibit_id", Exhibit), ("question_id", GuidingQuestion),
                        ("registration_id", Registration)):
        row = await table.select(table.id).first()
        if row is not None:
            known[name] = row["id"]
    return await create_api_token("fuzz@example.org", "fuzz"), known


def _fuzz(base_url: str, token: str, known: dict[str, Any]) -> tuple[Counter[int], list[str], int]:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= MIN_OPERATIONS, f"only {len(operations)} operations in the OpenAPI document"
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance]
    for operation in operations:
        # Random path parameters (mostly no row: 404), then the demo's rows so that queries and bodies get through.
        names = [p.name for p in operation.path_parameters]
        fixed = {name: known[name] for name in names if name in known}
        variants = [(mode, paths) for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
                    for paths in ([None, fixed] if fixed else [None])]
        for mode, paths in variants:
            for headers in ({}, {"Authorization": f"Bearer {token}"}):

                @given(case=operation.as_strategy(generation_mode=mode, path_parameters=paths))
                @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
                def run(case: Any) -> None:
                    response = case.call(base_url=base_url, headers=headers, timeout=30)
                    statuses[response.status_code] += 1
                    try:
                        case.validate_response(response, checks=checks, headers=headers)
                    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported below
                        failures.append(f"{operation.label} [{mode.value}, {'token' if headers else 'anonymous'}] "
                                        f"{response.status_code}: {str(exc).strip().splitlines()[0][:300]}\n"
                                        f"    {case.as_curl_command()[:300]}")

                try:
                    run()
                except Unsatisfiable:  # no invalid input exists (an operation without parameters)
                    assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
    return statuses, failures, len(operations)


def test_openapi_fuzz(make_settings: Any, database_url: str, record_property: Any) -> None:
    from core.app import create_app
    from core.plugin_manager import load_deployment

    deployment = load_deployment(make_settings(PLUGINS))
    token, known = run_async(_prepare(deployment))
    with LiveServer(create_app(deployment=deployment)) as server:
        statuses, failures, operations = _fuzz(server.url, token, known)
    total = sum(statuses.values())
    backend = "postgres" if database_url.startswith("postgres") else "sqlite"
    per_status = " ".join(f"{code}:{n}" for code, n in sorted(statuses.items()))
    # shown in the terminal summary by tests/core/conftest.py (a property reaches it from an xdist worker too)
    record_property("openapi fuzz", f"openapi fuzz ({backend}, {EXAMPLES} examples): {operations} operations, "
                    f"{total} requests, {len(failures)} failures; statuses {per_status}")
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    assert not failures, f"{len(failures)} failures ({server_errors} server errors):\n" + "\n".join(failures[:40])
    assert total >= operations * EXAMPLES, f"only {total} requests for {operations} operations"
