"""What the terminal console keeps between runs: its transcript (for buttons) and its clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from storage.tables import AppStateRow, TranscriptRow

CLOCK_KEY = "console.clock_offset_seconds"
SEARCH_DEPTH = 200


class ConsoleStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        tenant_id: int,
        recipient: str,
        text: str,
        actions: list[dict[str, str]],
        ref: str | None,
        now: datetime,
    ) -> None:
        """Remember a message the console showed."""
        with Session(self._engine) as session:
            session.add(
                TranscriptRow(
                    tenant_id=tenant_id,
                    recipient=recipient,
                    text=text,
                    actions=actions,
                    ref=ref,
                    created_at=now,
                )
            )
            session.commit()

    def _recent(self, tenant_id: int, recipient: str) -> list[TranscriptRow]:
        with Session(self._engine) as session:
            query = (
                select(TranscriptRow)
                .where(
                    TranscriptRow.tenant_id == tenant_id,
                    # A channel's buttons (a challenge's Stem) are there for everyone in it.
                    (col(TranscriptRow.recipient) == recipient)
                    | col(TranscriptRow.recipient).startswith("#"),
                )
                .order_by(col(TranscriptRow.id).desc())
                .limit(SEARCH_DEPTH)
            )
            return list(session.exec(query))

    def find_buttons(self, tenant_id: int, recipient: str, wanted: str) -> list[str]:
        """Return the action ids of the recipient's (and the channels') buttons with this id, else this label."""
        actions = [action for row in reversed(self._recent(tenant_id, recipient)) for action in row.actions]
        if any(action["id"] == wanted for action in actions):
            return [wanted]
        folded = wanted.casefold()
        # A message shown twice carries the same buttons twice; each is still one button.
        return list(dict.fromkeys(action["id"] for action in actions if action["label"].casefold() == folded))

    def clock_offset(self) -> float:
        """Return how many seconds the console's clock runs ahead of the real one."""
        with Session(self._engine) as session:
            row = session.get(AppStateRow, CLOCK_KEY)
            return float(row.value) if row else 0.0

    def set_clock_offset(self, seconds: float) -> None:
        """Store how far the console's clock runs ahead of the real one."""
        with Session(self._engine) as session:
            row = session.get(AppStateRow, CLOCK_KEY)
            if row is None:
                session.add(AppStateRow(key=CLOCK_KEY, value=str(seconds)))
            else:
                row.value = str(seconds)
            session.commit()
