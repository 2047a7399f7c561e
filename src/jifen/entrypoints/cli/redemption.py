"""``jifen rewards``, ``jifen vouchers``, ``jifen redemptions``: the counter and the back office.

What an operator does by hand: read the catalogue with its live stock, the
lotteries' odds and the causes' totals; count a reward's shelf; take a voucher
at a till; cancel a redemption for a customer. Each write is its own request
(a fresh idempotency key): running it twice asks twice, and the second gets a
clear refusal (``voucher_already_used``, ``redemption_not_cancellable``).
"""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jifen.bootstrap import bootstrap
from jifen.domain.money import to_major
from jifen.entrypoints.cli.errors import friendly
from jifen.services import programs, redemption
from jifen.services.redemption import (
    ConsumeVoucher,
    RedemptionView,
    SetStock,
    SettleRedemption,
    VoucherView,
)

rewards_app = typer.Typer(no_args_is_help=True, help="The catalogue, lotteries and causes.")
vouchers_app = typer.Typer(no_args_is_help=True, help="Look vouchers up and take them at a till.")
redemptions_app = typer.Typer(no_args_is_help=True, help="Look redemptions up and cancel them.")
out = Console(highlight=False, soft_wrap=True)
ProgramOpt = Annotated[str | None, typer.Option("--program", "-p", help="programme code")]
Lang = Annotated[str, typer.Option("--lang", help="language of the names: zh-CN or en")]


def _name(names: dict[str, str], lang: str) -> str:
    return names.get(lang) or next(iter(names.values()), "")


@rewards_app.command("list")
@friendly
def list_rewards(program: ProgramOpt = None, lang: Lang = "en") -> None:
    """Every reward with its price, window and live stock."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    table = Table("code", "name", "points", "cash", "stock left", "open now")
    for r in redemption.rewards(jf.uow(write=False), jf.clock, jf.rulebooks, found):
        table.add_row(
            r.code,
            _name(r.name, lang),
            str(r.points),
            _money(r.cash, found.currency) if r.cash else "",
            "unlimited" if r.remaining is None else f"{r.remaining} of {r.stock}",
            "yes" if r.available_now else "no",
        )
    out.print(table)


@rewards_app.command("stock")
@friendly
def set_stock(
    reward: str,
    remaining: int,
    reason: Annotated[str, typer.Option(help="why (kept in the audit log)")],
    program: ProgramOpt = None,
) -> None:
    """Count REWARD's shelf: REMAINING are left from now on."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    cmd = SetStock(reward, remaining, reason, "cli")
    done = redemption.set_stock(jf.uow(), jf.clock, jf.rulebooks, found, cmd, _key("stock"))
    out.print(f"{done.reward}: {done.remaining} left")


@rewards_app.command("lotteries")
@friendly
def list_lotteries(program: ProgramOpt = None, lang: Lang = "en") -> None:
    """Each lottery's cost, prize table, odds and prizes left."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    for lot in redemption.lotteries(jf.uow(write=False), jf.clock, jf.rulebooks, found):
        state = "open" if lot.open_now else "closed"
        out.print(f"{lot.code} ({_name(lot.name, lang)}): {lot.points} points a draw, {state}")
        out.print(f"  prize table version {lot.version}")
        for p in lot.prizes:
            left = "" if p.remaining is None else f", {p.remaining} of {p.stock} left"
            then = f", then {p.fallback}" if p.fallback else ""
            out.print(f"  {p.chance:>8}  {p.code} ({_name(p.name, lang)}){left}{then}")
        out.print(f"  {lot.no_prize_chance:>8}  no prize")


@rewards_app.command("causes")
@friendly
def list_causes(program: ProgramOpt = None, lang: Lang = "en") -> None:
    """What members have given to each cause, and what the brand gives for it."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    table = Table("code", "name", "points given", "donors", "gifts", "worth", "goal")
    for c in redemption.causes(jf.uow(write=False), jf.clock, jf.rulebooks, found):
        table.add_row(
            c.code,
            _name(c.name, lang),
            str(c.points),
            str(c.donors),
            str(c.gifts),
            "" if c.worth is None else _money(c.worth, found.currency),
            "" if c.goal is None else str(c.goal),
        )
    out.print(table)


@vouchers_app.command("show")
@friendly
def show_voucher(code: str, program: ProgramOpt = None) -> None:
    """A voucher: its reward, status and expiry."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    _print_voucher(redemption.get_voucher(jf.uow(write=False), found, code), found.currency)


@vouchers_app.command("consume")
@friendly
def consume_voucher(
    code: str,
    reference: Annotated[str | None, typer.Option(help="the purchase it pays for")] = None,
    spend: Annotated[str | None, typer.Option(help="that purchase's amount, e.g. 88.00")] = None,
    program: ProgramOpt = None,
) -> None:
    """Use CODE once, at a till."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    cmd = ConsumeVoucher(code, reference, spend, "cli")
    done = redemption.consume_voucher(jf.uow(), jf.clock, found, cmd, _key("voucher"))
    _print_voucher(done, found.currency)


@redemptions_app.command("show")
@friendly
def show_redemption(redemption_id: int, program: ProgramOpt = None) -> None:
    """A redemption and its vouchers."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    _print_redemption(redemption.get_redemption(jf.uow(write=False), found, redemption_id))


@redemptions_app.command("cancel")
@friendly
def cancel_redemption(
    redemption_id: int,
    reason: Annotated[str, typer.Option(help="why (kept with the reversal)")],
    program: ProgramOpt = None,
) -> None:
    """Cancel a completed redemption: points back to their lots, stock back, vouchers void."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    cmd = SettleRedemption(redemption_id, "cancel", reason, "cli")
    done = redemption.settle_redemption(
        jf.uow(), jf.clock, jf.rulebooks, found, cmd, _key("cancel")
    )
    _print_redemption(done)


def _print_voucher(v: VoucherView, currency: str) -> None:
    value = f", {_money(v.face_value, currency)} off" if v.face_value else ""
    used = f" on {v.consumed_at:%Y-%m-%d %H:%M}" if v.consumed_at else ""
    out.print(f"{v.code}: {v.reward}{value}, {v.status}{used}, expires {v.expires_at:%Y-%m-%d}")


def _print_redemption(r: RedemptionView) -> None:
    what = r.reward or f"order {r.reference}"
    out.print(f"redemption {r.id}: {r.member}, {what} x{r.quantity}, {r.points} points, {r.status}")
    out.print(f"  {r.member} now has {r.available} points available")
    for v in r.vouchers:
        out.print(f"  voucher {v.code}: {v.status}")


def _money(minor: int, currency: str) -> str:
    return f"{to_major(minor, currency)} {currency}"


def _key(what: str) -> str:
    return f"cli-{what}:{uuid.uuid4()}"
