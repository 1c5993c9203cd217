"""Centres as mediation knows them: a read model fed by intake's ``intake.center.*`` events."""
