"""Adoption and health of releases, read from the device signal roll-ups."""
