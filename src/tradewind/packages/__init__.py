"""Packages: immutable, versioned sets of an application's files."""
