"""Running the HTTP server."""

from __future__ import annotations

import uvicorn

from jifen.config import Settings


def run_server(
    settings: Settings, host: str | None = None, port: int | None = None, workers: int | None = None
) -> None:
    uvicorn.run(
        "jifen.entrypoints.api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level="info",
        access_log=False,
        server_header=False,  # no "server: uvicorn" banner
    )
