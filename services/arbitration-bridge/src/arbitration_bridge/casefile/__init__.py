"""The case file at intake, as this bridge sees it: registration of referred cases, the case file
and the parties' identities for hand-offs to the commission, through intake's HTTP API (never its
database)."""
