"""The problems the 支付令 flow raises (each with its own problem type)."""

from __future__ import annotations

from onewindow_kit.errors import Conflict


class PaymentOrderNotAvailable(Conflict):
    """The agreement does not (yet) allow a 支付令 (LDMAL 16; CPL 225): the reasons say why."""

    title, slug = "A payment order cannot be applied for", "payment-order-not-available"
