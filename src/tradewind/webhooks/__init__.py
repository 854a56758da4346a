"""Webhooks: signed HTTP notifications of release and package events (docs/webhooks.md)."""
