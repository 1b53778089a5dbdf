"""Receipt codes are short, stable and easy to read out over the phone."""

from __future__ import annotations

import uuid

from server.receipts import ALPHABET, receipt_code


def test_the_alphabet_has_no_look_alikes():
    for confusable in "0O1IL":
        assert confusable not in ALPHABET
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_a_code_is_two_groups_of_four_and_depends_only_on_the_id():
    application_id = str(uuid.uuid4())
    code = receipt_code(application_id)
    assert len(code) == 9 and code[4] == "-"
    assert set(code.replace("-", "")) <= set(ALPHABET)
    assert receipt_code(application_id) == code
    assert receipt_code(application_id.upper()) == code


def test_codes_spread_out_over_many_applications():
    codes = {receipt_code(str(uuid.uuid4())) for _ in range(20_000)}
    assert len(codes) >= 19_990  # 31^8 values: collisions are rare (and allowed)
