"""CDN purge after every change of what devices are served (docs/operations.md#cdn-purge)."""
