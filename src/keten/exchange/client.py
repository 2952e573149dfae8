"""The PACT client: this node calling a partner's PACT API.

:class:`PactClient` finds the token endpoint (OpenID discovery, else ``/auth/token``), gets and
refreshes tokens, follows ``Link: rel="next"`` pagination, and retries timeouts, 5xx and 429
answers with exponential backoff, and sends credentials over HTTPS only (plain HTTP to a
loopback host when the node is set up for local testing). The functions below it are what the
CLI, API and pages call: pull a supplier's footprints; ask a supplier for one, fulfil or reject a
customer's request and tell granted customers what this node published, each by queuing its
event in the outbox (keten.exchange.outbox) in the caller's transaction; and fetch the footprints
a supplier's Published event named, which the outbox's worker does.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.exchange import outbox, service
from keten.exchange.models import ExchangePartner, FootprintRequest
from keten.problems import Problem
from keten.settings import Settings

__all__ = [
    "CallOptions",
    "Notified",
    "PactCallFailed",
    "PactClient",
    "client_for",
    "fetch_announced",
    "fulfil",
    "is_loopback",
    "notify_published",
    "pull",
    "reject",
    "send_request",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
TOKEN_MARGIN_S = 30.0
"""A token is renewed this long (at most a tenth of its lifetime) before it expires."""
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
_NO_DELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]

log = logging.getLogger(__name__)


def is_loopback(url: str) -> bool:
    """Return whether ``url``'s host is this machine: a loopback address or localhost."""
    host = httpx.URL(url).host.lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    allow_http: bool = False
    """Local testing only: send credentials over plain HTTP to a loopback host."""
    clock: Callable[[], float] = time.monotonic
    """Seconds, for a token's lifetime."""
    connections: int = 20
    """Connections kept open to the partner between calls: as many as calls made at once."""

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        verify: ssl.SSLContext | bool = True
        if self.ca_bundle:
            verify = ssl.create_default_context()
            verify.load_verify_locations(cafile=self.ca_bundle)
        limits = httpx.Limits(
            max_connections=max(100, self.connections), max_keepalive_connections=self.connections
        )
        # Small requests one after another on a kept-alive connection (an outbox worker's events)
        # would each wait for the partner's delayed ACK if Nagle's algorithm held their last bytes.
        transport = self.transport or httpx.HTTPTransport(
            verify=verify, socket_options=_NO_DELAY, limits=limits
        )
        self._http = httpx.Client(timeout=self.timeout_s, transport=transport, verify=verify)
        self._token: str | None = None
        self._token_expires: float | None = None
        self._token_lock = threading.Lock()
        self._token_endpoint: str | None = None

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> PactClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _check_secure(self, url: str) -> None:
        """Refuse to call ``url`` unless it is HTTPS, or plain HTTP to a loopback host while
        ``allow_http`` is on: every call carries the client's credentials or its token."""
        scheme = httpx.URL(url).scheme
        if scheme == "https" or (scheme == "http" and self.allow_http and is_loopback(url)):
            return
        local = " (plain HTTP only to a loopback host when KETEN_PACT_CLIENT_ALLOW_HTTP is on)"
        raise PactCallFailed(
            f"{url}: PACT calls carry credentials and go over HTTPS only{local if scheme == 'http' else ''}"
        )

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Return the answer, trying again after timeouts, lost connections, 5xx and 429."""
        self._check_secure(url)
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
            self._check_secure(self.base_url)
            try:
                found = self._http.get(f"{self.base_url}/.well-known/openid-configuration")
                if found.status_code == 200:
                    endpoint = str(found.json().get("token_endpoint") or endpoint)
            except (httpx.TransportError, ValueError):
                pass
            self._token_endpoint = endpoint
        return self._token_endpoint

    def token(self, *, refresh: bool = False, rejected: str | None = None) -> str:
        """Return an access token: the one held until it expires (by the ``expires_in`` it came
        with, less a margin), else a new one; a new one too when ``refresh``, or when the held one
        is ``rejected`` (a partner answered 401 to it).

        Threads that share the client ask for one new token between them: a batch of calls that
        all meet an expired token fetches it once, and the others use it."""
        with self._token_lock:
            held = self._token
            expired = self._token_expires is not None and self.clock() >= self._token_expires
            if held is None or refresh or expired or (rejected is not None and held == rejected):
                held = self._new_token()
            return held

    def _new_token(self) -> str:
        """Return a new access token from the token endpoint, held with its expiry."""
        asked_at = self.clock()
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
            answer = response.json()
            token = str(answer["access_token"])
        except (ValueError, KeyError, TypeError):
            raise PactCallFailed("token: the answer holds no access_token") from None
        lifetime = answer.get("expires_in")
        self._token = token
        self._token_expires = None
        if isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0:
            # Renewed a little before the partner's clock says it runs out.
            self._token_expires = asked_at + lifetime - min(TOKEN_MARGIN_S, lifetime / 10)
        return token

    def _authorized(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Return the answer to a call with the token, asking for a new token once if it was
        refused."""
        held = self.token()
        sent = {**(headers or {}), "Authorization": f"Bearer {held}"}
        response = self._send(method, url, headers=sent, **kwargs)
        if response.status_code == 401:
            sent["Authorization"] = f"Bearer {self.token(rejected=held)}"
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
    """How the client calls partners: timeout, retries, trusted CAs, plain HTTP to loopback hosts
    (local testing), and a transport for tests."""

    timeout_s: float = 10.0
    retries: int = 3
    ca_bundle: str | None = None
    transport: httpx.BaseTransport | None = None
    allow_http: bool = False
    connections: int = 20
    """Connections kept open to each partner (the outbox worker: one per event of a batch)."""

    @classmethod
    def of(cls, settings: Settings) -> CallOptions:
        """Return the options the node's settings give."""
        return cls(
            settings.pact_timeout_seconds,
            settings.pact_retries,
            settings.pact_ca_bundle,
            allow_http=settings.pact_client_allow_http,
        )


