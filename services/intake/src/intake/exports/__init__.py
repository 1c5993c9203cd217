"""Spreadsheets (.xlsx) of the case desk, the statistics and the deadline list."""
