"""The bare endpoint: the HTTP ceiling for ``POST /v1/orders``, the reads and the claims.

The same FastAPI, the same request models and the same uvicorn configuration as
``jifen serve``, without the database: an order's body is parsed and validated
into the same ``OrderBody``, and the answer is a JSON of the same size as the
real one (read from ``JIFEN_BENCH_BARE_ANSWERS``, a JSON object of path to answer).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from jifen.entrypoints.api.earning_schemas import OrderBody
from jifen.entrypoints.api.routers.redemption import RedemptionIn

ANSWERS: dict[str, Any] = json.loads(
    Path(os.environ["JIFEN_BENCH_BARE_ANSWERS"]).read_text(encoding="utf-8")
)


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, object]:
        return {"ok": True}

    @app.post("/v1/orders", status_code=201)
    def order(body: OrderBody) -> JSONResponse:
        return JSONResponse(ANSWERS["order"], status_code=201)

    @app.post("/v1/redemptions", status_code=201)
    def redemption(body: RedemptionIn) -> JSONResponse:
        return JSONResponse(ANSWERS["redemption"], status_code=201)

    @app.get("/v1/members/{external_id}")
    def member(external_id: str) -> JSONResponse:
        return JSONResponse(ANSWERS["member"])

    @app.get("/v1/members/{external_id}/entries")
    def entries(external_id: str) -> JSONResponse:
        return JSONResponse(ANSWERS["entries"])

    return app
