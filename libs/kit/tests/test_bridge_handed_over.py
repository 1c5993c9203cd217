"""The documents a bridge hands over with a request (``onewindow_kit.bridge.documents.handed_over``):
what mediation has, nothing when it cannot tell, and a retry when it is down."""

from typing import Any

import pytest
from onewindow_kit.bridge.casefile import IntakeError
from onewindow_kit.bridge.documents import DocumentsClient, handed_over

pytestmark = pytest.mark.anyio

DOC = {"id": "d1", "kind": "agreement", "version": 1}


class Mediation(DocumentsClient):
    def __init__(self, *, base_url: str | None = "http://mediation.test", fails: IntakeError | None = None) -> None:
        super().__init__(http=None, base_url=base_url, tokens=None)  # type: ignore[arg-type]  # never called: latest is faked
        self.fails = fails
        self.asked: list[tuple[str, tuple[str, ...]]] = []

    async def latest(self, *, proceeding_id: str, ensure: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        self.asked.append((proceeding_id, ensure))
        if self.fails is not None:
            raise self.fails
        return [DOC]


async def test_the_proceedings_documents_with_the_kinds_to_render():
    mediation = Mediation()
    assert await handed_over(mediation, proceeding_id="p1", ensure=("agreement",)) == [DOC]
    assert mediation.asked == [("p1", ("agreement",))]


async def test_nothing_without_mediation_or_a_proceeding_and_mediation_is_not_asked():
    unconfigured = Mediation(base_url=None)
    assert await handed_over(None, proceeding_id="p1", ensure=()) == []
    assert await handed_over(unconfigured, proceeding_id="p1", ensure=()) == []
    assert await handed_over(Mediation(), proceeding_id=None, ensure=()) == []
    assert unconfigured.asked == []


async def test_nothing_when_mediation_cannot_tell_and_a_retry_when_it_is_down():
    unknown = Mediation(fails=IntakeError("mediation answered 404", retry=False, status=404))
    assert await handed_over(unknown, proceeding_id="p1", ensure=()) == []
    down = Mediation(fails=IntakeError("mediation did not answer", retry=True))
    with pytest.raises(IntakeError):
        await handed_over(down, proceeding_id="p1", ensure=())
