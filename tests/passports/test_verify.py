"""A downloaded passport proves itself: what `keten passport verify` accepts is what is signed, and
the whole revision chain travels with it, so an earlier revision altered, dropped or moved is caught
offline."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.passports import service, signing
from keten.passports.schemas import PassportInputData

from .conftest import RESOLVER, Product


def _three_revisions(session: Session) -> tuple[str, str]:
    """Issue P-1's model passport and revise it twice; return its UUID and an item's (revision 1)."""
    [model] = service.issue(session, part_number="P-1", resolver=RESOLVER)
    for years in (21, 22):
        data = service.get_input(session, part_number="P-1").model_dump(exclude_none=True)
        service.set_input(
            session,
            part_number="P-1",
            data=PassportInputData.model_validate({**data, "expected_lifetime_years": years}),
        )
        assert service.revise(session, passport_id=model.uid, resolver=RESOLVER) is not None
    [item] = service.issue(session, part_number="P-1", level="item", serials=["S1"], resolver=RESOLVER)
    return model.uid, item.uid


@pytest.fixture
def chained(engine: Engine, product: Product) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Return the downloads of the model passport (revision 3) and of an item of it, and the keys."""
    with Session(engine) as session:
        model_uid, item_uid = _three_revisions(session)
        session.commit()
        keys = signing.public_keys_from(service.jwks(session))
        return (
            service.document(session, passport_id=model_uid, tier="public"),
            service.document(session, passport_id=item_uid, tier="public"),
            keys,
        )


def _problems(document: dict[str, Any], keys: dict[str, str]) -> str:
    return "\n".join(signing.verify_document(document, keys))


def test_a_download_carries_its_whole_chain_and_verifies(
    chained: tuple[dict[str, Any], dict[str, Any], dict[str, str]],
) -> None:
    model, item, keys = chained
    assert model["revision"] == 3
    assert [h["header"]["revision"] for h in model["proof"][0]["history"]] == [1, 2]
    # The item names revision 3 of its model, whose two earlier revisions come with it.
    assert [len(p["history"]) for p in item["proof"]] == [0, 2]
    assert _problems(model, keys) == "" and _problems(item, keys) == ""


def test_the_unsigned_id_and_revision_must_be_those_signed(
    chained: tuple[dict[str, Any], dict[str, Any], dict[str, str]],
) -> None:
    model, item, keys = chained
    other = copy.deepcopy(model)
    other["id"], other["revision"] = item["id"], 1
    found = _problems(other, keys)
    assert f"says it is passport {item['id']}, but its signature is of {model['id']}" in found
    assert "says it is revision 1, but its signature is of revision 3" in found
    linked = {"@id": item["id"], **{k: v for k, v in model.items() if k != "id"}}
    assert f"says it is passport {item['id']}" in _problems(linked, keys)


def test_nothing_unsigned_may_ride_along(
    chained: tuple[dict[str, Any], dict[str, Any], dict[str, str]],
) -> None:
    model, _, keys = chained
    noted = {**copy.deepcopy(model), "recall": "none"}
    assert "holds 'recall', which no signature covers" in _problems(noted, keys)
    proof_noted = copy.deepcopy(model)
    proof_noted["proof"][0]["approvedBy"] = "authority"
    assert "proof 1: it holds 'approvedBy', which no signature covers" in _problems(proof_noted, keys)


def test_an_altered_earlier_revision_is_caught(
    chained: tuple[dict[str, Any], dict[str, Any], dict[str, str]],
) -> None:
    model, _, keys = chained
    altered = copy.deepcopy(model)
    altered["proof"][0]["history"][0]["header"]["views"]["public"] = "0" * 64
    found = _problems(altered, keys)
    assert "revision 1: the signature of the header does not verify" in found
    assert "revision 2: it does not name the SHA-256 of the revision before it" in found


def test_a_dropped_earlier_revision_is_caught(
    chained: tuple[dict[str, Any], dict[str, Any], dict[str, str]],
) -> None:
    model, item, keys = chained
    dropped = copy.deepcopy(model)
    del dropped["proof"][0]["history"][0]
    assert "needs its earlier revisions 1 to 2 in order; the download holds 2" in _problems(dropped, keys)
    # The model's chain inside an item's download is checked alike.
    bare = copy.deepcopy(item)
    bare["proof"][1]["history"] = []
    assert "proof 2: revision 3" in _problems(bare, keys) and "holds none" in _problems(bare, keys)


def test_reordered_earlier_revisions_are_caught(
    chained: tuple[dict[str, Any], dict[str, Any], dict[str, str]],
) -> None:
    model, _, keys = chained
    moved = copy.deepcopy(model)
    moved["proof"][0]["history"].reverse()
    assert "in order; the download holds 2, 1" in _problems(moved, keys)
    # Renumbered to look in order, the hashes still give the move away.
    renumbered = copy.deepcopy(moved)
    for number, entry in enumerate(renumbered["proof"][0]["history"], start=1):
        entry["header"]["revision"] = number
    assert "does not name the SHA-256 of the revision before it" in _problems(renumbered, keys)


def test_the_command_refuses_a_swapped_id_and_prints_only_what_is_signed(
    chained: tuple[dict[str, Any], dict[str, Any], dict[str, str]], tmp_path: Path
) -> None:
    model, item, keys = chained
    (tmp_path / "jwks.json").write_text(
        json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": k} for k, x in keys.items()]})
    )
    env = {**os.environ, "KETEN_DATABASE_URL": "sqlite:///nowhere-needed.db", "COLUMNS": "200"}

    def verify(document: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        (tmp_path / "passport.json").write_text(json.dumps(document))
        command = [sys.executable, "-c", "from keten.cli import main; main()", "passport", "verify"]
        return subprocess.run(
            [*command, "passport.json", "--key", "jwks.json"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )

    ok = verify(model)
    assert ok.returncode == 0, ok.stderr
    assert f"{model['id']} revision 3" in ok.stdout and "3 signed revisions verified" in ok.stdout
    swapped = {**model, "id": item["id"], "revision": 1}
    bad = verify(swapped)
    assert bad.returncode == 1
    assert f"says it is passport {item['id']}" in bad.stderr and item["id"] not in bad.stdout
    assert "says it is revision 1" in bad.stderr
    dropped = copy.deepcopy(model)
    dropped["proof"][0]["history"].pop()
    refused = verify(dropped)
    assert refused.returncode == 1 and "a revision was dropped" in refused.stderr
