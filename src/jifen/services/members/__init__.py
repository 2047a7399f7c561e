"""Members: joining, updating, looking up, and their statement of points.

- ``commands``: Members' commands: what an outside caller asks of membership.
- ``enrolment``: A member's record made and updated: checked ids, announced in the outbox.
- ``expiring_points``: What a member is about to lose: points expiring soon, by day in the
  programme's timezone.
- ``lookup``: Members looked up: by id for the API, or by the beginning of an id, phone or email
  for the console.
- ``statement``: A member's movements and open lots, as the ledger has them.
- ``views``: What members' use cases return.
"""

from jifen.services.members.commands import (
    CreateMember,
    UpdateMember,
)
from jifen.services.members.enrolment import (
    create_member,
    join,
    require_external_id,
    update_member,
)
from jifen.services.members.expiring_points import (
    MAX_DAYS,
    Expiring,
    ExpiringDay,
    expiring,
    expiring_of,
)
from jifen.services.members.lookup import (
    Found,
    find_member,
    find_member_by_code,
    get_member,
    get_member_at_once,
    get_member_by_code,
    member_view_of,
    search,
)
from jifen.services.members.statement import (
    LotView,
    history,
    history_at_once,
    history_of,
    open_lots,
    parse_cursor,
)
from jifen.services.members.views import (
    History,
    HistoryItem,
    MemberView,
)

__all__ = [
    "MAX_DAYS",
    "CreateMember",
    "Expiring",
    "ExpiringDay",
    "Found",
    "History",
    "HistoryItem",
    "LotView",
    "MemberView",
    "UpdateMember",
    "create_member",
    "expiring",
    "expiring_of",
    "find_member",
    "find_member_by_code",
    "get_member",
    "get_member_at_once",
    "get_member_by_code",
    "history",
    "history_at_once",
    "history_of",
    "join",
    "member_view_of",
    "open_lots",
    "parse_cursor",
    "require_external_id",
    "search",
    "update_member",
]
