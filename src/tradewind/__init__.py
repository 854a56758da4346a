"""Tradewind: a self-hosted over-the-air update server for mobile apps."""