def client_for(
    partner: ExchangePartner, options: CallOptions | None = None, *, version: str | None = None
) -> PactClient:
    """Return a client of the partner's PACT API, of ``version`` (default: the partner's); a 422
    problem if it has no base URL or credentials."""
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
        version=version or partner.pact_version,
        timeout_s=options.timeout_s,
        retries=options.retries,
        transport=options.transport,
        ca_bundle=options.ca_bundle,
        allow_http=options.allow_http,
        connections=options.connections,
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


def fetch_announced(
    session: Session,
    *,
    partner: ExchangePartner,
    pf_ids: Sequence[str],
    options: CallOptions | None = None,
    version: str | None = None,
) -> tuple[service.PullResult, int]:
    """Return what fetching the footprints a supplier's Published event named did, and its status
    for the access log: 200 when every call succeeded, 502 when a call to the supplier failed,
    500 when storing failed (then nothing is stored). The footprints fetched are stored as primary
    data and recalculated, as a pull does, in the session's transaction, which the caller commits.

    No transaction is open while the supplier is called: the read of the partner is ended first.
    """
    result = service.PullResult(partner=partner.code)
    if not service.has_remote(partner):
        # The owner removed the remote between the event and this fetch.
        result.failures.append("not fetched: no remote configured")
        return result, 502
    try:
        pact = client_for(partner, options, version=version)
        session.commit()
        with pact:
            documents = _get_each(pact, pf_ids, result)
        result.fetched = len(documents)
        service.import_footprints(
            session,
            partner=partner,
            documents=documents,
            version=version or partner.pact_version,
            result=result,
        )
        status = 502 if result.failures else 200
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
    return result, status


@dataclass(frozen=True)
class Notified:
    """A partner to be told of published footprints: the outbox entry that tells it (None when it
    has no remote PACT API and is not told)."""

    partner: str
    pf_ids: tuple[str, ...]
    entry_id: int | None


