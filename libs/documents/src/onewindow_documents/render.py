"""Rendering a document: template + data → PDF bytes, their SHA-256 and the template version.

Rendering is deterministic: the PDF's timestamp comes from the data's ``issued_on``, fonts come only
from the embedded set (system fonts are ignored), so the same data and template version give the
same bytes on any machine — which is what lets a stored document be reproduced and verified.
The compiler is CPU-bound Rust code: async callers run ``render`` in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pylopdf_fonts_zh_cn
import typst

from onewindow_documents.catalogue import template_of

TEMPLATES_DIR = Path(__file__).parent / "templates"

_fonts: typst.Fonts | None = None
_fonts_lock = threading.Lock()


class RenderError(Exception):
    """The template could not be rendered with this data (a bug in the template or the data's shape)."""


@dataclass(frozen=True)
class Rendered:
    kind: str
    template_version: int
    title_zh: str
    pdf: bytes
    sha256: str


def fonts() -> typst.Fonts:
    """The embedded fonts (Noto Serif SC, Noto Sans SC, Typst's own), loaded once per process."""
    global _fonts
    with _fonts_lock:
        if _fonts is None:
            folder = str(Path(pylopdf_fonts_zh_cn.serif_path()).parent)
            _fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[folder])
        return _fonts


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} into a document")


def canonical(data: dict[str, Any]) -> str:
    """The data as the template receives it (and as it is stored beside the document)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_plain)


def digest(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


def render(kind: str, data: dict[str, Any]) -> Rendered:
    """Render one document; ``data`` holds plain JSON values (Decimals and dates are converted)."""
    template = template_of(kind)
    issued = str(data.get("issued_on") or "2000-01-01")
    try:
        stamp = int(datetime.fromisoformat(issued[:10]).replace(tzinfo=UTC).timestamp())
    except ValueError as exc:
        raise RenderError(f"issued_on is not a date: {issued!r}") from exc
    payload = canonical({**data, "kind": kind})
    try:
        pdf = typst.compile(
            str(TEMPLATES_DIR / template.file),
            root=str(TEMPLATES_DIR),
            font_paths=fonts(),
            sys_inputs={"data": payload},
            timestamp=stamp,
        )
    except typst.TypstError as exc:
        raise RenderError(f"{template.file}: {exc}") from exc
    assert isinstance(pdf, bytes)
    return Rendered(
        kind=kind, template_version=template.version, title_zh=template.title_zh, pdf=pdf, sha256=digest(pdf)
    )


async def render_async(kind: str, data: dict[str, Any]) -> Rendered:
    """:func:`render` in a worker thread: the compiler is CPU-bound and must not hold the event loop."""
    return await asyncio.to_thread(render, kind, data)


def verify(kind: str, data: dict[str, Any], sha256: str) -> bool:
    """Does rendering ``data`` again give the stored digest?"""
    return render(kind, data).sha256 == sha256
