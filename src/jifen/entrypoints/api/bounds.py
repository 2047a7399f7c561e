"""Types for values from outside that must fit what jifen stores (:mod:`jifen.domain.bounds`).

``Instant``: a date-time with its offset, from 1970 up to the year 3000 (a naive one is
``invalid_input``, one beyond is ``out_of_range``); ``RowId``: a path's id, 1 to 2^63 - 1;
``VersionNo``: a programme version, 1 to 2^31 - 1 (a 32-bit column).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, ValidationInfo

from jifen.domain.bounds import MAX_ROW_ID, MAX_VERSION, require_instant


def _instant(value: datetime, info: ValidationInfo) -> datetime:
    return require_instant(value, field=info.field_name or "instant")


Instant = Annotated[datetime, AfterValidator(_instant)]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
VersionNo = Annotated[int, Path(ge=1, le=MAX_VERSION)]
