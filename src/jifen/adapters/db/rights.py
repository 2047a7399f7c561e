"""Members' data rights in SQL: what an export reads, and what an erasure scrubs.

An erasure walks every table that can hold personal data. Rows that belong to the
member (by ``member_id``) are scrubbed where they hold text or JSON; the shared records
(the outbox, idempotency answers, the audit log) are found by the texts that name the
member and scrubbed the same way (:meth:`jifen.domain.rights.Personal.scrub`). The
ledger's amounts, kinds, references, links and dates are never touched (a hash chain
over them stays valid); only the free text beside them (``reason``, ``meta``) is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, Text, cast, delete, or_, select, update

from jifen.adapters.db.leaderboards import SqlLeaderboards
from jifen.adapters.db.tables import (
    activities,
    audit_log,
    challenge_progress,
    consents,
    entries,
    idempotency_keys,
    leaderboard_frozen,
    leaderboard_scores,
    lots,
    member_badges,
    member_devices,
    members,
    orders,
    outbox,
    redemptions,
    referrals,
    signin_codes,
    task_submissions,
    tier_changes,
    vouchers,
    web_sessions,
)
from jifen.domain.members import MemberStatus
from jifen.domain.rights import ERASED, Personal

#: the member's own rows that keep text or JSON beside the ledger: (table, columns)
OWN: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (entries, ("reason", "meta")),
    (orders, ("snapshot", "award")),
    (activities, ("payload", "award")),
    (tier_changes, ("detail",)),
    (redemptions, ("detail",)),
    # a proof of a task is the member's post, review or photo: a value ``Personal`` erases
    (task_submissions, ("reference", "reason")),
)

#: the records every area shares, found by the texts that name the member: (table, columns)
SHARED: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (outbox, ("payload",)),
    (idempotency_keys, ("response",)),
    (audit_log, ("target", "detail")),
)


class SqlRights:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lots(self, member_id: int) -> list[dict[str, Any]]:
        x = lots.c
        cols = [x.id, x.amount, x.remaining, x.available_at, x.expires_at, x.pending, x.source]
        cols.append(x.created_at)
        found = self.conn.execute(select(*cols).where(x.member_id == member_id).order_by(x.id))
        return [_plain(row._mapping) for row in found]

    def orders(self, member_id: int) -> list[dict[str, Any]]:
        o = orders.c
        cols = [o.order_id, o.placed_at, o.paid, o.refunded, o.created_at]
        found = self.conn.execute(select(*cols).where(o.member_id == member_id).order_by(o.id))
        return [_plain(row._mapping) for row in found]

    def redemptions(self, member_id: int) -> list[dict[str, Any]]:
        r = redemptions.c
        cols = [r.id, r.kind, r.reward, r.quantity, r.points, r.cash, r.status, r.reference]
        cols += [r.created_at, r.settled_at]
        found = self.conn.execute(select(*cols).where(r.member_id == member_id).order_by(r.id))
        return [_plain(row._mapping) for row in found]

    def vouchers(self, member_id: int) -> list[dict[str, Any]]:
        v = vouchers.c
        cols = [v.code, v.reward, v.face_value, v.min_spend, v.status, v.expires_at]
        cols += [v.consumed_at, v.created_at]
        found = self.conn.execute(select(*cols).where(v.member_id == member_id).order_by(v.id))
        return [_plain(row._mapping) for row in found]

    def consents(self, member_id: int) -> list[dict[str, Any]]:
        c = consents.c
        cols = [c.purpose, c.channel, c.granted, c.source, c.recorded_at]
        found = self.conn.execute(select(*cols).where(c.member_id == member_id).order_by(c.id))
        return [_plain(row._mapping) for row in found]

    def engagement(self, member_id: int) -> dict[str, list[dict[str, Any]]]:
        """What the member did and won beyond orders: activities and task proofs, rounds
        of challenges, badges, scores on leaderboards."""
        a, t, c = activities.c, task_submissions.c, challenge_progress.c
        b, s = member_badges.c, leaderboard_scores.c
        reads = {
            "activities": select(a.kind, a.payload, a.occurred_at, a.created_at)
            .where(a.member_id == member_id)
            .order_by(a.id),
            "task_proofs": select(
                t.task_id, t.reference, t.status, t.reason, t.points, t.submitted_at,
                t.reviewed_at,
            )
            .where(t.member_id == member_id)
            .order_by(t.id),
            "challenges": select(c.challenge_id, c.round, c.tally, c.value, c.done_at,
                                 c.updated_at)
            .where(c.member_id == member_id)
            .order_by(c.challenge_id, c.round),
            "badges": select(b.badge, b.challenge_id, b.round, b.awarded_at)
            .where(b.member_id == member_id)
            .order_by(b.awarded_at, b.badge),
            "leaderboards": select(s.board_id, s.period, s.scope_key, s.score, s.hidden)
            .where(s.member_id == member_id)
            .order_by(s.board_id, s.period, s.scope_key),
        }  # fmt: skip
        return {
            name: [_plain(row._mapping) for row in self.conn.execute(query)]
            for name, query in reads.items()
        }

    def referral(self, member_id: int) -> dict[str, Any]:
        """Who brought the member (only that someone did: the referrer is another member)
        and how many friends they brought."""
        r = referrals.c
        own = self.conn.execute(
            select(r.status, r.created_at, r.converted_at, r.friend_points, r.voided_at).where(
                r.referee_id == member_id
            )
        ).first()
        friends = self.conn.execute(
            select(r.status, r.referrer_points).where(r.referrer_id == member_id)
        ).all()
        return {
            "referred": None if own is None else _plain(own._mapping),
            "friends_joined": len(friends),
            "friends_converted": sum(1 for f in friends if f.status == "converted"),
            # a voided referral keeps what it paid, taken back since: not counted
            "points_for_friends": sum(
                int(f.referrer_points) for f in friends if f.status == "converted"
            ),
        }

    def erased_at(self, member_id: int) -> datetime | None:
        found = self.conn.execute(select(members.c.erased_at).where(members.c.id == member_id))
        value: datetime | None = found.scalar_one_or_none()
        return value

    def erase(
        self, program_id: int, member_id: int, personal: Personal, now: datetime, keep_key: str
    ) -> None:
        personal = personal.naming(self._proofs(member_id))
        self.conn.execute(delete(signin_codes).where(signin_codes.c.member_id == member_id))
        self.conn.execute(delete(web_sessions).where(web_sessions.c.member_id == member_id))
        self.conn.execute(delete(consents).where(consents.c.member_id == member_id))
        self.conn.execute(delete(member_devices).where(member_devices.c.member_id == member_id))
        # off every board still running (its counts first), its rounds and badges gone
        SqlLeaderboards(self.conn).hide(program_id, member_id, True)
        scores = leaderboard_scores.c
        frozen = select(leaderboard_frozen.c.period).where(
            leaderboard_frozen.c.program_id == scores.program_id,
            leaderboard_frozen.c.board_id == scores.board_id,
            leaderboard_frozen.c.period == scores.period,
            leaderboard_frozen.c.scope_key == scores.scope_key,
        )
        self.conn.execute(
            delete(leaderboard_scores).where(scores.member_id == member_id, ~frozen.exists())
        )
        for table in (challenge_progress, member_badges):
            self.conn.execute(delete(table).where(table.c.member_id == member_id))
        for table, columns in OWN:
            self._scrub(table, columns, personal, table.c.member_id == member_id)
        # the friends they referred name them as their referrer: the pseudonym instead
        friends = select(referrals.c.referee_id).where(referrals.c.referrer_id == member_id)
        self._scrub(activities, ("payload",), personal, activities.c.member_id.in_(friends))
        for table, columns in SHARED:
            mentions = or_(*(_mentions(table.c[c], personal) for c in columns))
            self._scrub(table, columns, personal, table.c.program_id == program_id, mentions)
        self._rename_keys(program_id, personal, keep_key)
        self.conn.execute(
            update(members)
            .where(members.c.id == member_id)
            .values(
                external_id=personal.pseudonym,
                phone=None,
                email=None,
                birthday=None,
                attributes={},
                display_name=None,
                member_code=None,  # an old card scanned finds nobody
                referral_code=None,
                badges=None,
                status=MemberStatus.ERASED.value,
                erased_at=now,
                updated_at=now,
            )
        )

    def _proofs(self, member_id: int) -> list[str]:
        """The member's proofs of tasks done (links, photo references): they name the
        member wherever an answer or an event repeats them."""
        t, a = task_submissions.c, activities.c
        sent = self.conn.execute(select(t.reference).where(t.member_id == member_id))
        found = [str(r) for r in sent.scalars()]
        done = self.conn.execute(select(a.payload).where(a.member_id == member_id))
        for payload in done.scalars():
            if isinstance(payload, dict) and isinstance(payload.get("reference"), str):
                found.append(payload["reference"])
        return [r for r in found if r and r != ERASED]

    def _scrub(
        self, table: Table, columns: tuple[str, ...], personal: Personal, *where: Any
    ) -> None:
        keys = list(table.primary_key.columns)
        found = self.conn.execute(select(*keys, *(table.c[c] for c in columns)).where(*where))
        for row in found.all():
            values = {c: row._mapping[c] for c in columns}
            scrubbed = {c: personal.scrub(v) for c, v in values.items()}
            if scrubbed != values:
                match = [k == row._mapping[k.name] for k in keys]
                self.conn.execute(update(table).where(*match).values(**scrubbed))

    def _rename_keys(self, program_id: int, personal: Personal, keep_key: str) -> None:
        """Internal keys such as ``birthday:C-1:2026`` take the pseudonym, so that a new
        member enrolled under the old id starts afresh."""
        k = idempotency_keys.c
        found = self.conn.execute(
            select(k.scope, k.key).where(
                k.program_id == program_id,
                k.key.contains(personal.external_id, autoescape=True),
                # the erasure's own key (a caller's) answers its retries
                ~((k.scope == "caller") & (k.key == keep_key)),
            )
        )
        for scope, key in found.all():
            renamed = personal.scrub_text(key)
            if renamed != key:
                self.conn.execute(
                    update(idempotency_keys)
                    .where(k.program_id == program_id, k.scope == scope, k.key == key)
                    .values(key=renamed)
                )


def _mentions(column: Column[Any], personal: Personal) -> Any:
    text_ = cast(column, Text)
    return or_(*(text_.contains(needle, autoescape=True) for needle in personal.needles))


def _plain(row: Any) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
