"""Mediation sessions (调解会): in person or online, no double booking, minutes."""
