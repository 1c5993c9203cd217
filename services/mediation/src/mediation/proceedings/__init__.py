"""Proceedings: the mediation of one case, its clock, states, outcomes and access rules."""
