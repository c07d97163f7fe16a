"""Operating a deployment: readiness (/readyz), Prometheus metrics (/metrics) and JSON logs."""
