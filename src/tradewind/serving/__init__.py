"""The device update-check path: compiled per-application snapshots served by raw ASGI."""
