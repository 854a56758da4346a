"""Every Tradewind metric, defined once.

With several granian workers `tradewind serve` points PROMETHEUS_MULTIPROC_DIR at a fresh
directory before any worker starts; prometheus-client then keeps each worker's values in its
own memory-mapped file there and /metrics adds them up (tradewind.metrics.exposition). Without
that variable (tests, an embedded app) the values live in this process's default registry.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DEVICE_CHECKS = Counter(
    "tradewind_device_checks",
    "Device update checks answered, by protocol, application (org/app) and HTTP status.",
    ["protocol", "application", "outcome"],
)
SNAPSHOT_REBUILDS = Counter(
    "tradewind_snapshot_rebuilds",
    "Application snapshots compiled after a change (one per application rebuilt).",
)
SNAPSHOT_REFRESH_FAILURES = Counter(
    "tradewind_snapshot_refresh_failures",
    "Snapshot polls that failed (the process kept serving its last snapshots).",
)
SNAPSHOT_AGE = Gauge(
    "tradewind_snapshot_age_seconds",
    "Seconds since the oldest live worker last refreshed its snapshots successfully.",
    multiprocess_mode="livemax",
)
HTTP_REQUESTS = Counter(
    "tradewind_http_requests",
    "Management requests (API, dashboard, health), by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "tradewind_http_request_duration_seconds",
    "Management request latency, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
UPLOADS = Counter(
    "tradewind_uploads",
    "Upload requests (files, packages, bundle archives), by kind and HTTP status.",
    ["kind", "status"],
)
UPLOAD_BYTES = Counter(
    "tradewind_upload_bytes",
    "Request bytes received by successful uploads, by kind.",
    ["kind"],
)
SIGNAL_FLUSHES = Counter(
    "tradewind_signal_flushes",
    "Device signal flushes to the database, by outcome (written, failed, dropped).",
    ["outcome"],
)
SIGNAL_BATCHES_HELD = Gauge(
    "tradewind_signal_batches_held",
    "Signal batches taken but not yet written (retried by the next flush).",
    multiprocess_mode="livesum",
)
GUARD_TRIPS = Counter(
    "tradewind_guard_trips",
    "Releases paused by the rollout guard.",
)
WORKERS = Gauge(
    "tradewind_workers",
    "Worker processes serving (each live worker counts 1).",
    multiprocess_mode="livesum",
)
CDN_PURGES = Counter(
    "tradewind_cdn_purges",
    "CDN purge batches sent after changes of what devices are served, by outcome.",
    ["outcome"],
)
