"""Reading a CSV file of patients and checking each row (assessments/patient_import.py, pure)."""

import datetime

import pytest

from assessments import patient_import as reading
from assessments.models import Patient

TODAY = datetime.date(2026, 12, 7)
LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_rows": 20_000}
HEADER = "Identifier,Given name,Family name,Date of birth,Sex,Email,Phone,Notes\r\n"


def parse(text: str | bytes, **limits):
    data = text.encode() if isinstance(text, str) else text
    return reading.parse(data, **{**LIMITS, **limits})


def check(**values):
    raw = {
        "given_name": "Iris",
        "family_name": "Okafor",
        "date_of_birth": "04/03/1979",
        **values,
    }
    return reading.check_row(2, raw, today=TODAY)


# --- the file ------------------------------------------------------------------------------


def test_a_plain_utf8_file_gives_its_rows_with_spreadsheet_row_numbers():
    parsed = parse(HEADER + "NS-1,Iris,Okafor,04/03/1979,F,,,\r\n,Zoë,Lowe,1988-03-14,,,,\r\n")
    assert [number for number, _ in parsed.rows] == [2, 3]
    assert parsed.rows[1][1]["given_name"] == "Zoë"


def test_the_byte_order_mark_excel_writes_is_dropped():
    parsed = parse(("\ufeff" + HEADER + "NS-1,Iris,Okafor,04/03/1979,F,,,\r\n").encode())
    assert parsed.columns["identifier"] == 0
    assert parsed.rows[0][1]["identifier"] == "NS-1"


def test_semicolon_separated_files_are_read():
    parsed = parse("MRN;Forename;Surname;DOB\nA1;Iris;Okafor;04.03.1979\n")
    assert parsed.rows[0][1] == {
        "identifier": "A1",
        "given_name": "Iris",
        "family_name": "Okafor",
        "date_of_birth": "04.03.1979",
    }


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("MRN", "identifier"),
        ("Chart number", "identifier"),
        ("chart_no", "identifier"),
        ("First Name", "given_name"),
        ("FORENAME", "given_name"),
        ("Last name", "family_name"),
        ("surname", "family_name"),
        ("D.O.B.", "date_of_birth"),
        ("Date of Birth", "date_of_birth"),
        ("Gender", "sex"),
        ("E-mail", "email"),
        ("Telephone", "phone"),
        ("Comments", "notes"),
    ],
)
def test_header_aliases_are_matched_whatever_the_case(header, column):
    columns, ignored = reading.map_columns([header])
    assert columns == {column: 0}
    assert ignored == []


def test_unknown_columns_are_ignored_and_listed():
    parsed = parse("Given name,Family name,DOB,Insurer\nIris,Okafor,04/03/1979,Acme\n")
    assert parsed.ignored == ["Insurer"]
    assert "Insurer" not in str(parsed.rows)


@pytest.mark.parametrize(
    "data",
    [
        "Given name,Family name,DOB\nZoë,Lowe,14/03/1988\n".encode("cp1252"),
        "Given name,Family name,DOB\nZoë,Lowe,14/03/1988\n".encode("utf-16"),
        b"Given name,Family name,DOB\n\x00\x00,x,y\n",
    ],
    ids=["windows-1252", "utf-16", "nul-bytes"],
)
def test_a_file_not_in_utf8_is_refused_with_how_to_save_it(data):
    with pytest.raises(reading.ImportFileError, match="CSV UTF-8"):
        parse(data)


def test_missing_required_columns_are_named():
    with pytest.raises(reading.ImportFileError, match="family name, date of birth"):
        parse("Given name,Phone\nIris,0123\n")


@pytest.mark.parametrize("text", ["", "\r\n\r\n", "   "])
def test_an_empty_file_is_refused(text):
    with pytest.raises(reading.ImportFileError, match="empty"):
        parse(text)


def test_a_header_without_rows_is_refused():
    with pytest.raises(reading.ImportFileError, match="no patients"):
        parse(HEADER + "\r\n,,,\r\n")


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(reading.ImportFileError, match="larger than 1 MB"):
        parse(HEADER + "x" * (1024 * 1024), max_bytes=1024 * 1024)


