"""The PACT client: this node calling a partner's PACT API.

:class:`PactClient` finds the token endpoint (OpenID discovery, else ``/auth/token``), gets and
refreshes tokens, follows ``Link: rel="next"`` pagination, and retries timeouts, 5xx and 429
answers with exponential backoff. The functions below it are what the CLI, API and pages call:
pull a supplier's footprints, ask a supplier for one, fulfil or reject a customer's request, and
fetch the footprints a supplier's Published event named, and tell granted customers what this
node published.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.exchange import service
from keten.exchange.models import ExchangePartner, FootprintRequest
from keten.problems import Problem
from keten.settings import Settings

__all__ = [
    "CallOptions",
    "Notified",
    "PactCallFailed",
    "PactClient",
    "client_for",
    "fetch_published",
    "fulfil",
    "notify_published",
    "pull",
    "reject",
    "send_request",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

log = logging.getLogger(__name__)


class PactCallFailed(Exception):
    """A call to a partner failed after its retries; the message says which call and why, and
    ``status`` is the partner's last HTTP status (None when no answer came)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class PactClient:
    """A partner's PACT API at ``base_url`` with our client credentials there."""

    base_url: str
    client_id: str
    client_secret: str
    version: str = "2"
    timeout_s: float = 10.0
    retries: int = 3
    backoff_s: float = 0.2
    transport: httpx.BaseTransport | None = None
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        verify: ssl.SSLContext | bool = True
        if self.ca_bundle:
            verify = ssl.create_default_context()
            verify.load_verify_locations(cafile=self.ca_bundle)
        self._http = httpx.Client(timeout=self.timeout_s, transport=self.transport, verify=verify)
        self._token: str | None = None
        self._token_endpoint: str | None = None

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> PactClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Return the answer, trying again after timeouts, lost connections, 5xx and 429."""
        last = ""
        status: int | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                last, status = f"{type(exc).__name__}: {exc}", None
                continue
            if response.status_code not in RETRY_STATUSES:
                return response
            last, status = f"HTTP {response.status_code}", response.status_code
        raise PactCallFailed(
            f"{method} {url} failed after {self.retries + 1} attempts ({last})", status=status
        )

    def token_endpoint(self) -> str:
        """Return the token endpoint: from OpenID discovery when the partner offers it."""
        if self._token_endpoint is None:
            endpoint = f"{self.base_url}/auth/token"
            try:
                found = self._http.get(f"{self.base_url}/.well-known/openid-configuration")
                if found.status_code == 200:
                    endpoint = str(found.json().get("token_endpoint") or endpoint)
            except (httpx.TransportError, ValueError):
                pass
            self._token_endpoint = endpoint
        return self._token_endpoint

    def token(self, *, refresh: bool = False) -> str:
        """Return an access token, asking for a new one when ``refresh`` or none is held."""
        if self._token is None or refresh:
            response = self._send(
                "POST",
                self.token_endpoint(),
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
            )
            if response.status_code != 200:
                raise PactCallFailed(
                    f"token: HTTP {response.status_code} {response.text[:200]}", status=response.status_code
                )
            try:
                self._token = str(response.json()["access_token"])
            except (ValueError, KeyError, TypeError):
                raise PactCallFailed("token: the answer holds no access_token") from None
        return self._token

    def _authorized(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Return the answer to a call with the token, asking for a new token once if it expired."""
        sent = {**(headers or {}), "Authorization": f"Bearer {self.token()}"}
        response = self._send(method, url, headers=sent, **kwargs)
        if response.status_code == 401:
            sent["Authorization"] = f"Bearer {self.token(refresh=True)}"
            response = self._send(method, url, headers=sent, **kwargs)
        return response

    def pages(self, *, limit: int = 100, params: dict[str, Any] | None = None) -> Iterator[list[Any]]:
        """Yield the pages of ListFootprints, following the Link header until there is no next."""
        url: str | None = f"{self.base_url}/{self.version}/footprints"
        query: dict[str, Any] | None = {"limit": limit, **(params or {})}
        seen = 0
        while url is not None:
            response = self._authorized("GET", url, params=query)
            if response.status_code not in (200, 202):
                raise PactCallFailed(f"GET {url}: HTTP {response.status_code} {response.text[:200]}")
            data = response.json().get("data")
            if not isinstance(data, list):
                raise PactCallFailed(f"GET {url}: the answer has no data list")
            yield data
            seen += 1
            following = response.links.get("next", {}).get("url")
            url, query = (str(following), None) if following and seen < 10_000 else (None, None)

    def footprint(self, pf_id: str) -> Any:
        """Return one footprint (GetFootprint)."""
        url = f"{self.base_url}/{self.version}/footprints/{pf_id}"
        response = self._authorized("GET", url)
        if response.status_code != 200:
            raise PactCallFailed(f"GET {url}: HTTP {response.status_code} {response.text[:200]}")
        try:
            return response.json()["data"]
        except (ValueError, KeyError, TypeError):
            raise PactCallFailed(f"GET {url}: the answer has no data object") from None

    def post_event(self, event: dict[str, Any]) -> None:
        """Send a CloudEvent to the partner's events endpoint."""
        url = f"{self.base_url}/{self.version}/events"
        response = self._authorized(
            "POST",
            url,
            content=json.dumps(event).encode(),
            headers={"Content-Type": "application/cloudevents+json; charset=UTF-8"},
        )
        if response.status_code != 200:
            raise PactCallFailed(
                f"POST {url}: HTTP {response.status_code} {response.text[:200]}", status=response.status_code
            )


