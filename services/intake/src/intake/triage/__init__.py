"""Triage at the window (DOMAIN.md §4): a pure, configurable rule module."""
