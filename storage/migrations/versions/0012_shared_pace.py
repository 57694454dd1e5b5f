"""The sends of every process per pacing key, and the platforms' holds: pacing shared on PostgreSQL.

On PostgreSQL the tables are UNLOGGED (the pace of the last minutes is not worth a WAL write per send;
after a crash they start empty) and ``vpmo_pace_send`` admits a send in one call: it locks the send's
keys, checks every window against the sends of all processes by the database's clock, and records
the send, or answers how many seconds until one more is allowed. SQLite serves one process, whose
pace in memory is enough: there the tables stay empty.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

# A send counts until its answer came back; one never answered (its process died) counts as answered
# this long after it began, longer than any platform call is waited for.
# The answers of sends, given so many seconds after they came (by the sender's clock, which measures
# the seconds as well as the database's does).
PACE_ANSWERED = """
CREATE FUNCTION vpmo_pace_answered(p_sends bigint[], p_ago double precision[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE pace_send AS s
    SET answered_at = greatest(s.started_at, clock_timestamp() - make_interval(secs => greatest(a.ago, 0)))
    FROM unnest(p_sends, p_ago) AS a(send, ago)
    WHERE s.send = a.send AND s.answered_at IS NULL
$$
"""
PACE_SEND = """
CREATE FUNCTION vpmo_pace_send(
    p_send bigint,
    p_keys text[],
    p_limit_keys integer[],
    p_counts integer[],
    p_windows double precision[],
    p_answered bigint[],
    p_answered_ago double precision[]
) RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    v_key text;
    v_now timestamptz;
    v_allowed timestamptz;
    v_edge timestamptz;
    v_longest double precision;
    v_index integer;
BEGIN
    IF cardinality(p_answered) > 0 THEN
        PERFORM vpmo_pace_answered(p_answered, p_answered_ago);
    END IF;
    -- Every process locks a send's keys in the same order: no deadlock.
    FOREACH v_key IN ARRAY ARRAY(SELECT DISTINCT k FROM unnest(p_keys) AS k ORDER BY k) LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('vpmo_pace:' || v_key, 0));
    END LOOP;
    -- Read after the locks: each statement sees what the processes before this one committed.
    v_now := clock_timestamp();
    SELECT greatest(v_now, max(until)) INTO v_allowed FROM pace_hold WHERE key = ANY (p_keys);
    FOR v_index IN 1 .. cardinality(p_counts) LOOP
        SELECT ended INTO v_edge FROM (
            SELECT coalesce(answered_at, least(v_now, started_at + interval '60 seconds')) AS ended
            FROM pace_send WHERE key = p_keys[p_limit_keys[v_index]]
        ) AS sends
        WHERE ended > v_now - make_interval(secs => p_windows[v_index])
        ORDER BY ended DESC OFFSET p_counts[v_index] - 1 LIMIT 1;
        IF FOUND THEN
            v_allowed := greatest(v_allowed, v_edge + make_interval(secs => p_windows[v_index]));
        END IF;
    END LOOP;
    IF v_allowed > v_now THEN
        RETURN extract(epoch FROM v_allowed - v_now);
    END IF;
    FOR v_index IN 1 .. cardinality(p_keys) LOOP
        SELECT max(w) INTO v_longest FROM unnest(p_limit_keys, p_windows) AS l(k, w) WHERE k = v_index;
        DELETE FROM pace_send
        WHERE key = p_keys[v_index]
          AND coalesce(answered_at, started_at + interval '60 seconds')
              < v_now - make_interval(secs => v_longest);
    END LOOP;
    -- A key no longer sent to keeps its last sends: now and then, what no window reaches goes too
    -- (none is longer than Teams' hour).
    IF random() < 0.001 THEN
        DELETE FROM pace_send
        WHERE coalesce(answered_at, started_at + interval '60 seconds') < v_now - interval '2 hours';
    END IF;
    INSERT INTO pace_send (key, send, started_at)
    SELECT DISTINCT k, p_send, v_now FROM unnest(p_keys) AS k
    ON CONFLICT DO NOTHING;
    RETURN 0.0;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "pace_send",
        sa.Column("key", AutoString(length=300), nullable=False),
        sa.Column("send", sa.BigInteger(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", "send"),
    )
    with op.batch_alter_table("pace_send", schema=None) as batch_op:
        batch_op.create_index("ix_pace_send_send", ["send"], unique=False)
    op.create_table(
        "pace_hold",
        sa.Column("key", AutoString(length=300), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE pace_send SET UNLOGGED")
        op.execute("ALTER TABLE pace_hold SET UNLOGGED")
        op.execute(PACE_ANSWERED)
        op.execute(PACE_SEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION vpmo_pace_send"
            "(bigint, text[], integer[], integer[], double precision[], bigint[], double precision[])"
        )
        op.execute("DROP FUNCTION vpmo_pace_answered(bigint[], double precision[])")
    op.drop_table("pace_hold")
    with op.batch_alter_table("pace_send", schema=None) as batch_op:
        batch_op.drop_index("ix_pace_send_send")
    op.drop_table("pace_send")
