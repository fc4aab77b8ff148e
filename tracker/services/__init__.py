"""Domain rules as plain functions. Services add and flush; the caller commits."""
