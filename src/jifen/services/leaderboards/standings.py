"""A board as people see it: its top, shown by display name or masked id (never a
contact), and a member's own rank; hiding from boards; and a finished period frozen with
its prizes paid, once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from jifen.domain import ledger
from jifen.domain.definition import ProgramDefinition
from jifen.domain.error_codes import EngagementCode
from jifen.domain.errors import MemberNotFound, NotFound
from jifen.domain.leaderboards import (
    PROGRAMME,
    Board,
    Place,
    Scope,
    period_of,
    periods_of,
    shown_name,
)
from jifen.domain.ledger import EntryKind, LotSource
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.idempotency import Keyed, once
from jifen.services.leaderboards.ports import LeaderboardWork, Result, Standing
from jifen.services.ledger import Book
from jifen.services.ports import Clock, WorkFactory
from jifen.services.rulebooks import Rulebooks

TIES = 100  # members tied with a board's last place that a freeze still ranks and pays


@dataclass(frozen=True)
class Row:
    rank: int
    name: str  # display name or masked id
    score: int
    me: bool = False


@dataclass(frozen=True)
class Mine:
    rank: int | None  # None: not on the board yet (or hidden)
    score: int
    hidden: bool


@dataclass(frozen=True)
class BoardView:
    board: Board
    period: str
    scope: str
    frozen: bool
    top: tuple[Row, ...]
    mine: Mine | None  # None: no member asked
    prizes: tuple[int, ...] = ()  # frozen: the prize of each row of ``top``


def board_now(
    uow: LeaderboardWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    board_id: str,
    *,
    member: str | None = None,
    scope: str | None = None,
    period: str | None = None,
) -> BoardView:
    """A board's period (default: the running one) in one place (default: the
    programme; the member's city on a city board), with ``member``'s own rank."""
    now = clock.now()
    with uow:
        definition = rulebooks.current(uow, program)
        board = _board(definition, board_id)
        who = _member(uow, program, member) if member is not None else None
        return _view(uow, definition, program, board, who, now, scope, period)


def member_boards(
    uow: LeaderboardWork, clock: Clock, rulebooks: Rulebooks, program: Program, member: str
) -> list[BoardView]:
    """The running period of every board a member sees in the portal (the programme's and
    their city's; a store's is the till's and the API's), with their own rank, in one
    read."""
    now = clock.now()
    with uow:
        definition = rulebooks.current_or_none(uow, program)
        if definition is None:
            return []
        who = _member(uow, program, member)
        return [
            _view(uow, definition, program, board, who, now, None, None)
            for board in definition.leaderboards.values()
            if board.scope is not Scope.STORE
        ]


def boards_by_period(
    uow: LeaderboardWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    places: Mapping[str, str],
    periods: int = 2,
) -> list[list[BoardView]]:
    """Every board in its running period and the ``periods - 1`` before it (a finished one
    as it was frozen, with its prizes), in one read, as the console shows them: a store or
    city board in the place ``places`` names for it (none named: nothing to show)."""
    now = clock.now()
    with uow:
        definition = rulebooks.current_or_none(uow, program)
        if definition is None:
            return []
        local = now.astimezone(definition.earning.tz)
        out = []
        for board in definition.leaderboards.values():
            where = PROGRAMME if board.scope is Scope.PROGRAMME else places.get(board.id, "")
            out.append(
                [
                    _view(uow, definition, program, board, None, now, where, at)
                    if where or board.scope is Scope.PROGRAMME
                    else BoardView(board, at, "", False, (), None)
                    for at in periods_of(board, local, periods)
                ]
            )
        return out


def _view(
    uow: LeaderboardWork,
    definition: ProgramDefinition,
    program: Program,
    board: Board,
    who: Member | None,
    now: datetime,
    scope: str | None,
    period: str | None,
) -> BoardView:
    running = period_of(board, now.astimezone(definition.earning.tz))
    at = period or running
    where = scope if scope is not None else _scope_for(board, who)
    place = (board.id, at, where)
    if at < running:
        results = uow.leaderboards.results(program.id, place)
        if results:
            return _frozen(board, place, results, who)
    top = uow.leaderboards.top(program.id, place, board.size)
    mine = _mine(uow, program, place, who) if who is not None else None
    return BoardView(board, at, where, False, tuple(_row(s, who) for s in top), mine)


@dataclass(frozen=True)
class HideFromBoards:
    member: str
    hidden: bool  # False: shown again


@dataclass(frozen=True)
class Hidden:
    member: str
    hidden: bool
    replayed: bool = False


def hide_from_boards(
    uow: LeaderboardWork, clock: Clock, program: Program, cmd: HideFromBoards, key: str
) -> Hidden:
    """The member hides from (or shows again on) every board not frozen yet, once per
    ``key``."""
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _hide)


def _hide(uow: LeaderboardWork, call: Keyed[HideFromBoards]) -> Hidden:
    program, cmd = call.program, call.command
    locked = uow.members.lock_by_id(_member(uow, program, cmd.member).id)
    if locked.hidden_from_boards is not cmd.hidden:
        uow.members.update(locked.id, {"hidden_from_boards": cmd.hidden}, call.now)
        uow.leaderboards.hide(program.id, locked.id, cmd.hidden)
    return Hidden(locked.external_id, cmd.hidden)


def freeze_finished(
    uow_factory: WorkFactory[LeaderboardWork],
    rulebooks: Rulebooks,
    program: Program,
    now: datetime,
) -> int:
    """Freeze every place of every board whose period ended by ``now``, paying its
    prizes, each place in a transaction of its own; the places frozen."""
    with uow_factory(write=False) as uow:
        definition = rulebooks.current_or_none(uow, program)
    if definition is None:
        return 0
    frozen = 0
    local = now.astimezone(definition.earning.tz)
    for board in definition.leaderboards.values():
        with uow_factory(write=False) as uow:
            due = uow.leaderboards.places_to_freeze(program.id, board.id, period_of(board, local))
        for place in due:
            with uow_factory() as uow:
                if _freeze(uow, definition, program, board, place, now):
                    frozen += 1
                uow.commit()
    return frozen


def _freeze(
    uow: LeaderboardWork,
    definition: ProgramDefinition,
    program: Program,
    board: Board,
    place: Place,
    now: datetime,
) -> bool:
    if not uow.leaderboards.claim_freeze(program.id, place, now):
        return False  # another run froze it, and paid its prizes
    results = []
    # every member tied with the last place is in the top; they are locked in id order
    # first, as every other transaction locks members, before any is paid
    top = [s for s in uow.leaderboards.top(program.id, place, board.size + TIES)
           if s.rank <= board.size]  # fmt: skip
    for member_id in sorted({s.member_id for s in top if board.prize_of(s.rank)}):
        uow.members.lock_by_id(member_id)
    for s in top:
        prize = board.prize_of(s.rank)
        entry_id = _pay(uow, definition, program, place, s, prize, now) if prize else None
        results.append(
            Result(rank=s.rank, member_id=s.member_id, external_id=s.external_id,
                   display_name=s.display_name, score=s.score, prize=prize, entry_id=entry_id)
        )  # fmt: skip
    uow.leaderboards.record_results(program.id, place, results)
    return True


def _pay(
    uow: LeaderboardWork,
    definition: ProgramDefinition,
    program: Program,
    place: Place,
    s: Standing,
    prize: int,
    now: datetime,
) -> int | None:
    book = Book(program, uow.members.lock_by_id(s.member_id))
    if book.member.status.value != "active":
        return None
    board, period, scope = place
    posting = ledger.credit(
        ledger.Account(book.member, ()),
        prize,
        kind=EntryKind.EARN,
        source=LotSource.PRIZE,
        now=now,
        expires_at=definition.earning.expires_at(now, book.member.tier),
        reference=f"leaderboard:{board}/{period}#{s.rank}",  # the place is in meta
        meta={"leaderboard": board, "period": period, "scope": scope, "rank": s.rank},
    )
    book.apply(uow, posting, now)
    return book.entry_ids[-1]


def _board(definition: ProgramDefinition, board_id: str) -> Board:
    board = definition.leaderboards.get(board_id)
    if board is None:
        raise NotFound(
            f"leaderboard {board_id} not found",
            code=EngagementCode.LEADERBOARD_NOT_FOUND,
            leaderboard=board_id,
        )
    return board


def _member(uow: LeaderboardWork, program: Program, external_id: str) -> Member:
    found = uow.members.get(program.id, external_id)
    if found is None:
        raise MemberNotFound(external_id)
    return found


def _scope_for(board: Board, member: Member | None) -> str:
    if board.scope is Scope.CITY and member is not None:
        city = member.attributes.get("city")
        return city if isinstance(city, str) else ""
    return PROGRAMME


def _mine(uow: LeaderboardWork, program: Program, place: Place, who: Member) -> Mine:
    score = uow.leaderboards.scores(program.id, who.id, [place]).get(place)
    if who.hidden_from_boards or score is None:
        return Mine(None, score or 0, who.hidden_from_boards)
    return Mine(uow.leaderboards.rank(program.id, place, score), score, False)


def _row(s: Standing, who: Member | None) -> Row:
    me = who is not None and who.id == s.member_id
    return Row(s.rank, shown_name(s.display_name, s.external_id), s.score, me)


def _frozen(board: Board, place: Place, results: list[Result], who: Member | None) -> BoardView:
    rows = tuple(
        Row(r.rank, shown_name(r.display_name, r.external_id), r.score,
            who is not None and who.id == r.member_id)
        for r in results
    )  # fmt: skip
    mine = next((Mine(r.rank, r.score, False) for r in results if who and who.id == r.member_id),
                Mine(None, 0, bool(who and who.hidden_from_boards)) if who else None)  # fmt: skip
    return BoardView(board, place[1], place[2], True, rows, mine, tuple(r.prize for r in results))
