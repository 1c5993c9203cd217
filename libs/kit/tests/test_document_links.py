"""Signed document links (partners fetch documents, not titles): bound to scope, document and expiry."""

import time

from onewindow_kit.bridge.documents import link_valid, sign_link


def test_a_link_works_until_it_expires_and_only_for_its_document():
    now = time.time()
    expires = int(now) + 60
    sig = sign_link("secret", scope="t1", document_id="d1", expires=expires)
    assert link_valid("secret", scope="t1", document_id="d1", expires=expires, signature=sig, now=now)
    assert not link_valid("secret", scope="t1", document_id="d1", expires=expires, signature=sig, now=expires + 1)
    assert not link_valid("secret", scope="t1", document_id="d2", expires=expires, signature=sig, now=now)
    assert not link_valid("secret", scope="t2", document_id="d1", expires=expires, signature=sig, now=now)
    assert not link_valid("secret", scope="t1", document_id="d1", expires=expires + 3600, signature=sig, now=now)
    assert not link_valid("other", scope="t1", document_id="d1", expires=expires, signature=sig, now=now)