@dataclass(frozen=True)
class CallOptions:
    """How the client calls partners: timeout, retries, trusted CAs, and a transport for tests."""

    timeout_s: float = 10.0
    retries: int = 3
    ca_bundle: str | None = None
    transport: httpx.BaseTransport | None = None

    @classmethod
    def of(cls, settings: Settings) -> CallOptions:
        """Return the options the node's settings give."""
        return cls(settings.pact_timeout_seconds, settings.pact_retries, settings.pact_ca_bundle)


def client_for(partner: ExchangePartner, options: CallOptions | None = None) -> PactClient:
    """Return a client of the partner's PACT API; a 422 problem if it has no base URL or credentials."""
    options = options or CallOptions()
    if not (partner.base_url and partner.remote_client_id and partner.remote_client_secret):
        raise Problem(
            422,
            "Unprocessable Content",
            f"partner '{partner.code}' has no base URL and credentials of its PACT API; set them first",
        )
    return PactClient(
        base_url=partner.base_url,
        client_id=partner.remote_client_id,
        client_secret=partner.remote_client_secret,
        version=partner.pact_version,
        timeout_s=options.timeout_s,
        retries=options.retries,
        transport=options.transport,
        ca_bundle=options.ca_bundle,
    )


def pull(
    session: Session,
    *,
    partner_code: str,
    options: CallOptions | None = None,
) -> service.PullResult:
    """Return what pulling every footprint of a supplier did: fetched, stored, unmatched, invalid,
    failed, recalculated. A call that fails ends the pull with what was stored so far kept."""
    partner = service.get_partner(session, code=partner_code)
    result = service.PullResult(partner=partner.code)
    documents: list[Any] = []
    with client_for(partner, options) as client:
        try:
            for page in client.pages():
                documents.extend(page)
        except PactCallFailed as exc:
            result.failures.append(str(exc))
    result.fetched = len(documents)
    return service.import_footprints(
        session, partner=partner, documents=documents, version=partner.pact_version, result=result
    )


def _get_each(client: PactClient, pf_ids: Sequence[str], result: service.PullResult) -> list[Any]:
    """Return the footprints GetFootprint gives for ``pf_ids``; a call that fails is reported in
    ``result`` and the others are still fetched, unless no token is given at all."""
    documents: list[Any] = []
    try:
        client.token()
    except PactCallFailed as exc:
        result.failures.append(str(exc))
        return documents
    for pf_id in pf_ids[: service.MAX_FETCHED]:
        try:
            documents.append(client.footprint(pf_id))
        except PactCallFailed as exc:
            result.failures.append(str(exc))
    if len(pf_ids) > service.MAX_FETCHED:
        result.failures.append(
            f"only the first {service.MAX_FETCHED} of {len(pf_ids)} footprints were fetched; "
            f"pull the others with: keten exchange pull {result.partner}"
        )
    return documents


