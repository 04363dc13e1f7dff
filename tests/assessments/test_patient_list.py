import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import PatientFactory

URL = reverse("assessments:patient_list")


def names(response):
    return [p.identifier for p in response.context["page"].object_list]


def test_it_lists_only_the_users_clinic(clinician_client, patient, other_patient):
    response = clinician_client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["NS-0001"]
    assert b"Lindqvist" not in response.content.upper() and b"LINDQVIST" not in response.content


def test_search_is_case_insensitive_on_family_name(clinician_client, patient):
    response = clinician_client.get(URL, {"q": "cLaRk"})
    assert names(response) == ["NS-0001"]


def test_search_matches_given_name_and_identifier(clinician_client, patient, clinic_a):
    PatientFactory(clinic=clinic_a, identifier="NS-0002", given_name="Oscar", family_name="Wilde")
    assert names(clinician_client.get(URL, {"q": "hann"})) == ["NS-0001"]
    assert names(clinician_client.get(URL, {"q": "ns-0002"})) == ["NS-0002"]


def test_every_word_must_match(clinician_client, patient, clinic_a):
    PatientFactory(clinic=clinic_a, identifier="NS-0002", given_name="Hannah", family_name="Wilde")
    assert names(clinician_client.get(URL, {"q": "hannah clarke"})) == ["NS-0001"]


def test_search_never_finds_another_clinics_patient(clinician_client, other_patient):
    response = clinician_client.get(URL, {"q": "Lindqvist"})
    assert names(response) == []
    assert b"No patients match" in response.content


def test_archived_patients_are_hidden_by_default(clinician_client, patient, clinic_a):
    PatientFactory(clinic=clinic_a, identifier="NS-0009", archived_at=timezone.now())
    assert names(clinician_client.get(URL)) == ["NS-0001"]
    assert names(clinician_client.get(URL, {"archived": "on"})) == ["NS-0009"]


def family_names(response):
    return [p.family_name for p in response.context["page"].object_list]


def test_it_pages_the_list_in_order_with_previous_and_next(clinician_client, clinic_a, settings):
    settings.PATIENTS_PER_PAGE = 5
    for n in range(12):
        PatientFactory(clinic=clinic_a, family_name=f"Family{n:02d}")
    first, second, third = (clinician_client.get(URL, {"page": n}) for n in (1, 2, 3))
    assert family_names(first) == [f"Family{n:02d}" for n in range(5)]
    assert family_names(second) == [f"Family{n:02d}" for n in range(5, 10)]
    assert family_names(third) == ["Family10", "Family11"]
    assert b"Page 1</span>" in first.content
    assert b'page=2" rel="next"' in first.content and b'rel="prev"' not in first.content
    assert b'page=1" rel="prev"' in second.content and b'page=3" rel="next"' in second.content
    assert b'page=2" rel="prev"' in third.content and b'rel="next"' not in third.content


def test_paging_keeps_the_search(clinician_client, clinic_a, settings):
    settings.PATIENTS_PER_PAGE = 2
    for n in range(3):
        PatientFactory(clinic=clinic_a, family_name=f"Wilde{n}")
    PatientFactory(clinic=clinic_a, family_name="Other")
    first = clinician_client.get(URL, {"q": "wilde"})
    assert b'?q=wilde&amp;page=2" rel="next"' in first.content
    assert family_names(clinician_client.get(URL, {"q": "wilde", "page": 2})) == ["Wilde2"]


def test_a_full_last_page_has_no_next_link(clinician_client, clinic_a, settings):
    settings.PATIENTS_PER_PAGE = 2
    PatientFactory(clinic=clinic_a, family_name="A")
    PatientFactory(clinic=clinic_a, family_name="B")
    response = clinician_client.get(URL)
    assert family_names(response) == ["A", "B"]
    assert b'rel="next"' not in response.content
    assert b'aria-label="Pages"' not in response.content


def test_a_page_past_the_end_is_empty_and_offers_the_first_page(clinician_client, patient):
    response = clinician_client.get(URL, {"page": 7})
    assert response.status_code == 200
    assert names(response) == []
    assert b"No more patients on page 7" in response.content
    assert b'href="?page=1"' in response.content


@pytest.mark.parametrize("page", ["abc", "0", "-3", ""])
def test_a_bad_page_number_shows_the_first_page(clinician_client, patient, page):
    response = clinician_client.get(URL, {"page": page})
    assert response.status_code == 200
    assert names(response) == ["NS-0001"]
    assert response.context["page"].number == 1


def test_an_overlong_query_is_refused_with_a_message(clinician_client, patient):
    response = clinician_client.get(URL, {"q": "x" * 500})
    assert response.status_code == 200
    assert b"at most 100 characters" in response.content


