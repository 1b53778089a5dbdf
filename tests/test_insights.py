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


def hidden(counts, minimum=10) -> list[bool]:
    return [row.hidden for row in suppress([Row(str(n), n) for n in counts], minimum)]


def test_small_counts_are_hidden():
    assert hidden([40, 3, 0, 12]) == [False, True, False, True]  # 12 shown would give the 3 away from the total


def test_nothing_is_hidden_when_every_count_is_large_or_zero():
    assert hidden([40, 10, 0]) == [False, False, False]


def test_small_counts_that_add_up_to_a_small_group_hide_one_more():
    assert hidden([60, 55, 1, 1, 0]) == [False, True, True, True, False]  # "1 and 1" would show from the total
    assert hidden([40, 3, 9]) == [False, True, True]  # together 12: neither can be worked out


def test_whatever_is_hidden_could_not_be_worked_out_from_the_total():
    import itertools
    for counts in itertools.product([0, 1, 4, 9, 10, 12, 30], repeat=4):
        flags = hidden(list(counts))
        kept = [n for n, flag in zip(counts, flags, strict=True) if flag]
        nonzero = [n for n in counts if n]
        assert not kept or (len(kept) >= 2 and sum(kept) >= 10) or len(kept) == len(nonzero)


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
        assert '<th scope="row">Allston</th><td class="numeric">hidden</td>' in page.text
        # 12 would give away Allston's 3 from the total of 15
        assert '<th scope="row">Roxbury</th><td class="numeric">hidden</td>' in page.text
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
    assert '<th scope="row">Not answered</th><td class="numeric">hidden</td>' in section
    assert '<th scope="row">Black or African American</th><td class="numeric">hidden</td>' in section  # the other 11
    assert '<th scope="row">Asian</th><td class="numeric">0</td>' in section
    assert '<th scope="row">Woman or girl</th><td class="numeric">15</td>' in page


@pytest.mark.parametrize("born", ["2007-07-01", "2007-07-02", "2007-06-30", "2008-02-29", "2013-01-01", "2000-12-31", ""])
def test_ages_are_counted_in_sql_as_the_program_counts_them(app, born):
    cutoff = app.state.program.form.age_on
    with app.state.engine.connect() as connection:
        in_sql = connection.execute(select(age_in_sql(literal(born, String), cutoff))).scalar()
    assert in_sql == age_on(born, cutoff)


def test_a_small_total_is_not_shown_either(app, client, example):
    for _ in range(3):
        post(client, submission(app, copy.deepcopy(example)))
    with TestClient(app) as browser:
        sign_in(browser, make_user(app, "analyst").email)
        page = browser.get("/staff/insights").text
    assert 'id="insights-total">fewer than 11<' in page and ">3<" not in page


def test_a_group_of_ten_is_hidden_as_the_design_says(app):
    # DESIGN.md: aggregates shown to anyone suppress groups smaller than 11
    assert hidden([10, 10, 40], minimum=app.state.program.insights_min_count) == [True, True, False]
    assert hidden([11, 11, 40], minimum=app.state.program.insights_min_count) == [False, False, False]