def _ids_text(pf_ids: Sequence[str]) -> str:
    count = f"{len(pf_ids)} footprint{'s' if len(pf_ids) != 1 else ''}"
    return f"{count}: {', '.join(pf_ids)}"


def notify_published(session: Session, *, pf_ids: Sequence[str], source: str) -> list[Notified]:
    """Return, by partner code, each partner whose active grant covers at least one of the
    published footprints ``pf_ids`` (``service.partners_to_notify``), with the outbox entry that
    sends it one Published event of its PACT version naming every id it may read.

    The entries are part of the session's transaction: a partner is told only of footprints that
    were kept. A partner without a remote PACT API gets no entry but an ``UNNOTIFIED_ACTION``
    entry in the access log.
    """
    done: list[Notified] = []
    for partner, ids in service.partners_to_notify(session, pf_ids=pf_ids):
        if not service.has_remote(partner):
            service.log_access(
                session,
                partner=partner,
                action=service.UNNOTIFIED_ACTION,
                target=f"{partner.code} not notified: no remote configured; {_ids_text(ids)}",
                status=200,
            )
            done.append(Notified(partner.code, tuple(ids), None))
            continue
        event = service.make_event(partner.pact_version, "published", {"pfIds": ids}, source=source)
        entry = outbox.enqueue_event(
            session, partner=partner, kind="published", event=event, version=partner.pact_version
        )
        done.append(Notified(partner.code, tuple(ids), entry.id))
    return done


def send_request(
    session: Session,
    *,
    partner_code: str,
    part_number: str,
    comment: str = "",
    source: str,
) -> FootprintRequest:
    """Return a new outgoing request, its RequestCreated event queued for the supplier in the
    session's transaction; a 422 problem when the supplier's PACT API is not configured."""
    partner = service.get_partner(session, code=partner_code)
    part = session.scalars(select(Part).where(Part.part_number == part_number)).first()
    if part is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    _require_remote(partner)
    product_ids = [service.product_urn(part.part_number)]
    version = partner.pact_version
    data: dict[str, Any] = (
        {"pf": {"productIds": product_ids}, "comment": comment}
        if version == "2"
        else {"productId": product_ids, "comment": comment}
    )
    event = service.make_event(version, "created", data, source=source)
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
    outbox.enqueue_event(session, partner=partner, kind="created", event=event, version=version)
    return request


def _require_remote(partner: ExchangePartner) -> None:
    if not service.has_remote(partner):
        raise Problem(
            422,
            "Unprocessable Content",
            f"partner '{partner.code}' has no base URL and credentials of its PACT API; set them first",
        )


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
) -> FootprintRequest:
    """Return the incoming request fulfilled with the part's footprint (published now if it is not):
    the requester is granted the part and, when its PACT API is configured, its RequestFulfilled
    event is queued, of the PACT version the request came in on, to that version's events
    endpoint; without one it reads the footprint with its grant (the request says so)."""
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
        outbox.enqueue_event(
            session, partner=partner, kind="fulfilled", event=event, version=request.pact_version
        )
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


def reject(session: Session, *, request_id: int, reason: str, source: str) -> FootprintRequest:
    """Return the incoming request rejected with ``reason``, its RequestRejected event queued, of
    the PACT version the request came in on; a 422 problem when the requester's PACT API is not
    configured."""
    request, partner = _incoming(session, request_id)
    _require_remote(partner)
    code = "NoSuchFootprint" if request.pact_version == "2" else "NotFound"
    event = service.make_event(
        request.pact_version,
        "rejected",
        {"requestEventId": request.event_id, "error": {"code": code, "message": reason}},
        source=source,
    )
    outbox.enqueue_event(session, partner=partner, kind="rejected", event=event, version=request.pact_version)
    request.status = "rejected"
    request.reason = reason
    request.answered_at = datetime.now(UTC)
    session.flush()
    return request
