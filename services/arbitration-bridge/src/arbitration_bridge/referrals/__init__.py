"""Referrals from arbitration commissions (暂缓立案、先行调解): the partner API and the clerks' desk."""