def _count_queries(client, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("rows", [3, 30])
def test_query_count_does_not_grow_with_rows(clinician_client, clinic_a, rows, settings):
    settings.PATIENTS_PER_PAGE = 25
    for _ in range(rows):
        PatientFactory(clinic=clinic_a)
    # session, user, membership, page (one row more than a page; no COUNT)
    assert _count_queries(clinician_client) == 4


def test_query_count_does_not_grow_with_plans_reviews_or_sorting(
    clinician_client, clinician, clinic_a, rehab_review, settings
):
    settings.PATIENTS_PER_PAGE = 25
    for _ in range(30):
        PatientFactory(clinic=clinic_a)
    for sort in ("name", "-name", "identifier", "-identifier", "-last_seen"):
        for params in ({}, {"q": "family"}, {"q": "14/03/1988"}, {"status": "all"}):
            with CaptureQueriesContext(connection) as ctx:
                response = clinician_client.get(URL, {"sort": sort, **params})
            assert response.status_code == 200
            # session, user, membership, page (one row more than a page, with its columns).
            # Most recently seen first (selectors.RecentlySeen): the newest assessments (one
            # chunk for a page), the reviews since the oldest of them, the page's rows, and
            # when the seen patients run out before the page ends, the never-seen ones.
            if sort == "-last_seen":
                assert len(ctx) <= 7, (sort, params)
            else:
                assert len(ctx) == 4, (sort, params)
            assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


# --- Columns: last seen, rehab plan, status (issue 14) -------------------------------------------


def rows(response):
    return {
        p.identifier: (p.last_seen, p.plan_stage, p.is_archived)
        for p in response.context["page"].object_list
    }


def test_last_seen_is_the_latest_assessment_or_review(
    clinician_client, clinician, patient, rehab_review, clinic_a
):
    import datetime

    from tests.factories import make_assessment

    never = PatientFactory(clinic=clinic_a, identifier="NS-0002", family_name="Never")
    assessed_only = PatientFactory(clinic=clinic_a, identifier="NS-0003", family_name="Once")
    make_assessment(patient=assessed_only, user=clinician, assessed_on=datetime.date(2026, 5, 4))
    response = clinician_client.get(URL)
    listed = rows(response)
    # The cast's patient: assessed on 2 Nov 2026, reviewed today on a stage-1 plan.
    assert listed["NS-0001"] == (rehab_review.reviewed_on, 1, False)
    assert listed["NS-0003"] == (datetime.date(2026, 5, 4), None, False)
    assert listed[never.identifier] == (None, None, False)
    content = response.content.decode()
    assert "4 May 2026" in content and "Not yet seen" in content
    assert "Stage 1" in content and "No plan" in content


def test_an_assessment_after_the_last_review_is_the_last_seen(
    clinician_client, clinician, patient, rehab_review
):
    import datetime

    from tests.factories import make_assessment

    later = rehab_review.reviewed_on + datetime.timedelta(days=3)
    make_assessment(patient=patient, user=clinician, assessed_on=later)
    assert rows(clinician_client.get(URL))["NS-0001"][0] == later


def test_the_newest_plan_gives_the_stage(
    clinician_client, clinician, signed_assessment, rehab_plan
):
    import datetime

    from tests.factories import make_plan

    make_plan(
        assessment=signed_assessment,
        user=clinician,
        stage=3,
        started_on=datetime.date.today(),
    )
    assert rows(clinician_client.get(URL))["NS-0001"][1] == 3


def test_the_status_filter_and_column(clinician_client, patient, clinic_a):
    PatientFactory(clinic=clinic_a, identifier="NS-0009", archived_at=timezone.now())
    assert names(clinician_client.get(URL, {"status": "active"})) == ["NS-0001"]
    assert names(clinician_client.get(URL, {"status": "archived"})) == ["NS-0009"]
    everyone = clinician_client.get(URL, {"status": "all"})
    assert sorted(names(everyone)) == ["NS-0001", "NS-0009"]
    content = everyone.content.decode()
    assert "<h1" in content and "All patients" in content
    assert '<span class="badge text-bg-secondary">Archived</span>' in content
    assert "<td>Active</td>" in content


def test_a_bad_status_or_sort_shows_the_default_list(clinician_client, patient, clinic_a):
    PatientFactory(clinic=clinic_a, identifier="NS-0009", archived_at=timezone.now())
    response = clinician_client.get(URL, {"status": "deleted", "sort": "password"})
    assert response.status_code == 200
    assert names(response) == ["NS-0001"]
    assert (response.context["status"], response.context["sort"]) == ("active", "name")


# --- Sorting -----------------------------------------------------------------------------------


@pytest.fixture
def three(clinic_a, clinician):
    import datetime

    from tests.factories import make_assessment

    ada = PatientFactory(clinic=clinic_a, identifier="NS-0030", family_name="Adams")
    cole = PatientFactory(clinic=clinic_a, identifier="NS-0010", family_name="Cole")
    PatientFactory(clinic=clinic_a, identifier="NS-0020", family_name="Brown")
    make_assessment(patient=ada, user=clinician, assessed_on=datetime.date(2026, 3, 1))
    make_assessment(patient=cole, user=clinician, assessed_on=datetime.date(2026, 9, 1))


@pytest.mark.parametrize(
    "sort,order",
    [
        ("name", ["Adams", "Brown", "Cole"]),
        ("-name", ["Cole", "Brown", "Adams"]),
        ("identifier", ["Cole", "Brown", "Adams"]),
        ("-identifier", ["Adams", "Brown", "Cole"]),
        ("-last_seen", ["Cole", "Adams", "Brown"]),  # never seen: last
    ],
)
def test_the_list_sorts_by_name_identifier_and_last_seen(clinician_client, three, sort, order):
    assert family_names(clinician_client.get(URL, {"sort": sort})) == order
    # A search sorts its matches the same way.
    searched = clinician_client.get(URL, {"sort": sort, "q": "ns-00"})
    assert family_names(searched) == order


def test_sorting_pages_through_without_repeating_anyone(clinician_client, clinic_a, settings):
    settings.PATIENTS_PER_PAGE = 4
    for n in range(10):
        PatientFactory(clinic=clinic_a, family_name="Same", identifier=f"NS-{n:04d}")
    seen = []
    for page in (1, 2, 3):
        seen += names(clinician_client.get(URL, {"sort": "-last_seen", "page": page}))
    assert sorted(seen) == [f"NS-{n:04d}" for n in range(10)]


def test_column_headings_link_the_other_direction_and_keep_the_search(clinician_client, three):
    response = clinician_client.get(URL, {"q": "ns", "status": "all", "sort": "name"})
    content = response.content.decode()
    assert 'aria-sort="ascending"><a href="?q=ns&amp;status=all&amp;sort=-name">Name</a>' in content
    assert '<a href="?q=ns&amp;status=all&amp;sort=identifier">Identifier</a>' in content
    assert '<a href="?q=ns&amp;status=all&amp;sort=-last_seen">Last seen</a>' in content
    response = clinician_client.get(URL, {"sort": "-last_seen"})
    content = response.content.decode()
    assert 'aria-sort="descending"><a href="?sort=-last_seen">Last seen</a>' in content
    assert '<a href="?sort=name">Name</a>' in content
    # Paging keeps the order.
    assert 'name="sort" value="-last_seen"' in content


def test_most_recently_seen_first_pages_exactly_as_a_full_sort_would(
    clinician_client, clinician, clinic_a, signed_assessment, settings
):
    """The walk over the newest assessments (selectors.RecentlySeen) gives, page by page, the
    order of sorting every patient by the computed last seen: ties on a date, a review long
    after the patient's last assessment, archived patients, never-seen patients last."""
    import datetime

    from assessments import selectors
    from assessments.models import Patient
    from tests.factories import make_assessment, make_plan, make_review

    day = datetime.date(2026, 1, 1)
    for n in range(14):
        seen = PatientFactory(clinic=clinic_a, family_name=f"Seen{n % 5}")
        for visit in range(n % 3 + 1):
            on = day + datetime.timedelta(days=(n * 7 + visit * 3) % 40)
            make_assessment(patient=seen, user=clinician, assessed_on=on)
    for n in range(6):
        PatientFactory(clinic=clinic_a, family_name=f"Never{n}")
    PatientFactory(clinic=clinic_a, family_name="Gone", archived_at=timezone.now())
    # Assessed before anyone else, reviewed after everyone (today): first.
    early = PatientFactory(clinic=clinic_a, family_name="Early")
    first_visit = make_assessment(
        patient=early, user=clinician, sign=True, assessed_on=datetime.date(2025, 6, 1)
    )
    plan = make_plan(assessment=first_visit, user=clinician)
    make_review(plan=plan, user=clinician, reviewed_on=datetime.date.today())

    everyone = Patient.objects.filter(clinic=clinic_a)
    expected = [
        p.pk for p in selectors.search_patients(everyone, "", archived=False, sort="-last_seen")
    ]
    assert expected[:2] == [early.pk, signed_assessment.patient_id]
    assert len(expected) == 22
    for per_page in (1, 4, 7, 25):
        settings.PATIENTS_PER_PAGE = per_page
        listed = []
        for page in range(1, 30):
            response = clinician_client.get(URL, {"sort": "-last_seen", "page": page})
            rows = response.context["page"].object_list
            listed += [p.pk for p in rows]
            if not response.context["page"].has_next:
                break
        assert listed == expected, per_page


def test_most_recently_seen_first_clamps_deep_pages(
    clinician_client, clinician, clinic_a, settings, monkeypatch
):
    from assessments import selectors
    from tests.factories import make_assessment

    monkeypatch.setattr(selectors.RecentlySeen, "max_page", 2)
    settings.PATIENTS_PER_PAGE = 1
    for _ in range(4):
        make_assessment(patient=PatientFactory(clinic=clinic_a), user=clinician)
    response = clinician_client.get(URL, {"sort": "-last_seen", "page": 9})
    assert response.context["page"].number == 2
    assert len(response.context["page"].object_list) == 1
    assert b'rel="next"' not in response.content
