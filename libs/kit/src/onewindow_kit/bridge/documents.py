"""Document references a bridge sends a partner: ``{kind, title, sha256, url?}`` (decision 0018).

Until the centre generates the signed PDF of a document, the digest is that of the document's
content in canonical JSON (keys sorted, no insignificant whitespace, UTF-8): the partner can check
that what it received is what the centre holds, and a generated document later fills the same
shape with the PDF's own digest and its ``url``.

Partners get documents, not titles: the bridge reads the generated documents (文书) of a
proceeding from mediation with its service token, lists each with its SHA-256 in the bundle it sends,
and gives the partner a signed, expiring link to fetch the PDF through the gateway with its own token.

The link's signature is an HMAC over (scope, document id, expiry) with a key derived from the
bridge's lookup key (a secret every service already has), so links need no table and no extra
secret to configure; a link names one document in one bundle and stops working when it expires.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import Query, Response

from onewindow_kit.bridge.casefile import IntakeError
from onewindow_kit.errors import Forbidden, NotFound, UpstreamUnavailable
from onewindow_kit.http import ServiceTokenProvider
from onewindow_kit.openapi import problems


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that both sides can re-compute."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def sha256_of(value: Any) -> str:
    """Hex SHA-256 of ``value``: bytes as they are, anything else in canonical JSON."""
    data = value if isinstance(value, bytes) else canonical_json(value)
    return hashlib.sha256(data).hexdigest()


def document_ref(*, kind: str, title: str, content: Any, url: str | None = None) -> dict[str, Any]:
    """A document reference: its kind, its Chinese title, the digest of its content, where to fetch it."""
    ref: dict[str, Any] = {"kind": kind, "title": title, "sha256": sha256_of(content)}
    if url:
        ref["url"] = url
    return ref


LINK_CONTEXT = b"onewindow document link v1"


def _link_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), LINK_CONTEXT, hashlib.sha256).digest()


def sign_link(secret: str, *, scope: str, document_id: str, expires: int) -> str:
    """The signature of a link to ``document_id`` within ``scope`` (e.g. a transfer id) until ``expires``."""
    message = f"{scope}|{document_id}|{expires}".encode()
    return hmac.new(_link_key(secret), message, hashlib.sha256).hexdigest()


def link_valid(
    secret: str, *, scope: str, document_id: str, expires: int, signature: str, now: float | None = None
) -> bool:
    """Is the signature right and the link not expired?"""
    if expires < (time.time() if now is None else now):
        return False
    expected = sign_link(secret, scope=scope, document_id=document_id, expires=expires)
    return hmac.compare_digest(expected, signature)


def link_fields(
    generated: dict[str, Any], *, scope: str, path: str, secret: str, public_url: str, expires: int
) -> dict[str, Any]:
    """What a bundle lists for one of mediation's generated documents: its id, version, the PDF's
    SHA-256 and size, and a link to ``path`` (the bridge's partner route) signed for ``scope``."""
    signature = sign_link(secret, scope=scope, document_id=generated["id"], expires=expires)
    return {
        "document_id": generated["id"],
        "version": generated["version"],
        "template_version": generated["template_version"],
        "sha256": generated["sha256"],
        "size": generated["size"],
        "media_type": "application/pdf",
        "url": f"{public_url.rstrip('/')}{path}?expires={expires}&signature={signature}",
        "url_expires_at": datetime.fromtimestamp(expires, UTC).isoformat(),
    }


class DocumentsClient:
    """Mediation's documents API, called with the bridge's service token. Errors are ``IntakeError``
    (the worker's retry classification is the same for every upstream)."""

    def __init__(
        self, *, http: httpx.AsyncClient, base_url: str | None, tokens: ServiceTokenProvider, timeout: float = 10.0
    ) -> None:
        self.http = http
        self.base_url = (base_url or "").rstrip("/")
        self.tokens = tokens
        self.timeout = timeout

    @property
    def configured(self) -> bool:
        """Is mediation's URL known (a bridge run without mediation sends titles only)?"""
        return bool(self.base_url)

    async def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        if not self.base_url:
            raise IntakeError("no URL configured for mediation (PEERS)", retry=True)
        headers = {"authorization": f"Bearer {await self.tokens.token()}"}
        try:
            response = await self.http.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kw
            )
        except httpx.HTTPError as exc:
            raise IntakeError(f"mediation did not answer: {type(exc).__name__}", retry=True) from exc
        if response.status_code == 401:
            self.tokens.invalidate()
        if response.status_code >= 400:
            raise IntakeError(
                f"mediation answered {response.status_code}: {response.text[:300]}",
                retry=response.status_code >= 500 or response.status_code in (401, 403, 409, 429),
                status=response.status_code,
            )
        return response

    async def latest(self, *, proceeding_id: str, ensure: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The newest version of each document of the proceeding, rendering first the ``ensure`` kinds
        that were never generated (mediation decides whether the proceeding allows them: a 409 skips)."""
        rows = (await self._request("GET", f"/proceedings/{proceeding_id}/documents")).json()
        have = {r["kind"] for r in rows}
        for kind in ensure:
            if kind in have:
                continue
            try:
                rows.append(
                    (await self._request("POST", f"/proceedings/{proceeding_id}/documents", json={"kind": kind})).json()
                )
            except IntakeError as exc:
                if exc.status not in (409, 422):
                    raise
        newest: dict[str, dict[str, Any]] = {}
        for r in rows:
            if r["kind"] not in newest or r["version"] > newest[r["kind"]]["version"]:
                newest[r["kind"]] = r
        return list(newest.values())

    async def content(self, *, document_id: str) -> bytes:
        """The PDF's bytes as mediation stores them."""
        return (await self._request("GET", f"/documents/{document_id}/content")).content


async def handed_over(
    documents: DocumentsClient | None, *, proceeding_id: str | None, ensure: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Documents, not titles: the proceeding's newest documents to send with a request, the
    ``ensure`` kinds rendered first if nobody printed them yet. None without mediation configured or
    a proceeding; none either when mediation cannot tell (e.g. no such proceeding: the titles and
    canonical-JSON entries still go). A retryable error is raised, so the worker tries again."""
    if documents is None or not documents.configured or not proceeding_id:
        return []
    try:
        return await documents.latest(proceeding_id=proceeding_id, ensure=ensure)
    except IntakeError as exc:
        if exc.retry:
            raise
        return []


# A signed-link download route's query parameters and OpenAPI answers (``linked_document_response``).
LinkExpires = Annotated[int, Query(ge=0, le=2**40)]
LinkSignature = Annotated[str, Query(min_length=64, max_length=64)]
LINKED_DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the PDF; its SHA-256 is the bundle's"},
    **problems(
        NotFound,
        Forbidden,
        UpstreamUnavailable,
        descriptions={403: "The link's signature is wrong or it expired", 503: "Mediation did not answer"},
    ),
}


async def linked_document_response(
    documents: DocumentsClient | None,
    *,
    secret: str,
    scope: str,
    listed: dict[str, Any],
    document_id: str,
    expires: int,
    signature: str,
) -> Response:
    """A partner's fetch of a document its bundle lists (``listed``), by the signed link of
    :func:`link_fields`: 403 for a wrong signature or an expired link, 503 while mediation does not
    answer, else the PDF as mediation stores it (the partner checks its SHA-256)."""
    if not link_valid(secret, scope=scope, document_id=document_id, expires=expires, signature=signature):
        raise Forbidden("the document link is not valid (wrong signature or expired)")
    if documents is None:
        raise UpstreamUnavailable("mediation is not configured")
    try:
        pdf = await documents.content(document_id=document_id)
    except IntakeError as exc:
        raise UpstreamUnavailable("the mediation service did not answer; try again shortly") from exc
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{listed["kind"]}-v{listed.get("version", 1)}.pdf"'},
    )
