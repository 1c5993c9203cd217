"""What this bridge remembers of a case from the other services' events: its centre and number
(intake), and its latest mediation — dates, outcome, 无争议事实, agreement (mediation). Transfers
and reviews are checked and filled from it."""
