"""Transfers to arbitration (调解不成转仲裁): a window mediation ended without agreement and the
worker chose arbitration; the commission decides within 5 days (劳动争议调解仲裁法 第29条)."""
