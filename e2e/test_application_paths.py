"""The paths through the application: a minor needs a guardian's permission, an adult does
not; someone who cannot apply is told kindly and nothing is kept; the keyboard alone is
enough; and a Spanish speaker gets it all in Spanish."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from .helpers import (
    ADULT, MINOR, PROGRAM, answers, complete_application, continue_, current_step, definition, fill_step, rows,
    wait_for_service_worker, wait_until,
)

pytestmark = pytest.mark.e2e
FIELDS = PROGRAM.form.fields


def steps_walked(page, values) -> list[str]:
    walked = []
    for _ in range(20):
        step = current_step(page)
        walked.append(step)
        if step == "review":
            return walked
        fill_step(page, values)
        continue_(page)
    raise AssertionError(f"never reached the review: {walked}")


def test_an_adult_is_not_asked_about_a_guardian(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    walked = steps_walked(page, ADULT)
    assert "guardian" not in walked
    expect(page.locator(".step__count").first).to_be_hidden()
    page.locator("#submit-application").click()
    expect(page.locator("#outbox .receipt-code")).to_be_visible(timeout=15_000)
    [row] = rows(live_server)
    assert not any(name.startswith("guardian") for name in row.answers)


def test_a_minor_needs_a_guardian_s_permission(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    without_consent = answers(MINOR, guardian_consent=None, guardian_consent_name=None)
    for _ in range(10):
        if current_step(page) == "guardian":
            break
        fill_step(page, without_consent)
        continue_(page)
    expect(page.locator("#step-guardian-title")).to_be_visible()
    fill_step(page, without_consent)
    assert continue_(page) == "guardian"
    summary = page.locator("#error-summary")
    expect(summary.get_by_role("link")).to_have_text([
        FIELDS["guardian_consent"]["errors"]["required"]["en"],
        FIELDS["guardian_consent_name"]["errors"]["required"]["en"],
    ])
    fill_step(page, MINOR)
    complete_application(page, MINOR)
    expect(page.locator("#outbox .receipt-code")).to_be_visible(timeout=15_000)
    [row] = rows(live_server)
    # who agreed, when, and to what (the consent text is in the form version kept with it)
    assert row.answers["guardian_consent"] is True
    assert row.answers["guardian_consent_name"] == MINOR["guardian_consent_name"]
    assert row.answers["guardian_consent_date"] == MINOR["guardian_consent_date"]
    assert row.form_version == PROGRAM.form.version


def test_someone_too_young_is_told_kindly_and_nothing_is_kept(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    wait_for_service_worker(page)
    fill_step(page, answers(date_of_birth="2014-02-01"))
    page.locator(".step--current [data-nav=next]").click()
    panel = page.locator("#ineligible")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(FIELDS["date_of_birth"]["ineligible"]["minAge"]["en"])
    expect(page.locator("#form-area")).to_be_hidden()
    stored = page.evaluate("""() => new Promise((resolve) => {
        indexedDB.open("youthjobs").onsuccess = (e) => {
            const tx = e.target.result.transaction(["drafts", "outbox"]);
            const drafts = tx.objectStore("drafts").getAll();
            const outbox = tx.objectStore("outbox").getAll();
            tx.oncomplete = () => resolve([drafts.result.length, outbox.result.length]);
        };
    })""")
    assert stored == [0, 0]
    assert "2014-02-01" not in json.dumps(page.evaluate("Object.assign({}, localStorage)"))
    assert rows(live_server) == []
    # a typo can be fixed
    page.get_by_role("button", name="Check my answers").click()
    page.fill("#input-date_of_birth", ADULT["date_of_birth"])
    assert continue_(page) == "about"


def test_someone_outside_the_city_is_told_where_else_to_go(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    fill_step(page, answers(zip="90210"))
    page.locator(".step--current [data-nav=next]").click()
    expect(page.locator("#ineligible")).to_contain_text(FIELDS["zip"]["ineligible"]["enum"]["en"])


def test_the_server_refuses_an_ineligible_application_too(context, live_server):
    # with the browser's checks bypassed, the same rule holds on the server
    response = context.request.post(
        f"{live_server.url}/api/applications",
        data=json.dumps({"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "form_version": PROGRAM.form.version,
                         "answers": answers(date_of_birth="2014-02-01")}),
        headers={"Content-Type": "application/json", "Idempotency-Key": "0f8fad5b-d9cb-469f-a165-70867728950e"},
    )
    assert response.status == 400
    assert response.json()["errors"][0]["code"] == "minAge"
    assert rows(live_server) == []


def tab_to(page, selector: str) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(80):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {selector} with Tab")


def keyboard_answer(page, form: dict, name: str, value) -> None:
    widget = form["fields"][name].get("widget", "text")
    options = list(form["fields"][name].get("options", {}))
    if widget == "radios":
        tab_to(page, f'input[name="{name}"]')
        page.keyboard.press("Space")
        for _ in range(options.index(value)):
            page.keyboard.press("ArrowDown")
    elif widget == "checkboxes":
        for item in value:
            tab_to(page, f'input[name="{name}"][value="{item}"]')
            page.keyboard.press("Space")
    elif widget == "checkbox":
        tab_to(page, f"#input-{name}")
        page.keyboard.press("Space")
    elif widget in ("select", "ranked"):
        for index, item in enumerate(value if widget == "ranked" else [value]):
            tab_to(page, f"#input-{name}" + (f"-{index + 1}" if index else ""))
            for _ in range(options.index(item) + 1):  # after the empty "Choose one"
                page.keyboard.press("ArrowDown")
    elif widget == "date":
        tab_to(page, f"#input-{name}")
        year, month, day = str(value).split("-")
        page.keyboard.type(month + day + year)
    else:
        tab_to(page, f"#input-{name}")
        page.keyboard.type(str(value))


def test_the_whole_application_can_be_done_with_the_keyboard_alone(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    form = definition(page)
    page.locator("body").focus()
    for _ in range(20):
        step = current_step(page)
        if step == "review":
            break
        spec = next(s for s in form["steps"] if s["id"] == step)
        for name in spec["fields"]:
            if name in ADULT:
                keyboard_answer(page, form, name, ADULT[name])
        tab_to(page, ".step--current [data-nav=next]")
        page.keyboard.press("Enter")
        expect(page.locator(f"[data-step='{step}']"), page.locator("#error-summary").inner_text()).not_to_have_class(
            "step step--current")
    tab_to(page, "#submit-application")
    page.keyboard.press("Enter")
    expect(page.locator("#outbox .receipt-code")).to_be_visible(timeout=15_000)
    [row] = rows(live_server)
    assert row.answers == ADULT


@pytest.fixture
def spanish_page(browser):
    context = browser.new_context(locale="es-US")
    yield context.new_page()
    context.close()


def test_a_spanish_speaker_gets_the_application_and_its_errors_in_spanish(spanish_page, live_server):
    page = spanish_page
    page.goto(f"{live_server.url}/apply")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#form-title")).to_have_text(PROGRAM.form.definition["title"]["es"])
    page.locator(".step--current [data-nav=next]").click()
    expect(page.locator("#error-summary").get_by_role("link").first).to_have_text(
        FIELDS["date_of_birth"]["errors"]["required"]["es"])
    fill_step(page, ADULT)
    continue_(page)
    continue_(page)  # nothing on "about you": a generic message, translated, naming the question
    expect(page.locator("#error-summary")).to_contain_text(FIELDS["first_name"]["errors"]["required"]["es"])
    complete_application(page, ADULT, submit=False)
    page.locator("#submit-application").click()
    expect(page.locator("#outbox .receipt-code")).to_be_visible(timeout=15_000)
    [row] = rows(live_server)
    assert row.language == "es"


def test_the_chosen_language_is_remembered_offline(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/apply")
    wait_for_service_worker(page)
    page.locator(".languages__current").click()  # the language menu in the header
    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    wait_for_service_worker(page)
    wait_until(page, """() => caches.open("youthjobs-precache-v1").then((cache) => cache.keys())
        .then((keys) => keys.some((request) => request.url.includes("lang=vi")))""")
    page.close()
    context.set_offline(True)
    page = context.new_page()
    response = page.goto(f"{live_server.url}/apply")
    assert response.from_service_worker
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#form-title")).to_have_text(PROGRAM.form.definition["title"]["vi"])


def as_entered(values: dict, program) -> dict:
    """Answers as a form gives them: ticked boxes in any order, an unticked box no answer."""
    fields = program.form.fields
    result = {}
    for name, value in values.items():
        widget = fields[name].get("widget")
        if widget == "checkbox" and value is False:
            continue
        result[name] = sorted(value) if widget == "checkboxes" else value
    return result


@pytest.fixture
def riverton(tmp_path, database_url):
    from tests.live import LiveServer

    from server.settings import ROOT

    server = LiveServer(tmp_path, database_url,
                        YOUTHJOBS_PROGRAM_FILE=str(ROOT / "programs" / "sample-riverton.json")).start()
    yield server
    server.close()


@pytest.mark.parametrize(("example", "lang"), [(0, "en"), (1, "so")])
def test_another_city_s_program_works_the_same_way(browser, riverton, example, lang):
    from server.program import load_program
    from server.settings import ROOT

    program = load_program(ROOT / "programs" / "sample-riverton.json")
    values = program.form.schema["examples"][example]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{riverton.url}/apply?lang={lang}")
    expect(page.locator("#form-title")).to_have_text(program.form.definition["title"][lang])
    expect(page.locator(".site-header__name")).to_have_text(program.raw["name"][lang])
    complete_application(page, values, submit=False)
    page.locator("#submit-application").click()
    expect(page.locator("#outbox .receipt-code")).to_be_visible(timeout=15_000)
    [row] = rows(riverton)
    assert as_entered(row.answers, program) == as_entered(values, program)
    assert row.form_version == program.form.version
    context.close()
