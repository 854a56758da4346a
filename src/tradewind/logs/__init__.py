"""Log output: text or JSON lines (structlog), request ids, redaction (docs/operations.md)."""
