"""A leaderboard's top and ranks, kept incrementally from counts of scores, agree with a
brute-force ranking of the same scores, whatever the moves and hidings (ADR 0035). On both
databases; the 32-order test is PostgreSQL's."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.bootstrap import Jifen
from jifen.domain.leaderboards import BLOCK
from jifen.domain.programs import Program
from jifen.services.leaderboards import ScoreChange
from tests.earning_fixtures import join, publish

MEMBERS = 8
boards = itertools.count()
moves = st.lists(
    st.tuples(
        st.integers(0, MEMBERS - 1),
        st.one_of(
            st.integers(-BLOCK * 2, BLOCK * 3),  # across blocks, and below nothing
            st.sampled_from([0, 1, BLOCK - 1, BLOCK, -1]),
            st.just("hide"),
            st.just("show"),
        ),
    ),
    max_size=40,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves)
def test_ranks_from_counts_agree_with_a_brute_force(
    jf: Jifen, ops: list[tuple[int, object]]
) -> None:
    program = _shop(jf)
    place = (f"b{next(boards)}", "month:2026-12", "")
    ids = _ids(jf, program.id)
    scores: dict[int, int] = {}
    hidden: set[int] = set()
    for who, move in ops:
        member = ids[who]
        with jf.uow() as uow:
            if move in ("hide", "show"):
                uow.leaderboards.hide(program.id, member, move == "hide")
                (hidden.add if move == "hide" else hidden.discard)(member)
            else:
                assert isinstance(move, int)
                old = uow.leaderboards.scores(program.id, member, [place]).get(place)
                new = max(0, (old or 0) + move)
                if new != old and not (old is None and new == 0):
                    change = ScoreChange(place, member, old, new)
                    uow.leaderboards.write(program.id, [change], member in hidden, jf.clock.now())
                    scores[member] = new
            uow.commit()
    shown = {m: s for m, s in scores.items() if m not in hidden}
    expected = sorted(((-s, m) for m, s in shown.items()))
    with jf.uow(write=False) as uow:
        top = uow.leaderboards.top(program.id, place, MEMBERS)
        assert [(t.member_id, t.score) for t in top] == [(m, -s) for s, m in expected]
        for t in top:
            brute = 1 + sum(1 for s in shown.values() if s > t.score)
            assert t.rank == brute
            assert uow.leaderboards.rank(program.id, place, t.score) == brute


_made: dict[int, Program] = {}


def _shop(jf: Jifen) -> Program:
    """The programme and its members, made once per database of the test."""
    key = id(jf)
    if key not in _made:
        program = publish(jf)
        for n in range(MEMBERS):
            join(jf, program, f"M{n}")
        _made[key] = program
    return _made[key]


def _ids(jf: Jifen, program_id: int) -> list[int]:
    with jf.uow(write=False) as uow:
        found = [uow.members.get(program_id, f"M{n}") for n in range(MEMBERS)]
    return [m.id for m in found if m is not None]
