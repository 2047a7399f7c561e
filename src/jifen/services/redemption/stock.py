"""An operator's count of a reward's stock: restocked or corrected, audited with a reason."""

from __future__ import annotations

from functools import partial

from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import InvalidInput, NotFound
from jifen.domain.programs import Program
from jifen.services.idempotency import Keyed, once
from jifen.services.ports import Clock
from jifen.services.redemption.commands import SetStock
from jifen.services.redemption.ports import RedemptionWork
from jifen.services.redemption.views import StockView
from jifen.services.rulebooks import Rulebooks


def set_stock(
    uow: RedemptionWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: SetStock,
    key: str,
) -> StockView:
    """Restock or correct a reward's count; audited with the operator's reason."""
    if isinstance(cmd.remaining, bool) or not 0 <= cmd.remaining <= 10**9:
        raise InvalidInput("remaining is 0 to 1,000,000,000", field="remaining")
    if not cmd.reason.strip():
        raise InvalidInput("a stock count needs a reason", field="reason")
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), partial(_set, rulebooks=rulebooks))


def _set(uow: RedemptionWork, call: Keyed[SetStock], *, rulebooks: Rulebooks) -> StockView:
    program, cmd, now = call.program, call.command, call.now
    rules = rulebooks.current(uow, program)
    reward = rules.redemption.catalogue.rewards.get(cmd.reward)
    if reward is None:
        raise NotFound(
            f"no reward {cmd.reward!r} in the catalogue",
            code=RedemptionCode.REWARD_NOT_FOUND,
            reward=cmd.reward,
        )
    if reward.stock is None:
        raise InvalidInput(
            f"reward {cmd.reward!r} has no stock to count: the file declares it unlimited",
            code=RedemptionCode.REWARD_UNLIMITED,
            reward=cmd.reward,
        )
    level = uow.redemptions.set_remaining(program.id, reward.code, reward.stock, cmd.remaining, now)
    uow.audit.record(
        program.id,
        cmd.actor,
        "reward.stock",
        reward.code,
        {"remaining": cmd.remaining, "taken": level.taken, "reason": cmd.reason},
        now,
    )
    return StockView(reward.code, cmd.remaining)
