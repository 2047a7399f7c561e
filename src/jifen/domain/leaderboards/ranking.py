"""Ranks from counts of scores, and how a member is shown on a board.

A board keeps, besides each member's score, how many members hold each score (``level``
0) and each block of ``BLOCK`` scores (``level`` 1). A member's rank is one more than the
members above them: the blocks above theirs, then the scores above theirs in their block.
Both reads are short index ranges whatever the number of members; ties share a rank.
"""

from __future__ import annotations

from collections.abc import Iterable

#: a board's period in one place: (board id, period, scope key)
Place = tuple[str, str, str]
#: a count row: (board, period, scope, level, key)
CountKey = tuple[str, str, str, int, int]

BLOCK = 256  # scores per block: a rank reads at most the blocks above and one block


def block_of(score: int) -> int:
    return score // BLOCK


def masked(external_id: str) -> str:
    """A member's id as others see it: its first and last characters, the rest hidden."""
    if len(external_id) <= 2:
        return external_id[:1] + "*"
    keep = 2 if len(external_id) > 5 else 1
    return external_id[:keep] + "*" * 3 + external_id[-keep:]


def shown_name(display_name: str | None, external_id: str) -> str:
    """The name a board shows: the member's display name, or their masked id."""
    return display_name.strip() if display_name and display_name.strip() else masked(external_id)


def count_deltas(changes: Iterable[tuple[Place, int | None, int | None]]) -> dict[CountKey, int]:
    """What moving scores ``old`` -> ``new`` (None: not counted before, or after) changes
    in the counts, summed, without the zeros; sorted, so that every writer locks the count
    rows in one order."""
    deltas: dict[CountKey, int] = {}
    for (board, period, scope), old, new in changes:
        for score, step in ((old, -1), (new, 1)):
            if score is None:
                continue
            for level, key in ((0, score), (1, block_of(score))):
                k = (board, period, scope, level, key)
                deltas[k] = deltas.get(k, 0) + step
    return {k: deltas[k] for k in sorted(deltas) if deltas[k]}
