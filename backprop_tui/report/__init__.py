"""Renderings of a checked trace: text, markdown and JSON (no textual)."""
