"""Logging set-up: every record (Tradewind's, granian's, libraries') through one structlog
formatter, as text for a terminal or one JSON object per line for a collector."""

from __future__ import annotations

import logging
import logging.config
from typing import Any, Literal

import structlog
from structlog.typing import Processor

from tradewind.logs.redact import redact_event

LogFormat = Literal["text", "json"]


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,  # request_id of the request being served
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def make_formatter(format: LogFormat = "text") -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every handler (also named by dict_config for granian's workers)."""
    renderer: Processor
    if format == "json":
        renderer = structlog.processors.JSONRenderer()
        exceptions: Processor = structlog.processors.dict_tracebacks
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False, sort_keys=False)
        exceptions = structlog.processors.format_exc_info
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            exceptions,
            redact_event,
            renderer,
        ],
    )


def dict_config(format: LogFormat, level: str) -> dict[str, Any]:
    """A logging.config.dictConfig for granian (main process and each worker)."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "tradewind",
        "stream": "ext://sys.stdout",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "tradewind": {"()": "tradewind.logs.setup.make_formatter", "format": format}
        },
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level.upper()},
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def configure(format: LogFormat, level: str) -> None:
    """This process's logging (the CLI's `serve` before granian takes over)."""
    logging.config.dictConfig(dict_config(format, level))
