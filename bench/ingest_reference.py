"""The reference for ``POST /v1/events`` (issue 23, target 3): the web framework alone.

A minimal FastAPI app on the server Sendout runs on (uvicorn with uvloop and httptools, access
log off), answering ``POST /v1/events`` by parsing the same JSON body and answering a small
JSON, and ``GET /healthz``. Nothing else: no authentication, no database. bench/api_ingest.py
runs it beside Sendout in the same run; to run it by hand (from bench/)::

    python ingest_reference.py --port 8081 [--workers N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import orjson
import uvicorn
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.post("/v1/events")
async def track_event(request: Request) -> Response:
    body = orjson.loads(await request.body())
    answer = {
        "object": "event",
        "type": body["event"],
        "customer": {"object": "customer", "source_id": body["customer"]["source_id"]},
        "metadata": body.get("metadata") or {},
    }
    return Response(orjson.dumps(answer), media_type="application/json")


@app.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    uvicorn.run(
        "ingest_reference:app",
        app_dir=str(Path(__file__).resolve().parent),
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        server_header=False,
    )


if __name__ == "__main__":
    main()