def fetch_published(
    session_factory: Callable[[], Session],
    *,
    partner_id: int,
    pf_ids: Sequence[str],
    options: CallOptions | None = None,
) -> service.PullResult | None:
    """Return what fetching the footprints a supplier's Published event named did (None when the
    partner is gone), after storing them as primary data and recalculating, as a pull does.

    This runs as a job after the event's answer, with a session of its own: no transaction is
    open while the supplier is called, and the import is one transaction, committed here. Its
    outcome, failures included, is an access-log entry of the partner (``FETCH_ACTION``), with
    status 200 when every call succeeded, 502 when a call to the supplier failed and 500 when
    the import failed (then nothing is stored).
    """
    with session_factory() as session:
        partner = session.get(ExchangePartner, partner_id)
        if partner is None:
            return None
        result = service.PullResult(partner=partner.code)
        status = 200
        if not service.has_remote(partner):
            # The owner removed the remote between the event and this job.
            result.failures.append("not fetched: no remote configured")
        else:
            try:
                client = client_for(partner, options)
                # End the read before the network calls: no transaction waits on the supplier.
                session.commit()
                with client:
                    documents = _get_each(client, pf_ids, result)
                result.fetched = len(documents)
                service.import_footprints(
                    session, partner=partner, documents=documents, version=partner.pact_version, result=result
                )
                session.commit()
                if result.failures:
                    status = 502
            except Exception as exc:
                session.rollback()
                log.exception("storing the footprints partner %s published failed", result.partner)
                result = service.PullResult(
                    partner=result.partner,
                    fetched=result.fetched,
                    failures=[*result.failures, f"nothing was stored: {type(exc).__name__}: {exc}"[:300]],
                )
                status = 500
        if result.failures:
            log.warning("footprints partner %s published: %s", result.partner, "; ".join(result.failures))
        service.log_access(
            session,
            partner=partner,
            action=service.FETCH_ACTION,
            target=service.pull_summary(result, asked=len(pf_ids)),
            status=status,
        )
        return result


@dataclass(frozen=True)
class Notified:
    """What telling one partner of published footprints did. ``status`` is 200 when its events
    endpoint took the Published event, the partner's failing status (502 when no answer came,
    500 when this node failed), and None when nothing was sent; ``detail`` says why not."""

    partner: str
    pf_ids: tuple[str, ...]
    status: int | None
    detail: str = ""


def _ids_text(pf_ids: Sequence[str]) -> str:
    count = f"{len(pf_ids)} footprint{'s' if len(pf_ids) != 1 else ''}"
    return f"{count}: {', '.join(pf_ids)}"


def notify_published(
    session_factory: Callable[[], Session],
    *,
    pf_ids: Sequence[str],
    source: str,
    options: CallOptions | None = None,
    progress: Callable[[Notified], None] | None = None,
) -> list[Notified]:
    """Return what sending the Published event of ``pf_ids`` did, one entry per partner whose
    active grant covers at least one of them (``service.partners_to_notify``), by partner code.

    Each such partner gets one event of its PACT version naming every id it may read, at its
    events endpoint, with the client's token handling, timeouts and retries. This runs after the
    publishing transaction is committed, with a session of its own that is closed before any
    partner is called. Every attempt is an access-log entry of the partner (``NOTIFY_ACTION``,
    its status as in :class:`Notified`); a partner without a remote PACT API is not called and
    gets an ``UNNOTIFIED_ACTION`` entry. One partner failing does not stop the others.
    """
    with session_factory() as session:
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        # Closing the session (not committing) keeps the partners' loaded columns readable.
        plan = service.partners_to_notify(session, pf_ids=pf_ids)
    done: list[Notified] = []
    for partner, ids in plan:
        if not service.has_remote(partner):
            outcome = Notified(partner.code, tuple(ids), None, "no remote configured")
            service.record_access(
                engine,
                partner_id=partner.id,
                action=service.UNNOTIFIED_ACTION,
                target=f"{partner.code} not notified: no remote configured; {_ids_text(ids)}",
                status=200,
                ip=None,
            )
        else:
            event = service.make_event(partner.pact_version, "published", {"pfIds": ids}, source=source)
            try:
                with client_for(partner, options) as pact:
                    pact.post_event(event)
                outcome = Notified(partner.code, tuple(ids), 200)
            except PactCallFailed as exc:
                outcome = Notified(partner.code, tuple(ids), exc.status or 502, str(exc))
            except Exception as exc:
                log.exception("sending partner %s the Published event failed", partner.code)
                outcome = Notified(partner.code, tuple(ids), 500, f"{type(exc).__name__}: {exc}")
            if outcome.status == 200:
                target = f"to {partner.code}, {_ids_text(ids)}"
            else:
                log.warning("partner %s was not told of %s: %s", partner.code, ", ".join(ids), outcome.detail)
                target = f"to {partner.code} failed: {outcome.detail[:200]}; {_ids_text(ids)}"
            service.record_access(
                engine,
                partner_id=partner.id,
                action=service.NOTIFY_ACTION,
                target=target,
                status=outcome.status or 502,
                ip=None,
            )
        done.append(outcome)
        if progress is not None:
            progress(outcome)
    return done


