"""Domain errors → HTTP answers, in one place. Every error body is ``{"detail": "<what to do>"}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from citywatch.access.errors import (
    AccessError,
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from citywatch.ptz.errors import PtzBusy, PtzError, PtzNotFound, PtzUnavailable, PtzUnsupported
from citywatch.video.cameras import CameraError, CameraNotFound
from citywatch.video.holds import HoldError, HoldNotFound
from citywatch.video.playback_errors import BadTimeRange, LiveUnavailable, NoFootage, PlaybackError, RecordingMissing

__all__ = ["STATUS_BY_ERROR", "install_error_handlers", "status_for"]

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (AuthenticationRequired, 401),
    (PermissionDenied, 403),
    (TooManyAttempts, 429),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
    (CameraNotFound, 404),
    (HoldNotFound, 404),
    (NoFootage, 404),
    (RecordingMissing, 404),
    (CameraError, 422),
    (HoldError, 422),
    (BadTimeRange, 400),
    (LiveUnavailable, 503),
    (PlaybackError, 500),
    (PtzBusy, 409),
    (PtzNotFound, 404),
    (PtzUnsupported, 422),
    (PtzUnavailable, 503),
    (PtzError, 422),
)


def status_for(exc: Exception) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            return status
    return 500


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "the request is not valid"


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        status = status_for(exc)
        if status == 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, AccessError):
            body["code"] = exc.code
        if isinstance(exc, TooManyAttempts):
            headers["Retry-After"] = str(exc.retry_after_s)
        return JSONResponse(body, status_code=status, headers=headers or None)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    for kind, _status in STATUS_BY_ERROR:
        app.add_exception_handler(kind, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
