"""One agreement's enforceability as staff see it: the 司法确认 window, performance, 支付令, and the
courts that may hear an application (the registry's jurisdiction)."""
