"""Blueprints: each view parses input, calls a service, and renders."""
