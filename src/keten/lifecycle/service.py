"""The lifecycle domain's public face: capture and query of EPCIS events, capture jobs, and who a
caller is (a keten user or an exchange partner with its granted machines)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.exchange import service as exchange
from keten.exchange.models import ExchangePartner
from keten.lifecycle import capture, history
from keten.lifecycle.capture import CAPTURE_LIMIT, Caller, Captured
from keten.lifecycle.circularity import product_circularity
from keten.lifecycle.history import MachineSummary, Timeline, machines, returns, timeline
from keten.lifecycle.models import CaptureJob
from keten.lifecycle.query import QUERY_PARAMETERS, EventPage, get_event, query_events
from keten.passports import service as passports
from keten.problems import Problem

__all__ = [
    "CAPTURE_LIMIT",
    "QUERY_PARAMETERS",
    "Caller",
    "Captured",
    "EventPage",
    "MachineSummary",
    "Timeline",
    "capture_document",
    "capture_event",
    "capture_job",
    "get_event",
    "list_capture_jobs",
    "machines",
    "partner_caller",
    "product_circularity",
    "query_events",
    "returns",
    "timeline",
]


def capture_document(
    session: Session, *, document: Any, caller: Caller, error_behaviour: str = "rollback"
) -> Captured:
    """Return the capture of an EPCISDocument (all its events or none), after which the passport
    of every machine its new events name follows what they say."""
    result = capture.capture_document(
        session, document=document, caller=caller, error_behaviour=error_behaviour
    )
    history.follow(session, machines=result.machines, username=caller.username or caller.partner_code)
    return result


def capture_event(session: Session, *, event: Any, caller: Caller) -> Captured:
    """Return the capture of one event sent on its own; the passports it touches follow it."""
    result = capture.capture_event(session, event=event, caller=caller)
    history.follow(session, machines=result.machines, username=caller.username or caller.partner_code)
    return result


def partner_caller(session: Session, *, partner: ExchangePartner) -> Caller:
    """Return ``partner`` as a caller who sees the machines of the products its grants cover now."""
    numbers = exchange.granted_part_numbers(session, partner=partner)
    return Caller(
        partner_code=partner.code, gtins=frozenset(passports.gtins_of(session, part_numbers=numbers))
    )


def _job_read(job: CaptureJob) -> dict[str, Any]:
    return {
        "captureID": job.id,
        "createdAt": job.created_at,
        "finishedAt": job.finished_at,
        "running": job.running,
        "success": job.success,
        "captureErrorBehaviour": job.error_behaviour,
        "errors": job.errors,
        "eventCount": job.event_count,
        "storedCount": job.stored_count,
    }


def capture_job(session: Session, *, capture_id: str, caller: Caller) -> dict[str, Any]:
    """Return the capture job document of ``capture_id`` (a partner sees its own jobs only)."""
    job = session.get(CaptureJob, capture_id)
    if job is None or (caller.partner_code is not None and job.partner_code != caller.partner_code):
        raise Problem(
            404,
            "Capture job not found",
            f"no capture job {capture_id}",
            type_="epcisException:NoSuchResourceException",
        )
    return _job_read(job)


def list_capture_jobs(session: Session, *, caller: Caller, limit: int, offset: int) -> list[dict[str, Any]]:
    """Return the caller's capture jobs (every job for a keten user), newest first."""
    statement = select(CaptureJob).order_by(CaptureJob.created_at.desc(), CaptureJob.id)
    if caller.partner_code is not None:
        statement = statement.where(CaptureJob.partner_code == caller.partner_code)
    return [_job_read(j) for j in session.scalars(statement.limit(limit).offset(offset))]
