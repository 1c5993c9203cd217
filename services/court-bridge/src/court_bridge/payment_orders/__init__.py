"""支付令 (payment order) applications on agreements the employer did not perform (LDMAL 16; CPL 225–227)."""
