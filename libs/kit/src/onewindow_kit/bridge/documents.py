"""Document references a bridge sends a partner: ``{kind, title, sha256, url?}`` (decision 0018).

Until the centre generates the signed PDF of a document, the digest is that of the document's
content in canonical JSON (keys sorted, no insignificant whitespace, UTF-8): the partner can check
that what it received is what the centre holds, and a generated document later fills the same
shape with the PDF's own digest and its ``url``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


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