def test_a_file_over_the_row_limit_is_refused():
    rows = "".join(f",Iris,Okafor{n},04/03/1979,,,,\r\n" for n in range(11))
    with pytest.raises(reading.ImportFileError, match="more than 10 patients"):
        parse(HEADER + rows, max_rows=10)


def test_a_quote_left_open_reads_as_one_long_cell_not_a_crash():
    parsed = parse('Given name,Family name,DOB\nIris,"Okafor,04/03/1979\n')
    assert len(parsed.rows) == 1


def test_short_rows_get_empty_cells():
    parsed = parse("Given name,Family name,DOB,Email\nIris,Okafor\n")
    assert parsed.rows[0][1]["date_of_birth"] == ""
    assert parsed.rows[0][1]["email"] == ""


def test_the_template_has_every_column_and_a_valid_example_row():
    parsed = parse(reading.template_csv())
    assert set(parsed.columns) == set(reading.COLUMNS)
    number, raw = parsed.rows[0]
    assert reading.check_row(number, raw, today=TODAY).valid


# --- one row -------------------------------------------------------------------------------


def test_a_complete_row_is_valid_and_cleaned():
    row = check(identifier=" NS-1 ", sex="f", email="iris@example.org", phone="07700 900123")
    assert row.valid
    assert row.values["identifier"] == "NS-1"
    assert row.values["date_of_birth"] == "1979-03-04"
    assert row.values["sex"] == "female"


@pytest.mark.parametrize(
    "text",
    [
        "04/03/1979",
        "04/03/79",
        "04.03.1979",
        "04-03-1979",
        "4 Mar 1979",
        "4 March 1979",
        "1979-03-04",
    ],
)
def test_dates_of_birth_are_read_day_first_or_iso(text):
    assert check(date_of_birth=text).values["date_of_birth"] == "1979-03-04"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Date of birth is missing."),
        ("03/30/1979", "is not a date of birth we can read"),
        ("31/02/1979", "is not a date of birth we can read"),
        ("08/12/2026", "in the future"),
        ("31/12/1899", "before 1900"),
    ],
)
def test_bad_dates_of_birth_are_explained(text, message):
    row = check(date_of_birth=text)
    assert not row.valid
    assert any(message in m for m in row.messages)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("F", "female"),
        ("female", "female"),
        ("M", "male"),
        ("MALE", "male"),
        ("Other", "other"),
        ("unknown", "not_stated"),
        ("Not stated", "not_stated"),
        ("", "not_stated"),
    ],
)
def test_sex_values_are_understood_in_any_case(text, value):
    assert check(sex=text).values["sex"] == value


def test_an_unknown_sex_is_explained():
    row = check(sex="x")
    assert row.messages == [
        "“x” is not a sex we understand: use F, M, female, male, other, unknown or not stated "
        "(or leave it empty)."
    ]


@pytest.mark.parametrize("field", ["given_name", "family_name"])
def test_names_are_required(field):
    assert check(**{field: "  "}).messages == [f"{reading.COLUMN_TITLES[field]} is missing."]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Har\u200briet", "invisible character"),
        ("Harriet\u202e", "changes the direction"),
        ("H\u0430rriet", "mixes letters from different alphabets"),
    ],
)
def test_names_with_hidden_characters_or_mixed_alphabets_are_refused(name, message):
    assert message in " ".join(check(given_name=name).messages)


@pytest.mark.parametrize("identifier", ["-12", "NS_1", "NS#1", "<b>"])
def test_identifiers_follow_the_patient_forms_pattern(identifier):
    assert "The identifier may only use" in " ".join(check(identifier=identifier).messages)


@pytest.mark.parametrize(
    ("field", "limit"),
    [("identifier", 40), ("given_name", 100), ("family_name", 100), ("phone", 30), ("notes", 5000)],
)
def test_values_longer_than_the_record_holds_are_refused(field, limit):
    row = check(**{field: "A" * (limit + 1)})
    assert f"{reading.COLUMN_TITLES[field]} is too long (at most {limit:,} characters)." in (
        row.messages
    )


def test_an_email_address_is_checked():
    assert check(email="iris@").messages == ["“iris@” is not an e-mail address."]


def test_the_lengths_match_the_patient_model():
    for column, limit in reading.MAX_LENGTHS.items():
        field = Patient._meta.get_field(column)
        if column != "notes":
            assert field.max_length == limit, column
