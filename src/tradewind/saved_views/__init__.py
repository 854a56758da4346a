"""Saved views: the HTTP routes of named release-list filters (rules: remoteconfig)."""
