"""What /metrics answers: every worker's values (multiprocess mode) or this process's, plus
gauges read at scrape time (the outbox backlog, shared by all processes)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _Fixed(Collector):
    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


def backlog_family(backlog: Mapping[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "tradewind_outbox_backlog",
        "Cleanup outbox rows: due now, scheduled later, retrying after a failure.",
        labels=["state"],
    )
    for state, rows in sorted(backlog.items()):
        family.add_metric([state], rows)
    return family


def render(scraped: Iterable[Metric] = ()) -> bytes:
    """The text exposition of every metric, then the families read at scrape time."""
    directory = multiprocess_dir()
    if directory is None:
        text = generate_latest(REGISTRY)
    else:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    extra = CollectorRegistry(auto_describe=False)
    extra.register(_Fixed(scraped))
    return text + generate_latest(extra)
