"""Command Center: incident command dashboard for a public scoring service."""

__version__ = "0.1.0"
