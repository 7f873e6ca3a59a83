"""Harmonize Evidence: capture and keep evidence of online abuse for UK schools."""

__version__ = "0.1.0"
TOOL_NAME = "Harmonize Evidence"
