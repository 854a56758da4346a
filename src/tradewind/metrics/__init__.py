"""Prometheus metrics (docs/operations.md#metrics)."""
