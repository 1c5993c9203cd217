"""Fill ``case_party.phone_hash`` for parties registered before the portal (migration
``0008_i19_portal`` added the column but has no key to compute it): decrypt the stored number, hash
it with the lookup key. Idempotent: only rows without a hash are touched, so running it again (or
on a replica at the same time) changes nothing more; landlines keep none (nobody signs in with one).

``python -m intake backfill-phone-hashes`` runs it; numbers never reach a log, only counts do."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from onewindow_kit.crypto import FieldCipher
from onewindow_kit.db import Database
from sqlalchemy import select, update
from sqlmodel import col

from intake.cases.models import CaseParty
from intake.cases.service.registration import phone_ref

log = logging.getLogger("intake.portal.backfill")


@dataclass(frozen=True, slots=True)
class BackfillResult:
    scanned: int  # parties with a phone and no hash
    filled: int  # now hashed
    skipped: int  # not a mobile number (landline): stays without a hash


async def backfill_phone_hashes(*, db: Database, cipher: FieldCipher, batch: int = 500) -> BackfillResult:
    """Hash every stored phone that has no hash yet, ``batch`` parties per transaction."""
    scanned = filled = skipped = 0
    after = ""
    while True:
        async with db.transaction() as session:
            rows = (
                await session.execute(
                    select(col(CaseParty.id), col(CaseParty.phone_enc))
                    .where(
                        col(CaseParty.phone_hash).is_(None),
                        col(CaseParty.phone_enc).is_not(None),
                        col(CaseParty.id) > after,
                    )
                    .order_by(col(CaseParty.id))
                    .limit(batch)
                )
            ).all()
            for party_id, phone_enc in rows:
                ref = phone_ref(cipher, cipher.decrypt(phone_enc, context="phone")) if phone_enc else None
                if ref is None:
                    skipped += 1
                    continue
                # Only if still empty: a registration or another run may have filled it meanwhile.
                await session.execute(
                    update(CaseParty)
                    .where(col(CaseParty.id) == party_id, col(CaseParty.phone_hash).is_(None))
                    .values(phone_hash=ref)
                )
                filled += 1
        scanned += len(rows)
        if len(rows) < batch:
            break
        after = rows[-1][0]
    log.info("phone hashes backfilled", extra={"scanned": scanned, "filled": filled, "skipped": skipped})
    return BackfillResult(scanned=scanned, filled=filled, skipped=skipped)
