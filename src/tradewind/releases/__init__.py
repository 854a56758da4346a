"""Releases: what each audience of an application is served, and their lifecycle."""