def send_request(
    session: Session,
    *,
    partner_code: str,
    part_number: str,
    comment: str = "",
    source: str,
    options: CallOptions | None = None,
) -> FootprintRequest:
    """Return a new outgoing request, after sending its RequestCreated event to the supplier."""
    partner = service.get_partner(session, code=partner_code)
    part = session.scalars(select(Part).where(Part.part_number == part_number)).first()
    if part is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    product_ids = [service.product_urn(part.part_number)]
    version = partner.pact_version
    data: dict[str, Any] = (
        {"pf": {"productIds": product_ids}, "comment": comment}
        if version == "2"
        else {"productId": product_ids, "comment": comment}
    )
    event = service.make_event(version, "created", data, source=source)
    _send_event(partner, event, "request", options)
    request = FootprintRequest(
        direction="outgoing",
        partner_id=partner.id,
        event_id=event["id"],
        pact_version=version,
        product_ids=product_ids,
        comment=comment,
        status="pending",
        footprint_ids=[],
    )
    session.add(request)
    session.flush()
    return request


def _send_event(
    partner: ExchangePartner, event: dict[str, Any], what: str, options: CallOptions | None
) -> None:
    """Send ``event`` to the partner's events endpoint; a 502 problem names the partner and ``what``
    it did not take (the request, the answer)."""
    with client_for(partner, options) as client:
        try:
            client.post_event(event)
        except PactCallFailed as exc:
            raise Problem(
                502, "Bad Gateway", f"partner '{partner.code}' did not take the {what}: {exc}"
            ) from None


def _incoming(session: Session, request_id: int) -> tuple[FootprintRequest, ExchangePartner]:
    request = service.get_request(session, request_id=request_id)
    if request.direction != "incoming":
        raise Problem(
            409, "Conflict", f"request {request_id} is one of ours; only incoming requests are answered"
        )
    if request.status != "pending":
        raise Problem(409, "Conflict", f"request {request_id} is {request.status} already")
    partner = session.get(ExchangePartner, request.partner_id)
    assert partner is not None
    return request, partner


def fulfil(
    session: Session,
    *,
    request_id: int,
    part_number: str,
    source: str,
    node_name: str = "keten",
    options: CallOptions | None = None,
) -> FootprintRequest:
    """Return the incoming request fulfilled with the part's footprint (published now if it is not):
    the requester is granted the part and, when its PACT API is configured, sent the
    RequestFulfilled event; without one it reads the footprint with its grant (the request says so)."""
    request, partner = _incoming(session, request_id)
    published = service.active_published(session, part_number=part_number)
    if published is None:
        published = service.publish(session, part_number=part_number, node_name=node_name)
    document = published.document_v2 if request.pact_version == "2" else published.document_v3
    event = service.make_event(
        request.pact_version,
        "fulfilled",
        {"requestEventId": request.event_id, "pfs": [json.loads(document)]},
        source=source,
    )
    if service.has_remote(partner):
        _send_event(partner, event, "answer", options)
    else:
        request.reason = (
            "not notified: no PACT API of this partner is configured; "
            "its grant lets it read the footprint with GetFootprint"
        )
    service.grant_for_request(session, request=request, part_id=published.part_id)
    request.status = "fulfilled"
    request.footprint_ids = [published.id]
    request.answered_at = datetime.now(UTC)
    session.flush()
    return request


def reject(
    session: Session,
    *,
    request_id: int,
    reason: str,
    source: str,
    options: CallOptions | None = None,
) -> FootprintRequest:
    """Return the incoming request rejected with ``reason``, after sending the RequestRejected event."""
    request, partner = _incoming(session, request_id)
    code = "NoSuchFootprint" if request.pact_version == "2" else "NotFound"
    event = service.make_event(
        request.pact_version,
        "rejected",
        {"requestEventId": request.event_id, "error": {"code": code, "message": reason}},
        source=source,
    )
    _send_event(partner, event, "answer", options)
    request.status = "rejected"
    request.reason = reason
    request.answered_at = datetime.now(UTC)
    session.flush()
    return request
