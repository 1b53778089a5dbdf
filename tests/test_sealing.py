"""Sealed applications open only on the server, and only as they were sealed."""

from __future__ import annotations

import base64

import pytest

from server.keys import KeyRing
from server.problems import Problem
from server.sealing import open_sealed, seal

CONTENT = {"answers": {"first_name": "Zephyrine", "phone": "617-555-0199"}, "client": {"language": "en"}}
ID, VERSION, DEVICE = "5b7f3a52-9d1e-4c3b-8f6a-2d4e6f8a0b1c", "a1e1e2342161", "device-7"


@pytest.fixture(scope="module")
def ring(tmp_path_factory):
    ring = KeyRing(tmp_path_factory.mktemp("keys"))
    ring.rotate()
    return ring


def sealed(ring, **overrides) -> dict:
    key_id = ring.current_id()
    record = seal(ring.private_key(key_id).public_key(), key_id, ID, VERSION, DEVICE, CONTENT)
    return {**record, **overrides}


def test_a_sealed_record_opens_on_the_server(ring):
    assert open_sealed(ring, ID, VERSION, sealed(ring)) == CONTENT


def test_the_plaintext_is_nowhere_in_the_sealed_record(ring):
    text = str(sealed(ring))
    assert "Zephyrine" not in text and "555-0199" not in text


def test_sealing_the_same_answers_twice_gives_different_ivs_and_keys(ring):
    first, second = sealed(ring), sealed(ring)
    assert first["iv"] != second["iv"] and first["wrapped_key"] != second["wrapped_key"]
    assert first["ciphertext"] != second["ciphertext"]


@pytest.mark.parametrize(("application_id", "version", "device"), [
    ("0f8fad5b-d9cb-469f-a165-70867728950e", VERSION, DEVICE),  # moved to another application
    (ID, "0123456789ab", DEVICE),                               # claimed for another form version
    (ID, VERSION, "device-8"),                                  # claimed by another device
])
def test_changing_what_it_is_bound_to_is_refused(ring, application_id, version, device):
    record = sealed(ring, device=device)
    with pytest.raises(Problem) as refused:
        open_sealed(ring, application_id, version, record)
    assert refused.value.status == 400 and "was changed" in refused.value.detail


def test_a_changed_ciphertext_is_refused(ring):
    record = sealed(ring)
    raw = bytearray(base64.b64decode(record["ciphertext"]))
    raw[5] ^= 1
    with pytest.raises(Problem, match="could not be opened"):
        open_sealed(ring, ID, VERSION, {**record, "ciphertext": base64.b64encode(raw).decode()})


@pytest.mark.parametrize("change", [
    {"key_id": "0000000000000000"}, {"iv": "AAAA"}, {"wrapped_key": "bm90IGEga2V5"}, {"ciphertext": "%%%"},
    {"iv": None},
])
def test_malformed_sealed_records_get_a_clear_400(ring, change):
    with pytest.raises(Problem) as refused:
        open_sealed(ring, ID, VERSION, sealed(ring, **change))
    assert refused.value.status == 400 and refused.value.detail


def test_records_sealed_to_an_older_key_still_open_after_rotation(tmp_path):
    ring = KeyRing(tmp_path / "keys")
    old = ring.rotate()
    record = seal(ring.private_key(old).public_key(), old, ID, VERSION, DEVICE, CONTENT)
    ring.rotate()
    assert open_sealed(ring, ID, VERSION, record) == CONTENT


def test_a_retired_key_stops_opening_records_at_once(tmp_path):
    """Keys are kept loaded for speed; removing a key's file still retires it straight away."""
    ring = KeyRing(tmp_path / "keys")
    old = ring.rotate()
    record = seal(ring.private_key(old).public_key(), old, ID, VERSION, DEVICE, CONTENT)
    ring.rotate()
    assert open_sealed(ring, ID, VERSION, record) == CONTENT  # loaded and kept
    (tmp_path / "keys" / f"{old}.pem").unlink()
    with pytest.raises(Problem) as refused:
        open_sealed(ring, ID, VERSION, record)
    assert refused.value.status == 400 and refused.value.detail


@pytest.mark.parametrize("answer", [float("inf"), float("nan"), "\ud800"], ids=["too large", "nan", "lone surrogate"])
def test_sealed_answers_no_database_can_keep_are_refused_as_unreadable(ring, answer):
    """They would be kept on SQLite and fail on PostgreSQL at every sync: refused alike."""
    key_id = ring.current_id()
    record = seal(ring.private_key(key_id).public_key(), key_id, ID, VERSION, DEVICE,
                  {**CONTENT, "answers": {**CONTENT["answers"], "hours_per_week": answer}})
    with pytest.raises(Problem) as refused:
        open_sealed(ring, ID, VERSION, record)
    assert refused.value.status == 400
