"""The case file at intake, as this bridge sees it (the client is the kit's,
``onewindow_kit.bridge.casefile``): a case's centre when intake's events have not told us yet."""
