"""`tradewind doctor`: what is wrong with this deployment (docs/operations.md#doctor)."""
