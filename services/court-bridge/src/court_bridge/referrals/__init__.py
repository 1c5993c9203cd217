"""Referrals from courts (委派调解 before filing, 委托调解 after): the court partner API v1."""
