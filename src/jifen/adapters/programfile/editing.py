"""Changing one reward of a programme file, for edits made through the API.

The file is read, the reward replaced (or added, or removed) in the catalogue,
and the whole file written out again as plain YAML: the result is a new version
that is validated and published like any other. Comments of the previous text
are not carried over; that text stays with its own version.
"""

from __future__ import annotations

from typing import Any

import yaml

from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import NotFound


class YamlProgramEditor:
    def put_reward(self, source: str, reward: dict[str, Any]) -> str:
        data, catalogue = _catalogue(source)
        for i, existing in enumerate(catalogue):
            if isinstance(existing, dict) and existing.get("code") == reward["code"]:
                catalogue[i] = reward
                break
        else:
            catalogue.append(reward)
        return _dump(data)

    def remove_reward(self, source: str, code: str) -> str:
        data, catalogue = _catalogue(source)
        kept = [r for r in catalogue if not (isinstance(r, dict) and r.get("code") == code)]
        if len(kept) == len(catalogue):
            raise NotFound(
                f"no reward {code!r} in the catalogue", code=RedemptionCode.REWARD_NOT_FOUND
            )
        catalogue[:] = kept
        return _dump(data)


def _catalogue(source: str) -> tuple[dict[str, Any], list[Any]]:
    data = yaml.safe_load(source)
    section = data.setdefault("redemption", {}) or {}
    data["redemption"] = section
    catalogue = section.setdefault("catalogue", []) or []
    section["catalogue"] = catalogue
    return data, catalogue


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
