"""The partner registry shared by the bridges: courts and arbitration commissions that call the
centre with client credentials and receive its signed webhooks.

- ``models``: ``Partner`` (its ``partner_id`` is the claim of its gateway client, its webhook URL,
  the centre its referrals go to, active or not) and ``PartnerSecret`` (``whsec_`` secrets, encrypted
  at rest; two are valid during a rotation).
- ``service``: create, update, rotate, enable/disable; ``valid_secrets`` for signing.
- ``router``: ``partner_admin_router(kind=…)``, the admin endpoints of one bridge.
- ``dependencies``: the partner API conventions (the calling partner, ``Idempotency-Key``, body bound).
- ``seed``: registering partners from a file, idempotently.
"""

from onewindow_kit.partners.models import Partner, PartnerSecret

__all__ = ["Partner", "PartnerSecret"]
