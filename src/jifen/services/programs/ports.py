"""Edits of a programme's text."""

from __future__ import annotations

from typing import Any, Protocol

from jifen.services.earning.ports import EarningStore
from jifen.services.ports import SharedWork


class ProgramEditor(Protocol):
    """Edits of one part of a programme's text, for a new version."""

    def put_reward(self, source: str, reward: dict[str, Any]) -> str:
        """The text with ``reward`` (a file's catalogue entry) added or replacing its code."""

    def remove_reward(self, source: str, code: str) -> str: ...

    def parts(self, source: str, part: str) -> list[dict[str, Any]]:
        """The entries of a list (``tasks``, ``challenges``, ``badges``, ``leaderboards``,
        ``catalogue``) as the file gives them."""

    def put_part(self, source: str, part: str, entry: dict[str, Any]) -> str:
        """The text with ``entry`` added to the list, or replacing the entry of its name."""

    def remove_part(self, source: str, part: str, name: str) -> str: ...


class ProgramWork(SharedWork, Protocol):
    """What publishing needs: a version's campaign budgets are opened with it."""

    earning: EarningStore
