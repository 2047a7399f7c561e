"""``jifen tier``: see a member's tier, override it, and run the reviews that are due."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from jifen.bootstrap import bootstrap
from jifen.domain.errors import InvalidInput
from jifen.entrypoints.cli.errors import friendly
from jifen.services import programs, tiers
from jifen.services.idempotency import fingerprint
from jifen.services.tiers import SetTierFloor

app = typer.Typer(no_args_is_help=True, help="Member tiers: show, override, review.")
out = Console(highlight=False, soft_wrap=True)
ProgramOpt = Annotated[str | None, typer.Option("--program", "-p", help="programme code")]


@app.command("show")
@friendly
def show(member: str, program: ProgramOpt = None) -> None:
    """The member's tier, what the next one needs, and the history."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    v = tiers.tier_view(jf.uow(write=False), jf.clock, jf.rulebooks, found, member)
    out.print(f"{v.member}: {v.tier} (x{v.multiplier})" + (" [at risk]" if v.at_risk else ""))
    if v.floor:
        out.print(f"  override: at least {v.floor} until {v.floor_until}")
    if v.review_month:
        out.print(f"  review: {v.review_month // 100}-{v.review_month % 100:02d}-01")
    if v.next_tier:
        ways = [
            " and ".join(f"{g['missing']} more {g['metric']}" for g in route) for route in v.routes
        ]
        out.print(f"  to reach {v.next_tier}: " + " or ".join(ways))
    for h in v.history:
        out.print(f"  {h.at:%Y-%m-%d} {h.from_tier} -> {h.to_tier} ({h.reason})")


@app.command("set")
@friendly
def set_(
    member: str,
    tier: str,
    until: Annotated[str, typer.Option(help="last day of the override, YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="why (kept in the audit log)")],
    program: ProgramOpt = None,
) -> None:
    """Keep MEMBER at least at TIER until the end of the day given (programme time)."""
    _floor(member, tier, until, reason, program)


@app.command("clear")
@friendly
def clear(
    member: str,
    reason: Annotated[str, typer.Option(help="why (kept in the audit log)")],
    program: ProgramOpt = None,
) -> None:
    """Remove an override: the member is back to the tier they earned."""
    _floor(member, None, None, reason, program)


@app.command("review")
@friendly
def review(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="review as at 00:00 of this day (YYYY-MM-DD)")
    ] = None,
    program: ProgramOpt = None,
) -> None:
    """Run the tier reviews due (and end expired overrides); the nightly pipeline does this too."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    tz = ZoneInfo(found.timezone)
    cutoff = jf.clock.now() if as_of is None else datetime.combine(_day(as_of), time(), tz)
    done = tiers.review_tiers(jf.uow, jf.rulebooks, found, cutoff)
    out.print(f"reviewed {done.members} members, {done.changed} changed")


def _floor(
    member: str, tier: str | None, until: str | None, reason: str, program: str | None
) -> None:
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    end = None
    if until is not None:
        end = datetime.combine(_day(until), time(), ZoneInfo(found.timezone)).replace(
            hour=23, minute=59, second=59
        )
    cmd = SetTierFloor(member, tier, end, reason, "cli")
    # the same command twice is one override: the key is the command itself
    key = f"cli-tier:{fingerprint(cmd)}"
    v = tiers.set_floor(jf.uow(), jf.clock, jf.rulebooks, found, cmd, key)
    out.print(f"{v.member}: {v.tier}" + (f" until {v.floor_until}" if v.floor else ""))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field="date") from None
