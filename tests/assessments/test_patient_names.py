"""Names are tidied by the patient service: spaces, Unicode form, and the casing of names typed
all in capitals or all in lower case; a name typed in mixed case keeps its casing (issue 14)."""

import datetime
import unicodedata

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Patient
from assessments.names import tidy_name
from pht.audit import Actor
from pht.models import AccessLog

URL = reverse("assessments:patient_create")


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("LOWE", "Lowe"),
        ("lowe", "Lowe"),
        ("O'BRIEN", "O'Brien"),
        ("o'brien", "O'Brien"),
        ("O’SULLIVAN", "O’Sullivan"),
        ("D'ARCY", "D'Arcy"),
        ("N'DIAYE", "N'Diaye"),
        ("MCDONALD", "McDonald"),
        ("mckenzie", "McKenzie"),
        ("MACLEOD", "MacLeod"),
        ("MACDONALD", "MacDonald"),
        ("MACHIN", "Machin"),
        ("MACKIE", "Mackie"),
        ("MACK", "Mack"),
        ("MACE", "Mace"),
        ("SMITH-JONES", "Smith-Jones"),
        ("smith - jones", "Smith-Jones"),
        ("VAN DER BERG", "van der Berg"),
        ("van der berg", "van der Berg"),
        ("DE LA CRUZ", "de la Cruz"),
        ("DA SILVA", "da Silva"),
        ("DOS SANTOS", "dos Santos"),
        ("VON TRAPP", "von Trapp"),
        ("DI MARIA", "Di Maria"),
        ("LE ROUX", "Le Roux"),
        ("DEL PIERO", "Del Piero"),
        ("ST JOHN", "St John"),
        ("ØSTERGÅRD", "Østergård"),
        ("NGUYỄN", "Nguyễn"),
    ],
)
def test_family_names_typed_in_one_case_are_title_cased(typed, stored):
    assert tidy_name(typed, family=True) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "van der Berg",
        "Van der Berg",
        "O'Brien",
        "McDonald",
        "Macdonald",
        "MacDonald",
        "de la Cruz",
        "DeShawn",
        "LeBlanc",
        "DiCaprio",
        "da Silva",
        "Mackie",
        "FitzGerald",
    ],
)
def test_names_typed_in_mixed_case_keep_their_casing(typed):
    assert tidy_name(typed, family=True) == typed


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("harriet", "Harriet"),
        ("HARRIET", "Harriet"),
        ("MARY-JANE", "Mary-Jane"),
        ("  mary   jane ", "Mary Jane"),
        ("ZOË", "Zoë"),
        ("JEAN-LUC", "Jean-Luc"),
        ("siobhán", "Siobhán"),
        ("MACKENZIE", "Mackenzie"),  # the Mac rule is for family names only
        ("DE", "De"),
    ],
)
def test_given_names(typed, stored):
    assert tidy_name(typed) == stored


def test_spaces_are_trimmed_and_collapsed_and_unicode_is_composed():
    decomposed = "Zoe\u0308  \t Martin "
    tidied = tidy_name(decomposed, family=True)
    assert tidied == "Zoë Martin"
    assert tidied == unicodedata.normalize("NFC", tidied) and len(tidied) == len("Zoë Martin")


def test_a_single_particle_is_a_name():
    assert tidy_name("VAN", family=True) == "Van"
    assert tidy_name("DE", family=True) == "De"


def valid(**overrides):
    data = {
        "identifier": "NS-0100",
        "given_name": "harriet",
        "family_name": "LOWE",
        "date_of_birth": "1988-03-14",
        "sex": "female",
    }
    data.update(overrides)
    return data


def test_the_new_patient_form_stores_tidy_names(clinician_client):
    response = clinician_client.post(URL, valid())
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert (patient.given_name, patient.family_name) == ("Harriet", "Lowe")
    assert clinician_client.get(response["Location"]).status_code == 200


def test_an_edit_tidies_too_and_a_change_of_case_alone_is_no_change(clinician_client, clinician):
    clinician_client.post(URL, valid())
    patient = Patient.objects.get()
    edit = reverse("assessments:patient_edit", args=[patient.pk])
    form = {**valid(), "date_of_birth": "14/03/1988"}
    clinician_client.post(edit, {**form, "family_name": "lowe ", "given_name": "HARRIET"})
    assert patient.history.count() == 1
    assert not AccessLog.objects.filter(action="change").exists()

    clinician_client.post(edit, {**form, "family_name": "o'brien-lowe"})
    patient.refresh_from_db()
    assert (patient.given_name, patient.family_name) == ("Harriet", "O'Brien-Lowe")
    assert AccessLog.objects.get(action="change").detail == "fields: family_name"


def test_an_edit_of_another_field_stores_the_tidy_names_not_the_typed_ones(clinician_client):
    clinician_client.post(URL, valid())
    patient = Patient.objects.get()
    edit = reverse("assessments:patient_edit", args=[patient.pk])
    clinician_client.post(edit, {**valid(), "given_name": "HARRIET", "phone": "07700 900123"})
    patient.refresh_from_db()
    assert (patient.given_name, patient.family_name, patient.phone) == (
        "Harriet",
        "Lowe",
        "07700 900123",
    )


def test_the_service_tidies_whatever_calls_it(clinician, clinic_a):
    patient = services.create_patient(
        actor=Actor(clinician, clinic_a),
        data={
            "identifier": "NS-0200",
            "given_name": " siobhán ",
            "family_name": "O'SULLIVAN",
            "date_of_birth": datetime.date(1990, 5, 1),
        },
    )
    assert (patient.given_name, patient.family_name) == ("Siobhán", "O'Sullivan")
    assert patient.search_name == "osullivan siobhan ns0200"


def test_a_duplicate_is_recognised_whatever_the_spelling_of_punctuation_and_accents(
    clinician_client,
):
    clinician_client.post(URL, valid(family_name="O'Brien", given_name="Zoë"))
    response = clinician_client.post(
        URL, valid(identifier="NS-0101", family_name="OBRIEN", given_name="zoe")
    )
    assert response.status_code == 200
    assert "Possible duplicate" in response.content.decode()
    assert Patient.objects.count() == 1
