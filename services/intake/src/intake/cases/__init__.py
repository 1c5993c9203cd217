"""Cases (案件): registration, triage, lifecycle, timeline, search, statistics."""
