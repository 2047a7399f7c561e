"""Members' data rights: their data exported, their personal data erased.

- ``commands``: The rights area's commands.
- ``erasure``: A member erased: their points forfeited, their personal data removed, their
  ids retired.
- ``export``: A member's data, exported as one JSON document: ``jifen.member-export/1``.
- ``ports``: The rights area's ports: what a member's export reads and what an erasure
  removes.
- ``views``: What the rights area's use cases return.
"""

from jifen.services.rights.commands import (
    EraseMember,
)
from jifen.services.rights.erasure import (
    erase_member,
)
from jifen.services.rights.export import (
    export_member,
)
from jifen.services.rights.views import (
    Erased,
    MemberExport,
)

__all__ = [
    "EraseMember",
    "Erased",
    "MemberExport",
    "erase_member",
    "export_member",
]
