"""The GS1 Digital Link resolver as the GS1-Conformant Resolver standard asks: link types and the
RFC 9264 linkset, the description file, HEAD and OPTIONS, batch-plus-serial paths, 400 for what is
not a Digital Link, 406 for an Accept it cannot serve, Vary and Link headers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.passports import service
from keten.passports.resolver import GS1_VOC, LINKSET, negotiate, parse
from keten.problems import Problem
from keten.settings import Settings

from .conftest import GTIN, Product

LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[\w*-]+="[^"]*")*)')


def _issue(engine: Engine, base: str) -> dict[str, str]:
    """Issue the model passport of P-1, batch B1, item S1 in batch B1 and item S2 without a batch."""
    with Session(engine) as session:
        [model] = service.issue(session, part_number="P-1", resolver=base)
        [batch] = service.issue(session, part_number="P-1", level="batch", batch="B1", resolver=base)
        [s1] = service.issue(
            session, part_number="P-1", level="item", serials=["S1"], batch="B1", resolver=base
        )
        [s2] = service.issue(session, part_number="P-1", level="item", serials=["S2"], resolver=base)
        session.commit()
        return {"model": model.uid, "batch": batch.uid, "S1": s1.uid, "S2": s2.uid}


def _links(header: str) -> list[dict[str, str]]:
    """Return the links of a Link header as {href, rel, title, type, …}."""
    out = []
    for href, params in LINK.findall(header):
        entry = {"href": href}
        entry.update(dict(re.findall(r'([\w*-]+)="([^"]*)"', params)))
        out.append(entry)
    return out


@pytest.fixture
def base(settings: Settings) -> str:
    return str(settings.resolver_url).rstrip("/")


def test_what_is_not_a_digital_link_is_a_400_and_what_names_nothing_a_404(
    anonymous_client: TestClient, product: Product, engine: Engine, base: str
) -> None:
    _issue(engine, base)
    json = {"Accept": "application/json"}
    for path, says in {
        "/01/08712345001002": "check digit should be 1",
        f"/01/{GTIN}/21/S1/foo": "AI 'foo'",
        f"/01/{GTIN}/21/S1/10/B1": "out of order",
        f"/01/{GTIN}/21/{'X' * 21}": "1 to 20 characters",
        f"/01/{GTIN}/21/a%20b": "character set 82",
        "/01/87123450010": "expected 8, 12, 13 or 14 digits",
        f"/01/{GTIN}/10": "without a value",
    }.items():
        answer = anonymous_client.get(path, headers=json)
        assert answer.status_code == 400, (path, answer.status_code)
        assert (
            answer.headers["content-type"] == "application/problem+json" and says in answer.json()["detail"]
        )
    for path in (f"/01/{GTIN}/21/NOPE", f"/01/{GTIN}/10/B9", f"/01/{GTIN}/10/B9/21/S1", f"/01/{GTIN}/22/V1"):
        assert anonymous_client.get(path, headers=json).status_code == 404, path
    assert anonymous_client.get("/01/08712345001002", params={"linkType": "all"}).status_code == 400
    assert anonymous_client.options("/01/08712345001002").status_code == 400


def test_batch_serial_and_batch_paths_resolve_and_a_trailing_slash_is_tolerated(
    anonymous_client: TestClient, product: Product, engine: Engine, base: str
) -> None:
    uids = _issue(engine, base)
    json = {"Accept": "application/json"}

    def uid(path: str) -> str:
        answer = anonymous_client.get(path, headers=json)
        assert answer.status_code == 200, (path, answer.text[:200])
        return str(answer.json()["id"]).removeprefix("urn:uuid:")

    assert uid(f"/01/{GTIN}/10/B1/21/S1") == uid(f"/01/{GTIN}/21/S1") == uids["S1"]
    assert uid(f"/01/{GTIN}/10/B1") == uids["batch"] and uid(f"/01/{GTIN}/10/B1/") == uids["batch"]
    assert uid(f"/01/{GTIN}/") == uid("/01/8712345001001") == uids["model"]
    # S2 belongs to no batch, and S1 to B1 only: a lot that is not the item's names nothing.
    assert anonymous_client.get(f"/01/{GTIN}/10/B1/21/S2", headers=json).status_code == 404
    assert anonymous_client.get(f"/01/{GTIN}/10/B2/21/S1", headers=json).status_code == 404
    assert parse(f"/01/{GTIN}/10/B%2F1/21/S1").batch == "B/1"  # percent-encoded values are decoded
    with pytest.raises(Problem):
        parse("/01/abc")


def test_link_all_answers_an_rfc_9264_linkset_of_every_level(
    anonymous_client: TestClient, product: Product, engine: Engine, base: str
) -> None:
    uids = _issue(engine, base)
    answer = anonymous_client.get(f"/01/{GTIN}/10/B1/21/S1", params={"linkType": "all"})
    assert answer.status_code == 200 and answer.headers["content-type"] == LINKSET
    assert answer.headers["vary"] == "Accept"  # the linkset is the same for every tier
    contexts = answer.json()["linkset"]
    anchors = [c["anchor"] for c in contexts]
    assert anchors == [f"{base}/01/{GTIN}/21/S1", f"{base}/01/{GTIN}/10/B1", f"{base}/01/{GTIN}"]
    item = contexts[0]
    page = f"{base}/passports/{uids['S1']}"
    assert item[GS1_VOC + "defaultLink"] == [
        {"href": page, "title": "Digital product passport", "type": "text/html", "hreflang": ["en", "nl"]}
    ]
    assert {t["type"]: t["href"] for t in item[GS1_VOC + "dpp"]} == {
        "application/ld+json": f"{base}/api/passports/{uids['S1']}/jsonld",
        "application/json": f"{base}/api/passports/{uids['S1']}",
    }
    assert item[GS1_VOC + "certificationInfo"][0]["href"] == f"{page}#documents"
    assert item[GS1_VOC + "sustainabilityInfo"][0]["href"] == f"{page}#footprint"
    assert item[GS1_VOC + "serviceInfo"][0]["href"] == f"{page}#repair"
    assert contexts[2][GS1_VOC + "pip"][0]["href"] == f"{base}/passports/{uids['model']}"
    for context in contexts:  # every link has its target, type and a title (resolver standard)
        for key, targets in context.items():
            if key != "anchor":
                assert key.startswith(GS1_VOC) and all(t["href"] and t["title"] for t in targets)
    legacy = anonymous_client.get(f"/01/{GTIN}/21/S1", params={"linkType": "linkset"})
    assert legacy.json()["linkset"] == contexts[:1] + contexts[2:]  # S1 as such names no batch
    as_json = anonymous_client.get(
        f"/01/{GTIN}/21/S1", params={"linkType": "all"}, headers={"Accept": "application/json"}
    )
    assert as_json.headers["content-type"] == "application/json"
    context_links = [x for x in _links(as_json.headers["link"]) if x["rel"].endswith("json-ld#context")]
    assert context_links and context_links[0]["href"].startswith("https://ref.gs1.org/")
    as_ld = anonymous_client.get(
        f"/01/{GTIN}/21/S1", params={"linkType": "all"}, headers={"Accept": "application/ld+json"}
    )
    assert as_ld.headers["content-type"] == "application/ld+json" and "@context" in as_ld.json()
    html_only = anonymous_client.get(
        f"/01/{GTIN}/21/S1", params={"linkType": "all"}, headers={"Accept": "text/html"}
    )
    assert html_only.status_code == 406


def test_a_link_type_redirects_to_its_view_and_an_unknown_one_to_the_default(
    anonymous_client: TestClient, product: Product, engine: Engine, base: str
) -> None:
    uids = _issue(engine, base)
    page = f"{base}/passports/{uids['S1']}"
    api = f"{base}/api/passports/{uids['S1']}"

    def target(link_type: str, accept: str | None = None, **query: str) -> str:
        headers = {"Accept": accept} if accept else {}
        answer = anonymous_client.get(
            f"/01/{GTIN}/21/S1",
            params={"linkType": link_type, **query},
            headers=headers,
            follow_redirects=False,
        )
        assert answer.status_code == 307, (link_type, answer.status_code, answer.text[:200])
        assert "Accept" in answer.headers["vary"] and answer.headers["link"]
        return answer.headers["location"]

    assert target("gs1:pip") == page
    assert target("https://gs1.org/voc/pip") == page and target("gs1:defaultLink") == page
    assert target("gs1:sustainabilityInfo") == f"{page}#footprint"
    assert target("gs1:certificationInfo") == f"{page}#documents"
    assert target("gs1:serviceInfo") == f"{page}#repair"
    assert target("gs1:dpp", "application/ld+json") == f"{api}/jsonld"
    assert target("gs1:dpp", "application/json") == api
    # Link types the passport has no link of, or that nobody defined, lead to the default link.
    assert target("gs1:epil") == page and target("gs1:noSuchType") == page
    # Other query parameters are passed on, before the fragment.
    assert target("gs1:certificationInfo", foo="bar") == f"{page}?foo=bar#documents"
    followed = anonymous_client.get(
        f"/01/{GTIN}/21/S1", params={"linkType": "gs1:dpp"}, headers={"Accept": "application/json"}
    )
    assert followed.status_code == 200 and followed.json()["id"] == f"urn:uuid:{uids['S1']}"


def test_headers_head_options_406_and_vary_on_the_token(
    anonymous_client: TestClient,
    client_as: Callable[[str], TestClient],
    product: Product,
    engine: Engine,
    base: str,
) -> None:
    uids = _issue(engine, base)
    path = f"/01/{GTIN}/21/S1"
    accept = {"Accept": "application/ld+json"}
    got = anonymous_client.get(path, headers=accept)
    assert got.status_code == 200 and got.headers["access-control-allow-origin"] == "*"
    assert got.headers["vary"] == "Accept, Authorization, Cookie"
    links = _links(got.headers["link"])
    assert links[0] == {
        "href": f"{base}{path}?linkType=all",
        "rel": "linkset",
        "type": LINKSET,
        "title": f"Linkset of {base}{path}",
    }
    assert all(x["rel"] and x["title"] for x in links)
    assert {x["rel"] for x in links} >= {
        GS1_VOC + "defaultLink",
        GS1_VOC + "dpp",
        "http://www.w3.org/ns/json-ld#context",
    }
    head = anonymous_client.head(path, headers=accept)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["link"] == got.headers["link"] and head.headers["content-length"] == str(
        len(got.content)
    )
    assert anonymous_client.head(f"/01/{GTIN}/21/NOPE").status_code == 404
    options = anonymous_client.options(path)
    assert options.status_code == 204 and options.headers["allow"] == "GET, HEAD, OPTIONS"
    assert "Authorization" in options.headers["access-control-allow-headers"]
    refused = anonymous_client.get(path, headers={"Accept": "image/png"})
    assert refused.status_code == 406 and refused.headers["content-type"] == "application/problem+json"
    assert "image/png" in refused.json()["detail"]
    assert anonymous_client.get(path, headers={"Accept": "image/png, */*;q=0.1"}).status_code == 200
    # A token changes the answer: an owner reads at its own tier from the same URL.
    owner = client_as("viewer").get(path, headers=accept)
    assert owner.json()["tier"] == "owner" and got.json()["tier"] == "public"
    assert owner.json()["@id"] == got.json()["@id"] == f"urn:uuid:{uids['S1']}"
    page = anonymous_client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Authorization" in page.headers["vary"]


def test_the_resolver_describes_itself(anonymous_client: TestClient, product: Product, base: str) -> None:
    answer = anonymous_client.get("/.well-known/gs1resolver")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["resolverRoot"] == base and body["supportedPrimaryKeys"] == ["01"]
    assert body["supportedLinkType"] == [{"namespace": GS1_VOC, "prefix": "gs1:"}]
    assert body["contact"]["fn"] == "Own Company B.V." and body["name"].endswith("Own Company B.V.")


def test_negotiate_follows_quality_and_specificity() -> None:
    offered = ["application/linkset+json", "application/json", "application/ld+json"]
    assert negotiate(None, offered) == "application/linkset+json"
    assert negotiate("application/json", offered) == "application/json"
    assert negotiate("application/*;q=0.5, application/ld+json", offered) == "application/ld+json"
    assert negotiate("*/*, application/linkset+json;q=0", offered) == "application/json"
    assert negotiate("text/html", offered) is None
