"""Error responses that name the offending field; malformed input never becomes a 500."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hafeniq_chain.log import get_logger

log = get_logger(__name__)
M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M], raw: bytes) -> M:
    """``raw`` validated as ``model`` straight from JSON bytes; a failure is reported like
    FastAPI's own body validation (400 for malformed JSON, else 422 naming the field)."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in exc.errors(include_url=False)]) from None


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "<body>"


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid")}
              for e in exc.errors()]
    bad_json = any(e.get("type") == "json_invalid" for e in exc.errors())
    status = 400 if bad_json else 422
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    log.info("api.request_rejected", path=request.url.path, status=status, reason=message)
    return JSONResponse({"error": "invalid_json" if bad_json else "validation_error",
                         "message": message, "errors": errors}, status_code=status)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code >= 400:
        log.info("api.request_rejected", path=request.url.path, status=exc.status_code,
                 reason=str(exc.detail))
    return JSONResponse({"error": "http_error", "message": str(exc.detail)},
                        status_code=exc.status_code, headers=getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
