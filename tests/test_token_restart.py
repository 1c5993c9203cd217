"""Issue 15 #5: a service restarted while the gateway is away answers a good token with 503 and
``Retry-After`` (it cannot fetch the key), never 401; the first request after the gateway is back
verifies — no waiting out a refresh interval."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.crossservice


def test_a_good_token_survives_a_service_restart_while_the_gateway_is_down(stack, gateway):
    token = gateway.password_token("clerk")
    headers = {"Authorization": f"Bearer {token}"}
    intake = stack.config.url("intake")
    # A fresh intake process: no keys cached yet.
    stack.stop("intake")
    stack.start("intake")
    stack.wait_ready("intake")
    stack.stop("gateway")
    try:
        with httpx.Client(base_url=intake, timeout=15.0) as http:
            for _ in range(3):
                refused = http.get("/centers/futian", headers=headers)
                assert refused.status_code == 503, refused.text
                assert refused.headers["retry-after"] == "1"
                assert refused.headers["content-type"].startswith("application/problem+json")
            stack.start("gateway")
            stack.wait_ready("gateway")
            answered = http.get("/centers/futian", headers=headers)
            assert answered.status_code == 200, answered.text
            # A key the gateway does not know is still refused as such.
            forged = token.split(".")
            assert (
                http.get("/centers/futian", headers={"Authorization": "Bearer x." + forged[1] + ".y"}).status_code
                == 401
            )
    finally:
        if "gateway" not in stack.procs:
            stack.start("gateway")
            stack.wait_ready("gateway")
