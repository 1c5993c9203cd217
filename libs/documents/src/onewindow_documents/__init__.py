"""OneWindow documents (文书): the versioned Typst templates of every paper a centre issues, the
embedded CJK fonts, and rendering to PDF with a SHA-256 digest. No web, no database: the services
that own the data (intake: the case file; mediation: proceedings and agreements) render and store.
"""

from onewindow_documents.catalogue import TEMPLATES, Template, template_of
from onewindow_documents.labels import CLAIM_ZH, claim_zh
from onewindow_documents.render import Rendered, RenderError, canonical, digest, render, render_async, verify

__all__ = [
    "CLAIM_ZH",
    "TEMPLATES",
    "RenderError",
    "Rendered",
    "Template",
    "canonical",
    "claim_zh",
    "digest",
    "render",
    "render_async",
    "template_of",
    "verify",
]
