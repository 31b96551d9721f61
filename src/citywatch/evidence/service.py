"""The evidence use cases the API and the command line call: cases, holds, exports, deliveries, keys.

Exports run on a small thread pool (the work is file I/O and hashing, which release the GIL);
progress is kept in memory for polling and written to the job row at most twice a second, so a
restart shows how far a job got and marks it interrupted. Bundles live under
``data_dir/evidence/exports/<id>/``; the zip for download is produced while it is sent, never stored.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from citywatch.evidence.bundle import BundleResult, Exporter, ExportRequest, build_bundle
from citywatch.evidence.cases import CaseService
from citywatch.evidence.derive import Redaction
from citywatch.evidence.errors import DeliveryRefused, EvidenceError, EvidenceNotFound, ExportNotReady
from citywatch.evidence.footage import FootageSource
from citywatch.evidence.keys import KeyRing, PublicKeyInfo
from citywatch.evidence.models import Delivery, Disclosure, Exhibit, ExportJob
from citywatch.evidence.working_copy import MasterRef, build_working_copy_bundle
from citywatch.evidence.zipstream import CrcStore, ZipLayout
from citywatch.timeutil import from_us, iso, now_us
from citywatch.video.holds import HoldService

__all__ = ["DeliveryLink", "EvidenceService", "ExportSpec"]

log = logging.getLogger(__name__)
_MAX_LINK_S = 30 * 86_400
Builder = Callable[..., BundleResult]  # (request, keys=, folder=) → the sealed bundle


@dataclass(frozen=True, slots=True)
class ExportSpec:
    camera_ids: list[int]
    start_us: int
    end_us: int
    justification: str
    reference: str = ""
    case_id: int | None = None
    working_copy: bool = False
    redactions: tuple[Redaction, ...] = ()


@dataclass(frozen=True, slots=True)
class DeliveryLink:
    token: str  # shown once; only its SHA-256 is stored
    delivery: Delivery


def _log_failure(future: Future[None]) -> None:
    exc = future.exception()
    if exc is not None and not isinstance(exc, (EvidenceError, ExportNotReady)):
        log.error("export failed: %s", exc)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class EvidenceService:
    def __init__(self, engine: Engine, sessions: sessionmaker[Session], data_dir: Path, *, workers: int = 2) -> None:
        self._sessions = sessions
        self._source = FootageSource(engine, sessions)
        self._root = data_dir / "evidence"
        self.keys = KeyRing(self._root / "keys")
        self.cases = CaseService(sessions, HoldService(sessions))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="evidence-export")
        self._progress: dict[str, float] = {}
        self._zip_lock = threading.Lock()
        self._crcs: dict[str, CrcStore] = {}
        with sessions.begin() as session:  # jobs a stopped process left behind
            session.execute(
                update(ExportJob)
                .where(ExportJob.state.in_(["queued", "running"]))
                .values(state="failed", error="interrupted by a restart; start the export again")
            )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    # Exports ---------------------------------------------------------------------------------

    def _request(self, job_id: str, spec: ExportSpec, exporter: Exporter) -> ExportRequest:
        case: dict[str, Any] | None = None
        reference = spec.reference
        if spec.case_id is not None:
            view = self.cases.get(spec.case_id)
            case = {"id": view.case.id, "reference": view.case.reference, "title": view.case.title,
                    "owner": view.case.owner}  # fmt: skip
            reference = reference or view.case.reference
        return ExportRequest(
            job_id, list(spec.camera_ids), spec.start_us, spec.end_us, spec.justification, exporter,
            reference=reference, case=case, working_copy=spec.working_copy, redactions=list(spec.redactions),
        )  # fmt: skip

    def create_export(self, spec: ExportSpec, exporter: Exporter) -> ExportJob:
        """Queue an export; returns the job at once (poll ``export`` for progress)."""
        job = self._new_job(spec, exporter)
        self._progress[job.id] = 0.0
        future: Future[None] = self._pool.submit(self._run, self._request(job.id, spec, exporter))
        future.add_done_callback(_log_failure)
        return job

    def run_export(
        self, spec: ExportSpec, exporter: Exporter, progress: Callable[[int, int], None] | None = None
    ) -> ExportJob:
        """Export in the calling thread (the command line), with a progress callback."""
        job = self._new_job(spec, exporter)
        self._run(self._request(job.id, spec, exporter), progress)
        return self.export(job.id)

    def _new_job(self, spec: ExportSpec, exporter: Exporter) -> ExportJob:
        job_id = str(uuid.uuid4())
        req = self._request(job_id, spec, exporter)
        req.check()
        for camera_id in req.camera_ids:
            self._source.camera(camera_id)
        job = ExportJob(
            id=job_id, case_id=spec.case_id, camera_ids=json.dumps(req.camera_ids), start_us=req.start_us,
            end_us=req.end_us, justification=req.justification.strip(), reference=req.reference,
            created_by=exporter.username, organisation=exporter.organisation, created_us=now_us(), state="queued",
            progress=0.0, bytes_total=0, error="", bundle_dir="", manifest_sha256="",
        )  # fmt: skip
        with self._sessions.begin() as session:
            session.add(job)
        return job

    def create_working_copy(
        self, export_id: str, exhibit_id: str, justification: str, redactions: tuple[Redaction, ...], by: Exporter
    ) -> tuple[ExportJob, Exhibit]:
        """Queue a working copy of one master of a finished export, as a new export (bundle) of its own.

        Returns the new job at once, and the master it derives from (for the caller's checks and audit).
        """
        source = self.export(export_id)
        master = next((e for e in self.exhibits(export_id) if e.id == exhibit_id), None)
        if master is None:
            raise EvidenceNotFound(f"export {export_id} has no exhibit {exhibit_id}")
        if master.kind != "master":
            raise EvidenceError(f"exhibit {exhibit_id} is a {master.kind}; derive working copies from a master")
        if source.state != "done":
            raise ExportNotReady(f"export {export_id} is {source.state}; derive from it when it is done")
        spec = ExportSpec([master.camera_id], master.start_us, master.end_us, justification, source.reference,
                          source.case_id, working_copy=True, redactions=redactions)  # fmt: skip
        job = self._new_job(spec, by)
        req = self._request(job.id, spec, by)
        ref = MasterRef(export_id, Path(source.bundle_dir), master.path, master.sha256)
        self._progress[job.id] = 0.0
        build = functools.partial(build_working_copy_bundle, master=ref)
        future: Future[None] = self._pool.submit(self._run, req, None, build)
        future.add_done_callback(_log_failure)
        return job, master

    def _run(
        self, req: ExportRequest, progress: Callable[[int, int], None] | None = None, build: Builder | None = None
    ) -> None:
        folder = self._root / "exports" / req.export_id
        last_write = [0.0]

        def on_progress(done: int, total: int) -> None:
            fraction = min(done / total, 0.999) if total else 0.0
            self._progress[req.export_id] = fraction
            if progress is not None:
                progress(done, total)
            if time.monotonic() - last_write[0] > 0.5:
                last_write[0] = time.monotonic()
                self._set(req.export_id, state="running", progress=fraction, bytes_total=total)

        self._set(req.export_id, state="running")
        try:
            if build is None:
                result = build_bundle(req, self._source, self.keys, folder, on_progress)
            else:
                result = build(req, keys=self.keys, folder=folder)
        except Exception as exc:
            log.warning("export %s failed: %s", req.export_id, exc)
            shutil.rmtree(folder, ignore_errors=True)
            self._set(req.export_id, state="failed", error=str(exc), finished_us=now_us())
            self._progress.pop(req.export_id, None)
            raise
        self._record(req, result)
        self._progress.pop(req.export_id, None)

    def _set(self, job_id: str, **values: Any) -> None:
        with self._sessions.begin() as session:
            session.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))

    def _record(self, req: ExportRequest, result: BundleResult) -> None:
        now = now_us()
        with self._sessions.begin() as session:
            for n, e in enumerate(result.exhibits, start=1):
                session.add(
                    Exhibit(
                        id=f"{req.export_id[:8]}-{n:03d}", export_id=req.export_id, kind=e.kind, camera_id=e.camera_id,
                        path=e.path, sha256=e.sha256, size_bytes=e.size_bytes, start_us=e.start_us, end_us=e.end_us,
                        derived_from=e.derived_from, steps=json.dumps(e.steps), created_by=req.exporter.username,
                        created_us=now,
                    )
                )  # fmt: skip
            session.execute(
                update(ExportJob)
                .where(ExportJob.id == req.export_id)
                .values(state="done", progress=1.0, bundle_dir=str(result.folder), finished_us=now,
                        manifest_sha256=result.manifest_sha256, bytes_total=result.bytes_written)
            )  # fmt: skip

    def export(self, job_id: str) -> ExportJob:
        with self._sessions() as session:
            job = session.get(ExportJob, job_id)
            if job is None:
                raise EvidenceNotFound(f"no export {job_id}")
        if job.state in ("queued", "running"):
            job.progress = self._progress.get(job_id, job.progress)
        return job

    def exports(self, limit: int = 200) -> list[ExportJob]:
        with self._sessions() as session:
            jobs = list(session.scalars(select(ExportJob).order_by(ExportJob.created_us.desc()).limit(limit)))
        for job in jobs:
            if job.state in ("queued", "running"):
                job.progress = self._progress.get(job.id, job.progress)
        return jobs

    def exhibits(self, job_id: str) -> list[Exhibit]:
        with self._sessions() as session:
            return list(session.scalars(select(Exhibit).where(Exhibit.export_id == job_id).order_by(Exhibit.id)))

    def exhibits_of(self, job_ids: list[str]) -> dict[str, list[Exhibit]]:
        """The exhibits of several exports in one query (the export list shows each job's files)."""
        out: dict[str, list[Exhibit]] = {}
        with self._sessions() as session:
            query = select(Exhibit).where(Exhibit.export_id.in_(job_ids)).order_by(Exhibit.id)
            for exhibit in session.scalars(query):
                out.setdefault(exhibit.export_id, []).append(exhibit)
        return out

    def bundle_stream(self, job_id: str) -> ZipLayout:
        """The bundle as one zip, laid out now and produced as it is read (docs/design/evidence.md, "Delivery")."""
        job = self.export(job_id)
        if job.state != "done":
            raise ExportNotReady(f"export {job_id} is {job.state}{': ' + job.error if job.error else ''}")
        folder = Path(job.bundle_dir)
        if not folder.is_dir():
            raise EvidenceNotFound(f"the bundle folder of export {job_id} is gone ({folder})")
        with self._zip_lock:
            crcs = self._crcs.get(job_id)
            if crcs is None:
                crcs = self._crcs[job_id] = CrcStore(folder.with_suffix(".crc32.json"))
                folder.with_suffix(".zip").unlink(missing_ok=True)  # a whole zip kept by earlier versions
        files = [(f"evidence-{job_id[:8]}/{p.relative_to(folder).as_posix()}", p)
                 for p in sorted(folder.rglob("*")) if p.is_file()]  # fmt: skip
        return ZipLayout(files, from_us(job.finished_us or job.created_us), crcs)

    # Deliveries and disclosures -----------------------------------------------------------

    def create_delivery(self, job_id: str, *, recipient: str, reason: str, expires_s: float, by: str) -> DeliveryLink:
        if not recipient.strip():
            raise EvidenceError("name the recipient (their user name): only they can use the link")
        if not reason.strip():
            raise EvidenceError("say why the bundle is disclosed (reason)")
        if not 0 < expires_s <= _MAX_LINK_S:
            raise EvidenceError("a link expires after between 1 second and 30 days")
        if self.export(job_id).state != "done":
            raise ExportNotReady(f"export {job_id} has not finished; share it when it is done")
        token = secrets.token_urlsafe(32)
        now = now_us()
        delivery = Delivery(
            export_id=job_id, token_sha256=_digest(token), recipient=recipient.strip(), reason=reason.strip(),
            created_by=by, created_us=now, expires_us=now + int(expires_s * 1e6), downloads=0,
        )  # fmt: skip
        with self._sessions.begin() as session:
            session.add(delivery)
        return DeliveryLink(token, delivery)

    def check_link(self, token: str, username: str) -> Delivery:
        """The delivery a link names, if it is still good and ``username`` is its recipient."""
        with self._sessions() as session:
            delivery = session.scalar(select(Delivery).where(Delivery.token_sha256 == _digest(token)))
        if delivery is None:
            raise DeliveryRefused("this delivery link is not valid; ask the sender for a new one")
        if delivery.expires_us <= now_us():
            raise DeliveryRefused(f"this delivery link expired at {iso(delivery.expires_us)}; ask for a new one")
        if delivery.recipient != username:
            raise DeliveryRefused("this delivery link was issued to another user; sign in as its recipient")
        return delivery

    def redeem(self, token: str, username: str, *, resume: bool = False) -> tuple[ZipLayout, Delivery]:
        """The recipient's download: checks the link, logs the disclosure, returns the zip.

        ``resume``: the request continues a download (a range not starting at byte 0); it is logged as a
        disclosure only if this link has none yet, so resuming does not multiply the log.
        """
        delivery = self.check_link(token, username)
        layout = self.bundle_stream(delivery.export_id)
        if not resume or not self._disclosed(delivery.export_id, delivery.recipient, delivery.id):
            self._disclose(delivery.export_id, delivery.recipient, delivery.reason, delivery.created_by, delivery.id)
            with self._sessions.begin() as session:
                session.execute(
                    update(Delivery).where(Delivery.id == delivery.id).values(downloads=Delivery.downloads + 1)
                )
        return layout, delivery

    def download(self, job_id: str, username: str, *, resume: bool = False) -> ZipLayout:
        """The exporter's own download, logged as a disclosure to them (a resumed one only if none is logged)."""
        layout = self.bundle_stream(job_id)
        if not resume or not self._disclosed(job_id, username, None):
            self._disclose(job_id, username, self.export(job_id).justification, username, None)
        return layout

    def _disclosed(self, job_id: str, recipient: str, delivery_id: int | None) -> bool:
        with self._sessions() as session:
            query = select(Disclosure.id).where(
                Disclosure.export_id == job_id,
                Disclosure.recipient == recipient,
                Disclosure.delivery_id == delivery_id if delivery_id is not None else Disclosure.delivery_id.is_(None),
            )
            return session.scalar(query.limit(1)) is not None

    def _disclose(self, job_id: str, recipient: str, reason: str, by: str, delivery_id: int | None) -> None:
        job = self.export(job_id)
        with self._sessions.begin() as session:
            session.add(
                Disclosure(
                    export_id=job_id, delivery_id=delivery_id, recipient=recipient, reason=reason, disclosed_by=by,
                    disclosed_us=now_us(), reference=job.reference, manifest_sha256=job.manifest_sha256,
                )
            )  # fmt: skip

    def disclosures(self, limit: int = 500) -> list[Disclosure]:
        with self._sessions() as session:
            query = select(Disclosure).order_by(Disclosure.disclosed_us.desc()).limit(limit)
            return list(session.scalars(query))

    def deliveries(self, job_id: str) -> list[Delivery]:
        with self._sessions() as session:
            return list(session.scalars(select(Delivery).where(Delivery.export_id == job_id)))

    # Keys ------------------------------------------------------------------------------------

    def public_keys(self) -> list[PublicKeyInfo]:
        keys = self.keys.public_keys()
        if not keys:
            self.keys.current()  # the installation's first key, so it can be published before any export
            keys = self.keys.public_keys()
        return keys
