"""Points: manual adjustments, two-phase holds and reversals."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from jifen.entrypoints.api.bounds import RowId
from jifen.entrypoints.api.deps import IdempotencyKey, LedgerWrite
from jifen.entrypoints.api.rendering import replayed_header
from jifen.entrypoints.api.schemas import (
    AdjustmentIn,
    CaptureIn,
    HoldIn,
    ReceiptOut,
    ReversalIn,
)
from jifen.services import ledger
from jifen.services.ledger import Adjust, CaptureHold, PlaceHold, Receipt, ReleaseHold, Reverse

router = APIRouter(prefix="/v1", tags=["ledger"])
CREATED = status.HTTP_201_CREATED


def _out(receipt: Receipt, response: Response) -> ReceiptOut:
    replayed_header(response, receipt.replayed)
    return ReceiptOut.model_validate(receipt)


@router.post(
    "/members/{external_id}/adjustments",
    status_code=CREATED,
    response_model=ReceiptOut,
    summary="Credit or debit points by hand: an internal reason, a note for the member",
)
def adjust(
    external_id: str,
    body: AdjustmentIn,
    caller: LedgerWrite,
    key: IdempotencyKey,
    response: Response,
) -> ReceiptOut:
    cmd = Adjust(
        external_id,
        body.points,
        body.reason,
        caller.principal.actor,
        body.expires_at,
        body.note,
    )
    receipt = ledger.adjust(caller.jf.uow(), caller.jf.clock, caller.program, cmd, key or "")
    return _out(receipt, response)


@router.post(
    "/members/{external_id}/holds",
    status_code=CREATED,
    response_model=ReceiptOut,
    summary="Reserve points for a later capture",
)
def place_hold(
    external_id: str, body: HoldIn, caller: LedgerWrite, key: IdempotencyKey, response: Response
) -> ReceiptOut:
    cmd = PlaceHold(external_id, body.points, body.ttl_seconds, body.reference)
    receipt = ledger.place_hold(caller.jf.uow(), caller.jf.clock, caller.program, cmd, key or "")
    return _out(receipt, response)


@router.post(
    "/holds/{hold_id}/capture",
    response_model=ReceiptOut,
    summary="Spend held points (all, or part and release the rest)",
)
def capture_hold(
    hold_id: RowId,
    caller: LedgerWrite,
    key: IdempotencyKey,
    response: Response,
    body: CaptureIn | None = None,
) -> ReceiptOut:
    cmd = CaptureHold(hold_id, body.points if body else None)
    receipt = ledger.capture_hold(caller.jf.uow(), caller.jf.clock, caller.program, cmd, key or "")
    return _out(receipt, response)


@router.post("/holds/{hold_id}/release", response_model=ReceiptOut, summary="Give held points back")
def release_hold(
    hold_id: RowId, caller: LedgerWrite, key: IdempotencyKey, response: Response
) -> ReceiptOut:
    receipt = ledger.release_hold(
        caller.jf.uow(), caller.jf.clock, caller.program, ReleaseHold(hold_id), key or ""
    )
    return _out(receipt, response)


@router.post(
    "/entries/{entry_id}/reversals",
    status_code=CREATED,
    response_model=ReceiptOut,
    summary="Reverse all or part of a credit or a debit",
)
def reverse(
    entry_id: RowId,
    caller: LedgerWrite,
    key: IdempotencyKey,
    response: Response,
    body: ReversalIn | None = None,
) -> ReceiptOut:
    cmd = Reverse(
        entry_id,
        body.points if body else None,
        body.reason if body else None,
        caller.principal.actor,
    )
    receipt = ledger.reverse(caller.jf.uow(), caller.jf.clock, caller.program, cmd, key or "")
    return _out(receipt, response)
