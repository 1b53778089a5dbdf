"""Insights show who the program reaches in counts only, with small counts hidden."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import String, literal, select
from starlette.testclient import TestClient

from server.insights import Row, age_in_sql, suppress
from server.program import age_on

from .conftest import post, submission
from .staff_helpers import make_user, sign_in


def test_small_counts_are_hidden():
    rows = suppress([Row("a", 40), Row("b", 3), Row("c", 0), Row("d", 12)], minimum=10)
    assert [row.hidden for row in rows] == ["", "small", "", "complement"]  # d would give b away from the total


def test_nothing_is_hidden_when_every_count_is_large_or_zero():
    rows = suppress([Row("a", 40), Row("b", 10), Row("c", 0)], minimum=10)
    assert not any(row.hidden for row in rows)


def test_two_small_counts_need_no_more_hiding():
    rows = suppress([Row("a", 40), Row("b", 3), Row("c", 4)], minimum=10)
    assert [row.hidden for row in rows] == ["", "small", "small"]


@pytest.fixture
def applied(app, client, example):
    """Twelve young people in Roxbury, three in Allston (one of them applied twice)."""
    sent = []
    for number in range(15):
        answers = copy.deepcopy(example)
        answers.update(first_name=f"Xanthippe{number}", neighborhood="roxbury" if number < 12 else "allston",
                       gender="woman")
        if number < 11:  # eleven chose two answers; four did not answer
            answers["race_ethnicity"] = ["black", "hispanic"]
        sent.append(post(client, submission(app, answers)).json()["id"])
    return sent


def test_an_analyst_sees_counts_and_never_a_person(app, applied, example):
    with TestClient(app) as browser:
        analyst = make_user(app, "analyst")
        sign_in(browser, analyst.email)
        page = browser.get("/staff/insights")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert 'id="insights-total">15<' in page.text
        assert '<th scope="row">On their own</th><td class="numeric">15</td>' in page.text
        assert '<th scope="row">Allston</th><td class="numeric">fewer than 10</td>' in page.text
        # 12 would give away Allston's 3 from the total of 15
        assert '<th scope="row">Roxbury</th><td class="numeric">not shown</td>' in page.text
        assert "Xanthippe" not in page.text and example["phone"] not in page.text
        assert "/staff/applications/" not in page.text
        assert browser.get("/staff/applications").status_code == 403


def test_duplicates_are_counted_once(app, applied):
    with TestClient(app) as browser:
        reviewer = make_user(app, "reviewer")
        sign_in(browser, reviewer.email)
        detail = browser.get(f"/staff/applications/{applied[14]}")
        token = detail.text.split('name="_csrf" value="')[1].split('"')[0]
        marked = browser.post(f"/staff/applications/{applied[14]}/duplicate",
                              data={"_csrf": token, "_original": applied[13]}, follow_redirects=False)
        assert marked.status_code == 303
        assert 'id="insights-total">14<' in browser.get("/staff/insights").text


def test_each_answer_chosen_is_counted_and_the_unanswered_too(app, applied):
    with TestClient(app) as browser:
        sign_in(browser, make_user(app, "analyst").email)
        page = browser.get("/staff/insights").text
    section = page[page.index("each answer chosen"):]
    section = section[:section.index("</table>")]
    assert '<th scope="row">Hispanic or Latino/a/e</th><td class="numeric">11</td>' in section
    assert '<th scope="row">Not answered</th><td class="numeric">fewer than 10</td>' in section
    assert '<th scope="row">Black or African American</th><td class="numeric">not shown</td>' in section  # the other 11
    assert '<th scope="row">Asian</th><td class="numeric">0</td>' in section
    assert '<th scope="row">Woman or girl</th><td class="numeric">15</td>' in page


@pytest.mark.parametrize("born", ["2007-07-01", "2007-07-02", "2007-06-30", "2008-02-29", "2013-01-01", "2000-12-31", ""])
def test_ages_are_counted_in_sql_as_the_program_counts_them(app, born):
    cutoff = app.state.program.form.age_on
    with app.state.engine.connect() as connection:
        in_sql = connection.execute(select(age_in_sql(literal(born, String), cutoff))).scalar()
    assert in_sql == age_on(born, cutoff)
