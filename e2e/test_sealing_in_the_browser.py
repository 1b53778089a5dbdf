"""The browser's sealing (pwa/js/seal.js, WebCrypto) opens on the server, and its receipt
codes match the server's."""

from __future__ import annotations

import base64
import uuid

import pytest

from server.keys import KeyRing
from server.problems import Problem
from server.receipts import receipt_code
from server.sealing import open_sealed

from .helpers import as_script

pytestmark = pytest.mark.e2e
CONTENT = {"answers": {"first_name": "Zephyrine", "phone": "617-555-0199"}, "client": {"language": "ht"}}


@pytest.fixture(scope="module")
def crypto_page(browser, tmp_path_factory):
    ring = KeyRing(tmp_path_factory.mktemp("keys"))
    key_id = ring.rotate()
    context = browser.new_context()
    page = context.new_page()
    # WebCrypto needs a secure context: localhost is one (the page is served by the route)
    page.route("http://localhost:9/", lambda route: route.fulfill(body="<!doctype html><title>t</title>",
                                                                        content_type="text/html"))
    page.goto("http://localhost:9/")
    for name in ("seal.js", "receiptCode.js"):
        page.add_script_tag(content=as_script(name))
    yield page, ring, key_id
    context.close()


def browser_seal(page, ring, key_id, application_id, version="a1e1e2342161", device="tablet-1"):
    key = {"id": key_id, "spki": ring.public_key_spki(key_id)}
    return page.evaluate("([key, id, version, device, content]) => seal(key, id, version, device, content)",
                         [key, application_id, version, device, CONTENT])


def test_a_record_sealed_in_the_browser_opens_on_the_server(crypto_page):
    page, ring, key_id = crypto_page
    application_id = str(uuid.uuid4())
    sealed = browser_seal(page, ring, key_id, application_id)
    assert "Zephyrine" not in str(sealed) and len(base64.b64decode(sealed["iv"])) == 12
    assert open_sealed(ring, application_id, "a1e1e2342161", sealed) == CONTENT


def test_the_same_answers_sealed_twice_differ(crypto_page):
    page, ring, key_id = crypto_page
    application_id = str(uuid.uuid4())
    first, second = browser_seal(page, ring, key_id, application_id), browser_seal(page, ring, key_id, application_id)
    assert first["iv"] != second["iv"] and first["ciphertext"] != second["ciphertext"]


def test_a_browser_sealed_record_bound_to_another_device_is_refused(crypto_page):
    page, ring, key_id = crypto_page
    application_id = str(uuid.uuid4())
    sealed = browser_seal(page, ring, key_id, application_id, device="tablet-1")
    with pytest.raises(Problem, match="could not be opened"):
        open_sealed(ring, application_id, "a1e1e2342161", {**sealed, "device": "tablet-2"})


def test_receipt_codes_are_the_same_in_the_browser_and_on_the_server(crypto_page):
    page = crypto_page[0]
    ids = [str(uuid.uuid4()) for _ in range(200)] + ["ffffffff-ffff-4fff-bfff-ffffffffffff",
                                                     "00000000-0000-4000-8000-000000000000"]
    assert page.evaluate("(ids) => ids.map(receiptCode)", ids) == [receipt_code(i) for i in ids]
