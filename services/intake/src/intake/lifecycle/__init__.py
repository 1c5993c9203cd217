"""The case lifecycle: one transition table for every route and every event (docs/decisions/0008)."""
