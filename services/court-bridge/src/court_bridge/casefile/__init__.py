"""The case file at intake, as this bridge sees it: registration of referred cases and the
parties' identities for partner hand-offs, through intake's HTTP API (never its database)."""
