"""OAuth 2.0 errors (RFC 6749 §5.2): the token endpoint answers in this form, not problem+json."""

from __future__ import annotations

from fastapi.responses import JSONResponse


class OAuthError(Exception):
    status = 400

    def __init__(
        self, error: str, description: str, *, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache", **self.headers}
        return JSONResponse(
            {"error": self.error, "error_description": self.description}, status_code=self.status, headers=headers
        )


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def invalid_client(description: str) -> OAuthError:
    # Always 401 with a challenge (RFC 6749 §5.2 requires it when the client used HTTP Basic).
    return OAuthError(
        "invalid_client", description, status=401, headers={"WWW-Authenticate": 'Basic realm="onewindow"'}
    )


def slow_down(description: str, retry_after: int) -> OAuthError:
    return OAuthError("slow_down", description, status=429, headers={"Retry-After": str(max(1, retry_after))})
