"""Rendering helpers shared by results and widgets (HTML is always escaped)."""
