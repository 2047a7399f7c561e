"""The rights area's ports: what a member's export reads and what an erasure removes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from jifen.domain.rights import Personal
from jifen.services.ledger.ports import LedgerWork


class Rights(Protocol):
    def lots(self, member_id: int) -> list[dict[str, Any]]:
        """Every lot the member ever had, oldest first (JSON values)."""

    def orders(self, member_id: int) -> list[dict[str, Any]]:
        """The member's orders, oldest first: id, when, paid and refunded (minor units)."""

    def redemptions(self, member_id: int) -> list[dict[str, Any]]:
        """The member's redemptions, oldest first (JSON values)."""

    def vouchers(self, member_id: int) -> list[dict[str, Any]]:
        """The member's vouchers, oldest first (JSON values)."""

    def consents(self, member_id: int) -> list[dict[str, Any]]:
        """Every consent answer the member gave, oldest first: purpose, channel, granted,
        source, when (JSON values)."""

    def engagement(self, member_id: int) -> dict[str, list[dict[str, Any]]]:
        """What the member did and won beyond orders, each list oldest first (JSON
        values): ``activities``, ``task_proofs``, ``challenges``, ``badges``,
        ``leaderboards``."""

    def referral(self, member_id: int) -> dict[str, Any]:
        """``referred``: the member's own referral (never who referred them: another
        member's data), or None; the friends they brought, counted, and the points paid
        them for it (JSON values)."""

    def erased_at(self, member_id: int) -> datetime | None: ...

    def erase(
        self, program_id: int, member_id: int, personal: Personal, now: datetime, keep_key: str
    ) -> None:
        """Remove the member's personal data from every table; the ledger's amounts stay.

        The member's row takes the pseudonym, status ``erased`` and ``erased_at``, and
        loses its contact, display name and codes; sign-in codes, sessions, devices and
        consents go; task proofs (a link to the member's post, review or photo) become
        ``[erased]``, in the proofs and in the activities' payloads; the outbox,
        idempotency answers (and internal keys but ``keep_key``), the audit log and the
        records beside the ledger are scrubbed.
        """


class RightsWork(LedgerWork, Protocol):
    """What exports and erasures need in a transaction: the ledger and the rights store."""

    rights: Rights
