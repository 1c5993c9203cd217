"""The machinery both partner bridges (court-bridge, arbitration-bridge) share (decision 0013):

- ``casefile``: the typed client towards intake (register a case once per key, read the case file
  and, for a stated purpose, the parties' identities) and the contract's party shapes built from them;
- ``documents``: document references ``{kind, title, sha256, url?}`` with a canonical-JSON digest;
- ``messages``: webhooks to the partner (``notify``) and events to the other services (``announce``),
  always in the caller's transaction, free text scrubbed of ID- and phone-shaped strings;
- ``referrals``: the referral lifecycle (received → accepted | declined → in_mediation → agreed |
  failed | expired; withdrawn), its acceptance clock, idempotent creation, the partner's and the
  clerks' views, mediation's events turned into webhooks;
- ``worker``: the background loop skeleton (steps, wake-up after commit, back-off);
- ``settings``: the settings every bridge has;
- ``seed``: ``python -m <bridge> seed --partners FILE`` on the kit's partner registry.

A bridge keeps only what differs: its contract's schemas, its partner's vocabulary and its own flows.
"""
