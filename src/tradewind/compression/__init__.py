"""Compressed variants of blobs (brotli, gzip), made in the background and served on demand."""
