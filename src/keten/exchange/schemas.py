"""Shapes of the exchange: the management API's partners, grants, access log and requests, the
PACT error codes with their HTTP statuses, and the event types of both PACT versions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from keten.timestamps import UtcDateTime

__all__ = [
    "EVENT_TYPES",
    "PACT_ERRORS",
    "AccessEntryRead",
    "GrantCreate",
    "GrantRead",
    "OutboxAttemptRead",
    "OutboxEntryRead",
    "PartnerCreate",
    "PartnerCreated",
    "PartnerRead",
    "PartnerRemote",
    "PublishedRead",
    "PullReport",
    "RequestCreate",
    "RequestFulfil",
    "RequestRead",
    "RequestReject",
]

PACT_ERRORS: dict[str, dict[str, int]] = {
    "2": {
        "AccessDenied": 403,
        "BadRequest": 400,
        "NoSuchFootprint": 404,
        "NotImplemented": 400,
        "TokenExpired": 401,
        "InternalError": 500,
    },
    "3": {
        "AccessDenied": 403,
        "BadRequest": 400,
        "NotFound": 404,
        "NotImplemented": 400,
        "TokenExpired": 401,
        "InternalError": 500,
    },
}
"""Error code → HTTP status per major version of the PACT Technical Specifications."""

EVENT_TYPES: dict[str, dict[str, str]] = {
    "2": {
        "created": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
        "fulfilled": "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
        "rejected": "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
        "published": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
    },
    "3": {
        "created": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "fulfilled": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
        "rejected": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
        "published": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
    },
}
"""CloudEvents ``type`` of each PACT event per major version."""

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")


class PartnerBase(BaseModel):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    organization: str | None = Field(default=None, description="Code of the partner's organization.")


class PartnerRemote(BaseModel):
    """Where and how this node calls the partner's own PACT API."""

    base_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    client_id: str | None = Field(default=None, max_length=200)
    client_secret: str | None = Field(default=None, max_length=500)
    pact_version: Literal["2", "3"] = "2"


class PartnerCreate(PartnerBase):
    remote: PartnerRemote | None = None


class PartnerRead(PartnerBase):
    model_config = ConfigDict(from_attributes=True)

    client_id: str
    secret_set_at: UtcDateTime
    revoked_at: UtcDateTime | None
    created_at: UtcDateTime
    base_url: str | None
    pact_version: str


class PartnerCreated(PartnerRead):
    client_secret: str = Field(description="Shown once: only its hash is kept.")


class GrantCreate(BaseModel):
    partner: str = Code
    part_number: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64, description="A product group.")
    purpose: str = Field(min_length=1, max_length=200)
    expires_at: UtcDateTime | None = None


class GrantRead(BaseModel):
    id: int
    partner: str
    part_number: str | None
    category: str | None
    purpose: str
    expires_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    created_at: UtcDateTime
    created_by: str | None
    active: bool


class AccessEntryRead(BaseModel):
    at: UtcDateTime
    partner: str | None
    action: str
    target: str
    status: int
    ip: str | None


class OutboxAttemptRead(BaseModel):
    at: UtcDateTime
    status: int | None = Field(description="The partner's HTTP status; null when no answer came.")
    error: str
    worker: str


class OutboxEntryRead(BaseModel):
    """An event for a partner, or a fetch an incoming Published event asked for, with its attempts."""

    id: int
    kind: Literal["published", "created", "fulfilled", "rejected", "fetch"]
    event_id: str = Field(description="The CloudEvents id, the same on every attempt.")
    partner: str
    pact_version: str
    status: Literal["pending", "delivering", "delivered", "failed", "cancelled"]
    attempts: int
    next_attempt_at: UtcDateTime | None
    last_status: int | None
    last_error: str
    created_at: UtcDateTime
    finished_at: UtcDateTime | None
    footprint_ids: list[str]
    recent_attempts: list[OutboxAttemptRead] = Field(description="The latest attempts, newest first.")


class PublishedRead(BaseModel):
    id: str
    part_number: str
    version: int
    status: str
    created_at: UtcDateTime
    valid_from: UtcDateTime
    valid_to: UtcDateTime
    product_ids: list[str]


class RequestCreate(BaseModel):
    partner: str = Code
    part_number: str = Field(min_length=1, max_length=64)
    comment: str = Field(default="", max_length=1000)


class RequestFulfil(BaseModel):
    part_number: str = Field(min_length=1, max_length=64)


class RequestReject(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class RequestRead(BaseModel):
    id: int
    direction: str
    partner: str
    event_id: str
    product_ids: list[str]
    comment: str
    status: str
    reason: str
    footprint_ids: list[str]
    created_at: UtcDateTime
    answered_at: UtcDateTime | None


class PullReport(BaseModel):
    partner: str
    fetched: int
    stored: list[str] = Field(description="Part numbers that got a supplier PCF.")
    unmatched: list[str] = Field(description="Footprint ids whose product ids match no part.")
    invalid: list[str] = Field(description="Footprint ids that failed the schema, with the reason.")
    failures: list[str] = Field(description="Calls that failed after their retries.")
    recalculated: list[str] = Field(description="Part numbers whose footprint was calculated again.")
