"""The people who run a programme from the console, and what each role may do.

An *admin* does everything, including managing operators; an *operator* runs the
programme day to day (members, points, tiers, the programme file, stock); an
*analyst* reads (members and the dashboard); a *cashier* finds members and takes
vouchers at the till. A refused action raises ``PermissionDenied`` with the code
``not_allowed`` and writes nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from jifen.domain.error_codes import AccessCode
from jifen.domain.errors import PermissionDenied

CONSOLE_SESSION_TTL = timedelta(hours=8)  # a working day


class Role(enum.StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    ANALYST = "analyst"
    CASHIER = "cashier"


class Permission(enum.StrEnum):
    VIEW_MEMBERS = "view_members"
    ADJUST_POINTS = "adjust_points"
    OVERRIDE_TIER = "override_tier"
    EDIT_PROGRAM = "edit_program"
    MANAGE_STOCK = "manage_stock"
    VIEW_DASHBOARD = "view_dashboard"
    CONSUME_VOUCHERS = "consume_vouchers"
    RECORD_PURCHASES = "record_purchases"  # at the till, for a member whose card was scanned
    VOID_REFERRALS = "void_referrals"  # both sides' points taken back (ADR 0032)
    MODERATE_TASKS = "moderate_tasks"  # approve (it pays) or reject members' task proofs
    MANAGE_OPERATORS = "manage_operators"
    EXPORT_MEMBERS = "export_members"  # download a member's data
    ERASE_MEMBERS = "erase_members"  # erase a member: irreversible, admins only


ALLOWED: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.OPERATOR: frozenset(Permission) - {Permission.MANAGE_OPERATORS, Permission.ERASE_MEMBERS},
    Role.ANALYST: frozenset({Permission.VIEW_MEMBERS, Permission.VIEW_DASHBOARD}),
    Role.CASHIER: frozenset(
        {Permission.VIEW_MEMBERS, Permission.CONSUME_VOUCHERS, Permission.RECORD_PURCHASES}
    ),
}


@dataclass(frozen=True)
class Operator:
    id: int
    username: str
    name: str
    role: Role
    active: bool
    created_at: datetime
    signed_in_at: datetime | None = None

    @property
    def actor(self) -> str:
        """How the audit log and the ledger name this operator."""
        return f"console:{self.username}"

    def may(self, permission: Permission) -> bool:
        return self.active and permission in ALLOWED[self.role]

    def require(self, permission: Permission) -> None:
        if not self.may(permission):
            raise PermissionDenied(
                f"a {self.role.value} may not {permission.value.replace('_', ' ')}",
                code=AccessCode.NOT_ALLOWED,
                permission=permission.value,
            )
