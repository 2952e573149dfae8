"""HTTPS as PACT requires: ``keten serve --certfile --keyfile`` serves TLS itself (with its outbox
worker running inside), and behind a reverse proxy the forwarded headers make a request HTTPS, so
that ``Link`` headers and the ``source`` of events are absolute https URLs on the public host; plain
HTTP is refused unless the node is set up for local testing."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.exchange import outbox, service
from keten.exchange.models import OutboxEntry
from keten.exchange.schemas import PartnerRemote
from keten.settings import Settings
from tests.conftest import make_user
from tests.exchange.conftest import (
    Receiver,
    add_partner,
    build_chain,
    free_port,
    live_server,
    new_database,
    self_signed_certificate,
    token_of,
    wait_for,
)

PUBLIC = {"Host": "pact.example.com", "X-Forwarded-Proto": "https"}


def test_keten_serve_serves_tls_and_delivers_its_outbox(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    url, engine = new_database(tmp_path, "node")
    with Receiver() as receiver, Session(engine, expire_on_commit=False) as session:
        partner = add_partner(session, "RCV")
        remote = PartnerRemote(base_url=receiver.base, client_id="us", client_secret="s", pact_version="3")
        at = service.set_remote(session, code="RCV", remote=remote)
        event = service.make_event("3", "published", {"pfIds": []}, source="https://us")
        outbox.enqueue_event(session, partner=at, kind="published", event=event, version="3")
        session.commit()
        port = free_port()
        env = {
            **os.environ,
            "KETEN_DATABASE_URL": url,
            "KETEN_OUTBOX_WORKER": "true",
            "KETEN_PACT_ALLOW_HTTP": "false",
            "KETEN_PACT_CLIENT_ALLOW_HTTP": "true",
        }
        command = [sys.executable, "-c", "from keten.cli import main; main()", "serve", "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--certfile", cert, "--keyfile", key],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"https://127.0.0.1:{port}"
            with httpx.Client(verify=ssl.create_default_context(cafile=cert), timeout=10) as https:

                def up() -> bool:
                    try:
                        return https.get(f"{base}/.well-known/openid-configuration").status_code == 200
                    except httpx.TransportError:
                        return False

                wait_for(up, timeout=60)
                assert https.get(f"{base}/.well-known/openid-configuration").json()["issuer"].startswith(base)
                assert token_of(base, partner, client=https)
            # The worker inside the server process sent the queued event.
            assert wait_for(lambda: receiver.received) == [("/3/events", event["id"])]
        finally:
            server.terminate()
            _, stderr = server.communicate(timeout=30)
            engine.dispose()
    # uvicorn stops cleanly on SIGTERM (the worker thread with it), then ends by that signal.
    assert "Application shutdown complete." in stderr.decode(), stderr.decode()


def test_forwarded_https_makes_links_and_event_sources_absolute_https_urls(
    settings: Settings, engine: Engine
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        build_chain(session, publish=False)
        partner = add_partner(session, "CUST", {"category": "modules"}, {"category": "components"})
        service.set_remote(
            session,
            code="CUST",
            remote=PartnerRemote(base_url="https://cust.invalid", client_id="a", client_secret="b"),
        )
        session.commit()
    editor = make_user(engine, "editor")
    node = settings.model_copy(update={"pact_allow_http": False})
    with live_server(node, forwarded_allow_ips="127.0.0.1") as base, httpx.Client(timeout=30) as http:
        published = http.post(
            f"{base}/api/exchange/footprints/MOD/publish",
            headers={**PUBLIC, "Authorization": f"Bearer {editor}"},
        )
        assert published.status_code == 201, published.text
        http.post(
            f"{base}/api/exchange/footprints/CMP/publish", headers={"Authorization": f"Bearer {editor}"}
        )
        # Plain HTTP without the proxy's word is refused, in the specification's error format.
        plain = http.post(
            f"{base}/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(partner.client_id, partner.secret),
        )
        assert (plain.status_code, plain.json()["error"]) == (400, "invalid_request")
        refused = http.get(f"{base}/2/footprints", headers={"Authorization": "Bearer x"})
        assert refused.status_code == 400
        assert refused.json() == {"code": "BadRequest", "message": "The PACT API answers over HTTPS only"}
        token = http.post(
            f"{base}/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(partner.client_id, partner.secret),
            headers=PUBLIC,
        )
        assert token.status_code == 200, token.text
        listed = http.get(
            f"{base}/2/footprints",
            params={"limit": 1},
            headers={**PUBLIC, "Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert listed.status_code == 200, listed.text
        assert listed.links["next"]["url"].startswith("https://pact.example.com/2/footprints?")
    with Session(engine) as session:
        sources = {
            e.payload["data"]["pfIds"][0]: e.payload["source"] for e in session.scalars(select(OutboxEntry))
        }
    assert sources[published.json()["id"]] == "https://pact.example.com"
