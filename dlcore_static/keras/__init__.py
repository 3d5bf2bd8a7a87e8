"""Keras on the static engine."""
