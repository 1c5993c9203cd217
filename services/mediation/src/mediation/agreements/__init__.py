"""Agreements (调解协议) and their performance: instalments, overdue and fulfilled events."""
