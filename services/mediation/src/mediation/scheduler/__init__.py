"""The background loop: expiry, overdue instalments, session reminders, parked retries."""
