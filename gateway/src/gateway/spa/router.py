"""The clerks' single-page app: static files from ``spa_dir`` with ``index.html`` for client-side
routes (``portal/index.html`` under ``/portal/``, the parties' page); a short page saying so when
the app has not been built."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from onewindow_kit.errors import NotFound

from gateway.config import SettingsDep

router = APIRouter(include_in_schema=False)

# Paths that belong to APIs: never answered with the SPA's index.html.
_API_PREFIXES = ("api", "partner", "auth", "admin", ".well-known")

NOT_BUILT = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>一站式劳动纠纷调处平台</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; line-height: 1.6">
<h1>一站式劳动纠纷调处平台</h1>
<p>网关已运行，但前端页面尚未构建（未找到 <code>{spa_dir}</code>）。</p>
<p>请先构建前端，或查看：</p>
<ul>
<li><a href="/health">/health</a> —— 各服务运行状态</li>
<li><a href="/docs">/docs</a> —— 网关接口文档</li>
<li><a href="/api/openapi">/api/openapi</a> —— 各服务接口文档索引</li>
</ul>
</body>
</html>
"""


def _file_in(root: Path, relative: str) -> Path | None:
    candidate = (root / relative).resolve()
    if candidate.is_relative_to(root) and candidate.is_file():
        return candidate
    return None


# The build writes ``name.br`` and ``name.gz`` beside each compressible file (web/vite.config.ts);
# the gateway picks the best one the browser accepts instead of compressing on every request.
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def _accepted(header: str) -> set[str]:
    accepted = set()
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if params.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue
        accepted.add(coding.strip().lower())
    return accepted


def _send(found: Path, request: Request, cache: str) -> FileResponse:
    """The file, or its precompressed twin when the browser accepts that encoding."""
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    accepted = _accepted(request.headers.get("accept-encoding", ""))
    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type == "application/javascript":
        media_type += "; charset=utf-8"
    for coding, suffix in _ENCODINGS:
        twin = found.with_name(found.name + suffix)
        if coding in accepted and twin.is_file():
            return FileResponse(twin, media_type=media_type, headers={**headers, "Content-Encoding": coding})
    return FileResponse(found, media_type=media_type, headers=headers)


@router.api_route("/{path:path}", methods=["GET", "HEAD"], operation_id="get_spa")
async def get_spa(path: str, request: Request, settings: SettingsDep) -> Response:
    """A file of the SPA, or its index.html for a client-side route."""
    first = path.split("/", 1)[0]
    if first in _API_PREFIXES:
        raise NotFound()
    # A stat of a local file: cheaper than a thread hop.
    root = Path(settings.spa_dir).resolve()  # noqa: ASYNC240
    index = root / "index.html"
    if first == "portal":
        # The parties' portal: its own page (web/portal/index.html), sharing the hashed assets.
        index = root / "portal" / "index.html"
    if not index.is_file():
        if path in ("", "index.html"):
            return HTMLResponse(NOT_BUILT.format(spa_dir=settings.spa_dir))
        raise NotFound()
    if path:
        found = _file_in(root, path)
        if found is not None:
            # Built assets carry a content hash in their name: cache them for good.
            immutable = path.startswith("assets/")
            cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
            return _send(found, request, cache)
        if "." in path.rsplit("/", 1)[-1]:
            raise NotFound()  # a missing file, not a client-side route
    return _send(index, request, "no-cache")
