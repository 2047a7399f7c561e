"""Earning: orders, refunds, activities, and the dry run of an order."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response, status
from starlette.concurrency import run_in_threadpool

from jifen.entrypoints.api.deps import IdempotencyKey, LedgerWrite
from jifen.entrypoints.api.earning_schemas import (
    ActivityBody,
    AwardOut,
    EarnOut,
    OrderBody,
    RefundBody,
)
from jifen.entrypoints.api.rendering import rendered
from jifen.services import earning, members
from jifen.services.earning import EarnResult, LineIn, PlaceOrder, RecordActivity, RefundOrder

router = APIRouter(prefix="/v1", tags=["earning"])
CREATED = status.HTTP_201_CREATED


def order_of(body: OrderBody, member: str | None = None) -> PlaceOrder:
    """The order ``body`` sends; ``member``: the external id its ``member_code`` names."""
    found = member or body.member
    assert found is not None, "OrderBody names the member one way or the other"
    return PlaceOrder(
        order_id=body.order_id,
        member=found,
        paid=body.paid,
        lines=tuple(
            LineIn(x.sku, x.quantity, x.unit_price, x.category, tuple(x.tags), x.discount)
            for x in body.lines
        ),
        placed_at=body.placed_at,
        channel=body.channel,
        store=body.store,
        discount=body.discount,
        points_paid=body.points_paid,
        attributes=body.attributes,
    )


def answer_of(result: EarnResult) -> Response:
    return rendered(EarnOut.model_validate(result), CREATED, replayed=result.replayed)


@router.post(
    "/orders",
    status_code=CREATED,
    response_model=EarnOut,
    summary="Earn on a purchase (idempotent by order_id)",
)
async def place_order(body: OrderBody, caller: LedgerWrite) -> Response:
    # checked here, recorded by the process's writer together with the orders that
    # arrive with it (ADR 0022); no thread of the pool waits on the database for it
    member = None
    if body.member_code is not None:  # a till's scan: whose it is, read once before
        jf = caller.jf
        found = await run_in_threadpool(
            members.find_member_by_code, jf.uow(write=False), caller.program, body.member_code
        )
        member = found.external_id
    answer = caller.jf.orders.submit(caller.program, order_of(body, member))
    return answer_of(await asyncio.wrap_future(answer))


@router.post(
    "/simulate",
    response_model=AwardOut,
    summary="What an order would earn, and why: nothing is written",
)
def simulate(body: OrderBody, caller: LedgerWrite) -> AwardOut:
    jf = caller.jf
    member = None
    if body.member_code is not None:
        member = members.find_member_by_code(
            jf.uow(write=False), caller.program, body.member_code
        ).external_id
    order = order_of(body, member)
    view = earning.simulate_order(
        jf.uow(), jf.clock, jf.rulebooks, caller.program, order, skew=jf.clock_skew
    )
    return AwardOut.model_validate(view)


@router.post(
    "/orders/{order_id}/refunds",
    status_code=CREATED,
    response_model=EarnOut,
    summary="Take back what refunded money earned (idempotent by refund_id)",
)
def refund(order_id: str, body: RefundBody, caller: LedgerWrite) -> Response:
    jf = caller.jf
    cmd = RefundOrder(
        body.refund_id,
        order_id,
        body.amount,
        tuple((sku, qty) for sku, qty in body.lines),
        body.full,
    )
    return answer_of(earning.refund_order(jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd))


@router.post(
    "/activities",
    status_code=CREATED,
    response_model=EarnOut,
    summary="Earn on a non-purchase activity (sign-up, share, check-in, ...)",
)
def record_activity(body: ActivityBody, caller: LedgerWrite, key: IdempotencyKey) -> Response:
    jf = caller.jf
    cmd = RecordActivity(body.member, body.type, body.payload, body.occurred_at)
    result = earning.record_activity(
        jf.uow(), jf.clock, jf.rulebooks, caller.program, cmd, key or "", skew=jf.clock_skew
    )
    return answer_of(result)
