"""Serving blobs to devices in local-storage mode (a raw ASGI route, no framework)."""
