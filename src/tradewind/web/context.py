"""Moved to `tradewind.context` (the process-wide objects are not a web concern).

Kept only so branches written before the move still import; tests/foundation/test_layering.py
fails on any module that imports it, so new code uses `tradewind.context`.
"""

from tradewind.context import AppContext

__all__ = ["AppContext"]
