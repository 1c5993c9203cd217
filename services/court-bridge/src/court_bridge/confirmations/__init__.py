"""Judicial confirmation (司法确认) of mediation agreements: applications to the court and its rulings."""
