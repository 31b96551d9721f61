"""Evidence tables (migration 0013). Times are integer microseconds since the Unix epoch, UTC.

Holds stay in ``holds`` (video/holds.py, which retention consults); a case links to its holds
through ``evidence_case_holds`` so the hold table and its users are unchanged.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citywatch.store.models import Base

__all__ = ["CaseHold", "Delivery", "Disclosure", "EvidenceCase", "Exhibit", "ExportJob"]


class EvidenceCase(Base):
    """An investigation footage is kept for: a crime or CAD reference, an owner and a review date."""

    __tablename__ = "evidence_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(200), index=True)  # crime or CAD reference
    title: Mapped[str] = mapped_column(String(300), default="")
    owner: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    review_us: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class CaseHold(Base):
    __tablename__ = "evidence_case_holds"

    hold_id: Mapped[int] = mapped_column(ForeignKey("holds.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("evidence_cases.id", ondelete="RESTRICT"), index=True)
    source: Mapped[str] = mapped_column(String(32), default="timeline")  # timeline | alarm | tracking
    source_ref: Mapped[str] = mapped_column(String(200), default="")


class ExportJob(Base):
    """One export bundle: the request, its progress while it runs, and where the bundle lies."""

    __tablename__ = "evidence_exports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_cases.id", ondelete="RESTRICT"))
    camera_ids: Mapped[str] = mapped_column(Text)  # JSON list
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    justification: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    created_us: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    bundle_dir: Mapped[str] = mapped_column(String(1000), default="")
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="")
    finished_us: Mapped[int | None] = mapped_column(BigInteger)


class Exhibit(Base):
    """A file produced as evidence: a master (stream copy) or a derivative of one (``derived_from``)."""

    __tablename__ = "evidence_exhibits"
    __table_args__ = (Index("ix_evidence_exhibits_export", "export_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    export_id: Mapped[str] = mapped_column(ForeignKey("evidence_exports.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))  # master | working_copy
    camera_id: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(1000))  # relative to the bundle directory
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    derived_from: Mapped[str | None] = mapped_column(String(64))  # the master's SHA-256
    steps: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of what was applied
    created_by: Mapped[str] = mapped_column(String(200))
    created_us: Mapped[int] = mapped_column(BigInteger)


class Delivery(Base):
    """An expiring download link for one named recipient; only the token's SHA-256 is stored."""

    __tablename__ = "evidence_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    export_id: Mapped[str] = mapped_column(ForeignKey("evidence_exports.id", ondelete="RESTRICT"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    recipient: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_us: Mapped[int] = mapped_column(BigInteger)
    expires_us: Mapped[int] = mapped_column(BigInteger)
    downloads: Mapped[int] = mapped_column(Integer, default=0)


class Disclosure(Base):
    """The disclosure log (DPA 2018 s.62): what went to whom, when, why."""

    __tablename__ = "evidence_disclosures"
    __table_args__ = (Index("ix_evidence_disclosures_at", "disclosed_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    export_id: Mapped[str] = mapped_column(ForeignKey("evidence_exports.id", ondelete="RESTRICT"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_deliveries.id", ondelete="RESTRICT"))
    recipient: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    disclosed_by: Mapped[str] = mapped_column(String(200))
    disclosed_us: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(200), default="")
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="")
