"""The generated documents (文书) a service stores: one shape, one way to version, store and serve
them (decision 0019). Intake (the case file's papers) and mediation (the proceeding's) keep only
their document types and the data the templates read; the row's columns, the next version, the
bytes in storage and the PDF response are here.

The kit does not render: a service renders with ``onewindow_documents`` and hands the result
(anything with ``pdf``, ``sha256``, ``template_version`` and ``title_zh``) to :func:`store_version`.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from fastapi import Response
from sqlalchemy import JSON, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from onewindow_kit.auth import Principal
from onewindow_kit.db import UtcDateTime, utcnow
from onewindow_kit.errors import NotFound
from onewindow_kit.openapi import problems
from onewindow_kit.storage import ObjectMissing, Storage, iterate, read_all


def new_id() -> str:
    return uuid.uuid4().hex


class DocumentColumns(SQLModel):
    """The columns every stored document has (a table model adds its owner's key: ``case_id`` or
    ``proceeding_id``). Never overwritten: regenerating (after a correction) adds version n+1, and
    ``data`` is exactly what the template received, so the PDF can be re-rendered and its digest
    checked."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    kind: str = Field(max_length=40)
    version: int
    title: str = Field(max_length=60)
    template_version: int
    sha256: str = Field(max_length=64)
    size: int
    storage_key: str = Field(max_length=200)
    data: dict[str, Any] = Field(sa_type=JSON, nullable=False)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


D = TypeVar("D", bound=DocumentColumns)


class RenderedLike(Protocol):
    @property
    def pdf(self) -> bytes: ...
    @property
    def sha256(self) -> str: ...
    @property
    def template_version(self) -> int: ...
    @property
    def title_zh(self) -> str: ...


def storage_key(document_id: str) -> str:
    """Where a document's PDF lives in the service's storage."""
    return f"documents/{document_id}.pdf"


async def store_version(
    *,
    session: AsyncSession,
    storage: Storage,
    model: type[D],
    owner: Mapping[str, Any],
    kind: str,
    rendered: RenderedLike,
    data: dict[str, Any],
    actor: str,
    extra: Mapping[str, Any] | None = None,
) -> D:
    """Store ``rendered`` as the next version of ``kind`` for ``owner`` (``{"case_id": …}`` or
    ``{"proceeding_id": …}``): the bytes in storage, the row with the digest and the data."""
    latest = (
        await session.execute(
            select(func.max(col(model.version))).where(
                col(model.kind) == kind, *(getattr(model, name) == value for name, value in owner.items())
            )
        )
    ).scalar()
    doc = model(
        **owner,
        **(extra or {}),
        kind=kind,
        version=(latest or 0) + 1,
        title=rendered.title_zh,
        template_version=rendered.template_version,
        sha256=rendered.sha256,
        size=len(rendered.pdf),
        storage_key="",
        data=data,
        created_by=actor[:64],
    )
    doc.storage_key = storage_key(doc.id)
    await storage.save(doc.storage_key, iterate(rendered.pdf))
    session.add(doc)
    await session.flush()
    return doc


async def list_versions(*, session: AsyncSession, model: type[D], owner: Mapping[str, Any]) -> list[D]:
    """Every version of every document of ``owner``, newest first."""
    rows = await session.execute(
        select(model)
        .where(*(getattr(model, name) == value for name, value in owner.items()))
        .order_by(col(model.created_at).desc(), col(model.version).desc())
    )
    return list(rows.scalars().all())


async def get_or_404(*, session: AsyncSession, model: type[D], document_id: str) -> D:
    doc = await session.get(model, document_id)
    if doc is None:
        raise NotFound(f"document {document_id} does not exist")
    return doc


class PartyReadable(Protocol):
    """A stored document that names its case (both services' document tables do)."""

    @property
    def kind(self) -> str: ...
    @property
    def case_id(self) -> str: ...


P = TypeVar("P", bound=PartyReadable)


async def party_document_or_404(
    *, session: AsyncSession, model: type[P], document_id: str, kinds: Collection[str], principal: Principal
) -> P:
    """A document a party may open in the portal: one of ``kinds``, of one of the principal's cases;
    404 alike for another case's, a staff-only kind and one that does not exist."""
    doc = await session.get(model, document_id)
    if doc is None or doc.kind not in kinds or doc.case_id not in principal.party_cases:
        raise NotFound("文书不存在")
    return doc


async def pdf_response(*, storage: Storage, doc: DocumentColumns) -> Response:
    """The PDF inline (a browser previews and prints it) with its digest; 404 when the file is gone."""
    try:
        pdf = await read_all(storage, doc.storage_key)
    except ObjectMissing as exc:
        raise NotFound(f"the file of document {doc.id} is missing from storage") from exc
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'inline; filename="{doc.kind}-v{doc.version}.pdf"',
            "x-content-sha256": doc.sha256,
        },
    )


# The arguments of a PDF download route's decorator (``@router.get(path, **PDF_ROUTE,
# operation_id=…)``): the response is the PDF itself, or the 404 problem of :func:`pdf_response`
# and of a document the caller may not see.
PDF_ROUTE: dict[str, Any] = {
    "response_class": Response,
    "responses": {200: {"content": {"application/pdf": {}}, "description": "the PDF"}, **problems(NotFound)},
}
