"""Dimensions: the named request attributes that release targets are written against."""
