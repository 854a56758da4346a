"""Targeting: conditions on request dimensions, rollout buckets and release resolution.

`conditions`, `bucket` and `resolution` are pure (no I/O, no database, no web framework): the
device hot path calls `Resolver.resolve` on every update check.
"""
