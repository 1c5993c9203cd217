"""The document types (文书种类): each a Typst template under ``templates/`` with a version.

Bump a template's version whenever its wording or layout changes: a stored document names the
version it was rendered with, so it can be re-rendered byte for byte from its data and checked
against its digest (an old version's template stays in git history; ``verify`` needs the current
one to match).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    kind: str
    file: str
    version: int
    title_zh: str


TEMPLATES: dict[str, Template] = {
    t.kind: t
    for t in (
        Template("receipt", "receipt.typ", 1, "受理回执"),
        Template("application", "application.typ", 1, "劳动争议调解申请书"),
        Template("session_notice", "session_notice.typ", 1, "调解通知书"),
        Template("agreement", "agreement.typ", 1, "调解协议书"),
        Template("termination", "termination.typ", 1, "调解终结书"),
        Template("undisputed_facts", "undisputed_facts.typ", 1, "无争议事实确认书"),
        Template("judicial_confirmation_application", "confirmation_application.typ", 1, "司法确认申请书"),
        Template("arbitration_review_application", "confirmation_application.typ", 1, "仲裁审查确认申请书"),
        Template("service_receipt", "service_receipt.typ", 1, "送达回证"),
        Template("transfer_cover", "transfer_cover.typ", 1, "移送材料清单"),
    )
}


def template_of(kind: str) -> Template:
    """The template of a document type (``KeyError`` for an unknown one)."""
    return TEMPLATES[kind]
