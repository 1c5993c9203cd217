"""OneWindow documents (文书): the versioned Typst templates of every paper a centre issues, the
embedded CJK fonts, and rendering to PDF with a SHA-256 digest. No web, no database: the services
that own the data (intake: the case file; mediation: proceedings and agreements) render and store.
"""

from onewindow_documents.catalogue import TEMPLATES, Template, template_of
from onewindow_documents.render import Rendered, RenderError, canonical, digest, render, verify

__all__ = ["TEMPLATES", "RenderError", "Rendered", "Template", "canonical", "digest", "render", "template_of", "verify"]
