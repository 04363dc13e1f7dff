"""Finding a patient the way a clinician types: the list's format, apostrophes, accents,
dates of birth day first, phone numbers with or without +44 (issue 14)."""

import datetime

import pytest
from django.urls import reverse

from assessments import services
from assessments.search import fold, parse_query, phone_digits
from pht.audit import Actor
from tests.factories import PatientFactory

URL = reverse("assessments:patient_list")


def found(client, q, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200
    return [p.identifier for p in response.context["page"].object_list]


def register(clinic, user, identifier, given, family, born="1988-03-14", phone=""):
    """Through the service, as the new-patient form does (it keeps the search columns)."""
    return services.create_patient(
        actor=Actor(user, clinic),
        data={
            "identifier": identifier,
            "given_name": given,
            "family_name": family,
            "date_of_birth": datetime.date.fromisoformat(born),
            "sex": "female",
            "email": "",
            "phone": phone,
            "notes": "",
        },
    )


@pytest.fixture
def clinic_patients(clinic_a, clinician):
    register(clinic_a, clinician, "NS-0043", "Harriet", "Lowe", phone="07700 900123")
    register(clinic_a, clinician, "NS-0044", "James", "O'Brien", born="1979-11-02")
    register(clinic_a, clinician, "NS-0045", "Zoë", "Martin", born="1988-04-03")
    register(
        clinic_a,
        clinician,
        "NS-0046",
        "Anna",
        "Smith-Jones",
        born="1975-07-09",
        phone="+44 1632 960001",
    )
    register(clinic_a, clinician, "NS-0047", "Pieter", "van der Berg", born="1990-01-31")
    register(clinic_a, clinician, "12345678", "Rosa", "Lowell", born="2001-12-25")


@pytest.mark.parametrize(
    "q", ["Lowe, Harriet", "Harriet Lowe", "lowe harriet", "LOWE,HARRIET", "  lowe ,  harr "]
)
def test_the_name_as_the_list_shows_it_finds_the_patient(clinician_client, clinic_patients, q):
    assert found(clinician_client, q) == ["NS-0043"]


@pytest.mark.parametrize("q", ["obrien", "O'Brien", "o’brien", "O BRIEN", "brien james"])
def test_apostrophes_and_spaces_are_ignored(clinician_client, clinic_patients, q):
    assert found(clinician_client, q) == ["NS-0044"]


@pytest.mark.parametrize("q", ["zoe", "Zoë", "ZOE MARTIN", "zoë"])
def test_accents_are_ignored(clinician_client, clinic_patients, q):
    assert found(clinician_client, q) == ["NS-0045"]


@pytest.mark.parametrize("q", ["smithjones", "smith jones", "Smith-Jones", "jones anna"])
def test_hyphens_are_ignored(clinician_client, clinic_patients, q):
    assert found(clinician_client, q) == ["NS-0046"]


@pytest.mark.parametrize("q", ["van der berg", "vanderberg", "Berg, Pieter", "Van Der Berg"])
def test_particles_are_found_with_or_without_spaces(clinician_client, clinic_patients, q):
    assert found(clinician_client, q) == ["NS-0047"]


def test_a_word_matches_part_of_a_name_as_before(clinician_client, clinic_patients):
    assert found(clinician_client, "low") == ["NS-0043", "12345678"]  # Lowe, Lowell


@pytest.mark.parametrize(
    "q",
    [
        "1988-03-14",
        "14/03/1988",
        "14.03.1988",
        "14-03-1988",
        "14 Mar 1988",
        "14 March 1988",
        "14th March 1988",
        "14/3/88",
    ],
)
def test_the_date_of_birth_is_found_in_several_formats(clinician_client, clinic_patients, q):
    # Harriet Lowe, born 14 March 1988 (Zoë Martin was born on 3 April 1988).
    assert found(clinician_client, q) == ["NS-0043"]


def test_dates_are_read_day_first(clinician_client, clinic_patients):
    assert found(clinician_client, "03/04/1988") == ["NS-0045"]  # 3 April, not 4 March
    assert found(clinician_client, "04/03/1988") == []


def test_a_date_and_a_name_must_both_match(clinician_client, clinic_patients):
    assert found(clinician_client, "lowe 14/03/1988") == ["NS-0043"]
    assert found(clinician_client, "martin 14/03/1988") == []


def test_a_date_that_does_not_exist_is_explained_and_lists_nobody(
    clinician_client, clinic_patients
):
    response = clinician_client.get(URL, {"q": "lowe 31/02/1988"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "“31/02/1988” is not a date. Dates are read day first" in content
    assert "Nothing was searched: correct the search above." in content
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize(
    "q",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+447700900123",
        "0044 7700 900 123",
        "900123",
    ],
)
def test_a_phone_number_is_found_by_its_digits_whatever_the_prefix(
    clinician_client, clinic_patients, q
):
    assert found(clinician_client, q) == ["NS-0043"]


@pytest.mark.parametrize("q", ["01632 960001", "1632960001", "(01632) 960 001"])
def test_a_number_stored_with_44_is_found_typed_with_0(clinician_client, clinic_patients, q):
    assert found(clinician_client, q) == ["NS-0046"]


@pytest.mark.parametrize("q", ["ns-0043", "NS0043", "ns 0043"])
def test_the_identifier_is_found_with_or_without_its_hyphen(clinician_client, clinic_patients, q):
    assert found(clinician_client, q) == ["NS-0043"]


def test_a_numeric_identifier_is_found_although_it_reads_like_a_phone_number(
    clinician_client, clinic_patients
):
    assert found(clinician_client, "12345678") == ["12345678"]


def test_a_search_never_finds_another_clinics_patient(
    clinician_client, clinic_patients, clinic_b, other_clinician
):
    register(clinic_b, other_clinician, "SS-0043", "Harriet", "Lowe", phone="07700 900123")
    assert found(clinician_client, "Lowe, Harriet") == ["NS-0043"]
    assert found(clinician_client, "07700 900123") == ["NS-0043"]
    assert found(clinician_client, "14/03/1988") == ["NS-0043"]


def test_an_edit_through_the_service_keeps_the_search_columns(
    clinician_client, clinic_patients, clinician, clinic_a
):
    from assessments.models import Patient

    patient = Patient.objects.get(identifier="NS-0043")
    data = {
        f: getattr(patient, f)
        for f in (
            "identifier",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "email",
            "notes",
        )
    }
    services.update_patient(
        actor=Actor(clinician, clinic_a),
        patient=patient,
        data={**data, "family_name": "Ó Súilleabháin", "phone": "+44 20 7946 0958"},
    )
    assert found(clinician_client, "osuilleabhain") == ["NS-0043"]
    assert found(clinician_client, "020 7946 0958") == ["NS-0043"]
    assert found(clinician_client, "07700 900123") == []
    assert found(clinician_client, "lowe") == ["12345678"]


def test_the_search_box_says_what_it_accepts(clinician_client):
    content = clinician_client.get(URL).content.decode()
    assert "Name, identifier, date of birth (day first) or phone number." in content


def test_the_dashboard_search_box_searches_the_same_way(clinician_client, clinic_patients):
    dashboard = clinician_client.get(reverse("dashboard")).content.decode()
    assert f'action="{URL}"' in dashboard and 'name="q"' in dashboard
    assert found(clinician_client, "O'Brien, James") == ["NS-0044"]


# --- The pure functions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,folded",
    [
        ("O'Brien", "obrien"),
        ("Zoë", "zoe"),
        ("Zoe\u0308", "zoe"),  # a combining diaeresis
        ("Smith-Jones", "smithjones"),
        ("van der Berg", "vanderberg"),
        ("Søren Ærø", "sorenaero"),
        ("Łukasz", "lukasz"),
        ("Strauß", "strauss"),
        ("NS-0043", "ns0043"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    "phone,digits",
    [
        ("07700 900123", "7700900123"),
        ("+44 7700 900123", "7700900123"),
        ("+44 (0)7700 900123", "7700900123"),
        ("0044 7700 900123", "7700900123"),
        ("+33 6 12 34 56 78", "33612345678"),
        ("", ""),
    ],
)
def test_phone_digits(phone, digits):
    assert phone_digits(phone) == digits


def test_two_digit_years_are_the_latest_not_after_this_year():
    today = datetime.date(2026, 12, 2)
    assert parse_query("14/03/26", today=today).dates == (datetime.date(2026, 3, 14),)
    assert parse_query("14/03/27", today=today).dates == (datetime.date(1927, 3, 14),)


def test_words_that_are_not_a_month_are_not_a_date():
    query = parse_query("12 Smith 2020")
    assert query.dates == () and query.words == ("12", "smith", "2020")


def test_factory_patients_are_searchable_too(clinician_client, clinic_a):
    PatientFactory(clinic=clinic_a, identifier="NS-0100", given_name="Chloé", family_name="D'Arcy")
    assert found(clinician_client, "darcy chloe") == ["NS-0100"]


# --- Rows written before the search columns, and bulk loaders ------------------------------------


def _migration(name):
    import importlib

    return importlib.import_module(f"assessments.migrations.{name}")


def test_the_data_migration_fills_the_search_columns_of_existing_patients(
    clinician_client, clinic_a
):
    from django.apps import apps

    from assessments.models import Patient

    Patient.objects.bulk_create(
        [
            PatientFactory.build(
                clinic=clinic_a,
                identifier=f"NS-{n:04d}",
                family_name=f"O'Neill{n}",
                phone="07700 900123",
                search_name="",
                phone_digits="",
            )
            for n in range(5)
        ]
    )
    assert found(clinician_client, "oneill3") == []
    _migration("0010_fill_patient_search_columns").fill(apps, None)
    assert found(clinician_client, "oneill3") == ["NS-0003"]
    assert len(found(clinician_client, "07700 900123")) == 5
    assert Patient.history.count() == 0  # derived columns: no change-history rows


def test_the_numbering_migration_continues_each_clinics_series(clinic_a, clinic_b):
    from django.apps import apps

    for identifier in ("DPC-1001", "DPC-1014", "dpc-1002", "HOSP-99999", "X1"):
        PatientFactory(clinic=clinic_a, identifier=identifier)
    _migration("0011_clinic_identifier_numbering").number(apps, None)
    clinic_a.refresh_from_db()
    clinic_b.refresh_from_db()
    assert (clinic_a.identifier_prefix, clinic_a.next_identifier_number) == ("DPC", 1015)
    assert (clinic_b.identifier_prefix, clinic_b.next_identifier_number) == ("", 1)


def test_scale_seeded_patients_are_searchable_by_name_and_phone(clinician, clinic_a):
    import io

    from django.core.management import call_command
    from django.test import Client

    from assessments.models import Patient
    from tests.factories import MembershipFactory

    call_command(
        "seed_scale", patients=3, assessments_per_patient=1, workers=0, stdout=io.StringIO()
    )
    seeded = Patient.objects.filter(identifier__startswith="SC-").order_by("identifier").first()
    MembershipFactory(user=clinician, clinic=seeded.clinic)
    client = Client()
    client.force_login(clinician)
    client.post(reverse("clinic_switch"), {"clinic": str(seeded.clinic_id)})
    assert seeded.phone and seeded.search_name
    assert seeded.identifier in found(client, f"{seeded.family_name}, {seeded.given_name}")
    assert found(client, seeded.phone) == [seeded.identifier]


@pytest.mark.parametrize("sort", ["name", "-last_seen", "identifier"])
def test_an_unreadable_search_lists_nobody_in_any_order(clinician_client, clinic_patients, sort):
    response = clinician_client.get(URL, {"q": "31/02/1988", "sort": sort})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "is not a date" in response.content.decode()
