"""statistics: timeline events counted per case as they are written; hand-offs by centre (issue 17)

On PostgreSQL ``case_event_count`` holds, for each case and each timeline kind the dashboard
counts, the number of entries, with the case's centre and registration time copied from
``case_file`` (both never change). Triggers on ``timeline_entry`` keep it: an insert of a counted
kind upserts its row (``ON CONFLICT … entries + 1``, correct under concurrency), a delete or an
update of ``case_id``/``kind`` takes the old row's count back. The WHEN clauses keep every other
kind (``case.registered``, ``alert.raised`` … everything registration writes) off the trigger.
The dashboard then reads a centre-year from ``ix_case_event_count_window`` alone instead of
probing the timeline once per case. SQLite has neither table nor triggers and keeps the join.

The kinds are frozen here; ``intake.cases.service.statistics.COUNTED_KINDS`` must list the same
ones (a kind outside them is counted with the join, on both databases).

``ix_handoff_center_case`` lets the hand-off figures read the centre's hand-offs from the index
(a hand-off's centre is its case's, decision 0030) instead of a sequential scan of the table.

Revision ID: 0012_s7_stats_event_counts
Revises: 0011_s4h19_app_attachments
Create Date: 2026-12-03 06:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_s7_stats_event_counts"
down_revision: str | None = "0011_s4h19_app_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED_KINDS = (
    "mediation.proceeding.agreed",
    "mediation.proceeding.terminated",
    "mediation.proceeding.expired",
    "mediation.proceeding.declined",
    "arbitration.transfer.requested",
    "arbitration.transfer.accepted",
    "arbitration.transfer.rejected",
    "arbitration.review.decided",
    "court.confirmation.ruled",
)
KINDS_SQL = "(" + ", ".join(f"'{k}'" for k in COUNTED_KINDS) + ")"
HANDOFF_INCLUDE = ["desk", "status", "outcome", "received_on", "decided_on"]

FUNCTIONS = f"""
CREATE FUNCTION case_event_count_take(p_case_id text, p_kind text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- The UPDATE holds the row's lock to commit, so the DELETE sees the count it left.
    UPDATE case_event_count SET entries = entries - 1 WHERE case_id = p_case_id AND kind = p_kind;
    DELETE FROM case_event_count WHERE case_id = p_case_id AND kind = p_kind AND entries <= 0;
END $$;

CREATE FUNCTION case_event_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_event_count (case_id, kind, center_id, registered_at, entries)
    SELECT NEW.case_id, NEW.kind, c.center_id, c.registered_at, 1 FROM case_file c WHERE c.id = NEW.case_id
    ON CONFLICT (case_id, kind) DO UPDATE SET entries = case_event_count.entries + 1;
    RETURN NULL;
END $$;

CREATE FUNCTION case_event_count_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM case_event_count_take(OLD.case_id, OLD.kind);
    RETURN NULL;
END $$;

CREATE FUNCTION case_event_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.kind IN {KINDS_SQL} THEN
        PERFORM case_event_count_take(OLD.case_id, OLD.kind);
    END IF;
    IF NEW.kind IN {KINDS_SQL} THEN
        INSERT INTO case_event_count (case_id, kind, center_id, registered_at, entries)
        SELECT NEW.case_id, NEW.kind, c.center_id, c.registered_at, 1 FROM case_file c WHERE c.id = NEW.case_id
        ON CONFLICT (case_id, kind) DO UPDATE SET entries = case_event_count.entries + 1;
    END IF;
    RETURN NULL;
END $$;

"""

TRIGGERS = f"""
CREATE TRIGGER timeline_entry_count_insert AFTER INSERT ON timeline_entry
    FOR EACH ROW WHEN (NEW.kind IN {KINDS_SQL}) EXECUTE FUNCTION case_event_count_add();
CREATE TRIGGER timeline_entry_count_delete AFTER DELETE ON timeline_entry
    FOR EACH ROW WHEN (OLD.kind IN {KINDS_SQL}) EXECUTE FUNCTION case_event_count_remove();
CREATE TRIGGER timeline_entry_count_update AFTER UPDATE OF case_id, kind ON timeline_entry
    FOR EACH ROW WHEN ((OLD.kind IN {KINDS_SQL} OR NEW.kind IN {KINDS_SQL})
                       AND (OLD.case_id, OLD.kind) IS DISTINCT FROM (NEW.case_id, NEW.kind))
    EXECUTE FUNCTION case_event_count_move();
"""


def _statements(script: str, separator: str) -> list[str]:
    return [part.strip() for part in script.split(separator) if part.strip()]


def upgrade() -> None:
    op.create_index("ix_handoff_center_case", "handoff", ["center_id", "case_id"], postgresql_include=HANDOFF_INCLUDE)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE TABLE case_event_count (
            case_id varchar(32) NOT NULL,
            kind varchar(80) NOT NULL,
            center_id varchar(40) NOT NULL,
            registered_at timestamptz NOT NULL,
            entries integer NOT NULL,
            CONSTRAINT pk_case_event_count PRIMARY KEY (case_id, kind)
        )
        """
    )
    for statement in _statements(FUNCTIONS, "\n\n"):  # one per call: asyncpg prepares each
        op.execute(statement)
    # The triggers first, then the backfill, in this one transaction: CREATE TRIGGER locks
    # timeline_entry against writes until commit, so no entry is missed or counted twice.
    for statement in _statements(TRIGGERS, ";\n"):
        op.execute(statement)
    op.execute(
        f"""
        INSERT INTO case_event_count (case_id, kind, center_id, registered_at, entries)
        SELECT t.case_id, t.kind, c.center_id, c.registered_at, count(*)
        FROM timeline_entry t JOIN case_file c ON c.id = t.case_id
        WHERE t.kind IN {KINDS_SQL}
        GROUP BY t.case_id, t.kind, c.center_id, c.registered_at
        """
    )
    op.execute(
        "CREATE INDEX ix_case_event_count_window ON case_event_count (center_id, registered_at) INCLUDE (kind, entries)"
    )
    op.execute("ANALYZE case_event_count")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER timeline_entry_count_update ON timeline_entry")
        op.execute("DROP TRIGGER timeline_entry_count_delete ON timeline_entry")
        op.execute("DROP TRIGGER timeline_entry_count_insert ON timeline_entry")
        op.execute("DROP FUNCTION case_event_count_move()")
        op.execute("DROP FUNCTION case_event_count_take(text, text)")
        op.execute("DROP FUNCTION case_event_count_remove()")
        op.execute("DROP FUNCTION case_event_count_add()")
        op.execute("DROP TABLE case_event_count")
    op.drop_index("ix_handoff_center_case", table_name="handoff")
