import datetime
import decimal

from django import forms
from django.conf import settings
from django.utils import timezone

from assessments import duplicates, patient_import, reasoning, search, selectors
from assessments.models import Patient
from assessments.patient_import import IDENTIFIER_PATTERN, NOTES_MAX_LENGTH, OLDEST_BIRTH_YEAR
from assessments.presenter import SECTION_TITLES
from assessments.selectors import SORTS
from pht.forms import DayFirstDateInput
from pht.rules import FindingsError, visa_h
from pht.rules.findings import FINDINGS, IMAGING_FINDINGS

# IDENTIFIER_PATTERN, OLDEST_BIRTH_YEAR and NOTES_MAX_LENGTH live beside the CSV import's
# row checks (assessments/patient_import.py), so the form and the import apply the same rules.


class PatientForm(forms.ModelForm):
    """Create or edit a patient, scoped to one clinic.

    A likely duplicate (assessments/duplicates.py: close names, in either order, and the same
    date of birth or its day and month swapped; look-alike letters from other alphabets and
    accents folded) is reported before anything is saved; the user must confirm that it is a
    different person. Names with invisible or direction-changing characters, or mixing
    alphabets, are refused.

    A new patient's identifier is proposed from the clinic's numbering (``proposed_identifier``
    carries the proposal); left as proposed, the service gives the next free number when the
    form is saved, so two registrations made at once never get the same one.
    """

    notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Administrative notes. Clinical findings belong in an assessment.",
    )
    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label="I have checked: this is a different person from the patient(s) listed above",
    )
    proposed_identifier = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    class Meta:
        model = Patient
        fields = [
            "identifier",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "notes",
        ]
        widgets = {
            # Typed, day first: a date picker is slow for a birth date decades back, and
            # Chromium shows <input type=date> in the browser's own locale (docs/dates.md).
            "date_of_birth": DayFirstDateInput(),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {"date_of_birth": "Day first, for example 14/03/1988."}

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.duplicates: list[Patient] = []
        for name in ("given_name", "family_name", "identifier", "phone"):
            self.fields[name].widget.attrs.setdefault("autocomplete", "off")
        if self.data.get(self.add_prefix("proposed_identifier")) or self.initial.get(
            "proposed_identifier"
        ):
            self.fields["identifier"].help_text = (
                "The clinic's next number. Keep it (the next free number is given on saving), "
                "or type the patient's own reference."
            )

    def _others(self):
        others = Patient.objects.filter(clinic=self.clinic)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        return others

    @property
    def numbers_identifier(self) -> bool:
        """A new patient whose proposed identifier was left as proposed."""
        proposed = self.cleaned_data.get("proposed_identifier") or ""
        identifier = self.cleaned_data.get("identifier") or ""
        return self._registering and bool(proposed) and identifier.lower() == proposed.lower()

    @property
    def _registering(self) -> bool:
        # A new Patient already has its UUID primary key: ask the model state instead.
        return self.instance._state.adding

    def clean_identifier(self) -> str:
        identifier = self.cleaned_data["identifier"].strip()
        if not IDENTIFIER_PATTERN.match(identifier):
            raise forms.ValidationError(
                "Use letters, digits, spaces, dots, slashes or hyphens, starting with a letter or digit."
            )
        proposed = self.data.get(self.add_prefix("proposed_identifier"), "")
        if self._registering and identifier.lower() == str(proposed).strip().lower():
            return identifier  # the clinic's next free number is taken on saving
        if self._others().filter(identifier__iexact=identifier).exists():
            raise forms.ValidationError(
                "Another patient in this clinic already has this identifier."
            )
        return identifier

    def clean_date_of_birth(self) -> datetime.date:
        dob = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if dob.year < OLDEST_BIRTH_YEAR:
            raise forms.ValidationError(
                f"Check the year: dates before {OLDEST_BIRTH_YEAR} are not accepted."
            )
        return dob

    def _clean_name(self, field: str) -> str:
        value = self.cleaned_data[field]
        problem = duplicates.name_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_given_name(self) -> str:
        return self._clean_name("given_name")

    def clean_family_name(self) -> str:
        return self._clean_name("family_name")

    def clean(self):
        cleaned = super().clean()
        given, family, dob = (
            cleaned.get(k) for k in ("given_name", "family_name", "date_of_birth")
        )
        if given and family and dob:
            self.duplicates = selectors.likely_duplicates(
                self.clinic.pk,
                given_name=given,
                family_name=family,
                date_of_birth=dob,
                exclude=self.instance.pk if not self._registering else None,
            )
            if self.duplicates and not cleaned.get("confirm_not_duplicate"):
                self.add_error(
                    "confirm_not_duplicate",
                    "A patient with a similar name and the same date of birth (or its day and "
                    "month swapped) already exists in this clinic. Open the existing record "
                    "instead, or tick the box to confirm this is a different person.",
                )
        return cleaned

    def patient_data(self) -> dict:
        """The cleaned fields that belong on the Patient model."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PatientSearchForm(forms.Form):
    """The patient list's search box, status filter and sort order (all from the URL)."""

    STATUSES = [("active", "Active"), ("archived", "Archived"), ("all", "All")]

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search patients",
        help_text="Name, identifier, date of birth (day first) or phone number.",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control",
                "placeholder": "e.g. Lowe, Harriet or 14/03/1988",
                "autocomplete": "off",
            }
        ),
    )
    status = forms.CharField(required=False)
    # Kept for links made before the status filter: archived=on is status=archived.
    archived = forms.BooleanField(required=False)
    sort = forms.CharField(required=False)

    def clean_q(self) -> str:
        query = self.cleaned_data["q"]
        errors = search.parse_query(query).errors
        if errors:
            raise forms.ValidationError(list(errors))
        return query

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if status not in dict(self.STATUSES):
            status = "archived" if self.data.get("archived") else "active"
        return status

    def clean_sort(self) -> str:
        sort = self.cleaned_data["sort"]
        return sort if sort in SORTS else "name"

    def search(self) -> dict:
        """What to list: the query (``query_valid`` False when it cannot be read), ``archived`` for
        ``search_patients`` (None for every patient), the status and the sort order."""
        cleaned = self.cleaned_data if self.is_bound else {}
        status = cleaned.get("status", "active")
        return {
            "query": cleaned.get("q", ""),
            "query_valid": "q" not in self.errors,
            "status": status,
            "archived": {"active": False, "archived": True}.get(status),
            "sort": cleaned.get("sort", "name"),
        }


# --- Assessment ------------------------------------------------------------------------

TEST_RESULT = [("", "Not tested"), ("negative", "Negative"), ("positive", "Positive")]
MAX_DURATION_WEEKS = 52 * 80
MAX_SITTING_MINUTES = 24 * 60
NOTE_MAX_LENGTH = 5000
OTHER_DIAGNOSIS = "other"


def _finding_field(spec, *, blank: str = "Not asked") -> forms.Field:
    """A form field for one findings key (docs/findings.md). Blank means absent."""
    help_text = spec.help
    if spec.kind == "bool":
        return forms.ChoiceField(
            label=spec.label,
            choices=[("", blank), ("yes", "Yes"), ("no", "No")],
            required=False,
            widget=forms.RadioSelect,
            help_text=help_text,
        )
    if spec.kind == "test":
        return forms.ChoiceField(
            label=spec.label, choices=TEST_RESULT, required=False, widget=forms.RadioSelect
        )
    if spec.kind == "int":
        maximum = spec.max
        if spec.key == "sitting_tolerance_min":
            maximum = MAX_SITTING_MINUTES
        return forms.IntegerField(
            label=spec.label,
            required=False,
            min_value=spec.min,
            max_value=maximum,
            help_text=help_text,
        )
    if spec.kind == "number":
        return forms.DecimalField(
            label=spec.label,
            required=False,
            min_value=spec.min,
            max_value=spec.max if spec.max is not None else MAX_DURATION_WEEKS,
            decimal_places=1,
            help_text=help_text,
        )
    if spec.kind == "choice":
        return forms.ChoiceField(
            label=spec.label,
            choices=[
                ("", "Not recorded"),
                *[(c, c.replace("_", " ").capitalize()) for c in spec.choices],
            ],
            required=False,
            widget=forms.RadioSelect,
            help_text=help_text,
        )
    if spec.kind == "multi":
        return forms.MultipleChoiceField(
            label=spec.label,
            choices=[(c, c.replace("_", " ").capitalize()) for c in spec.choices],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=help_text,
        )
    if spec.kind == "text":
        return forms.CharField(
            label=spec.label, required=False, max_length=200, help_text=help_text
        )
    raise ValueError(f"no form field for {spec.kind}")


class AssessmentForm(forms.Form):
    """The consultation form, generated from the findings vocabulary (pht.rules.findings).

    Blank answers mean "not asked / not examined" and are left out of the findings, so the
    rules never mistake them for a negative. A valid form has ``entry``: the one
    ``reasoning.AssessmentInput`` (findings, each test with its pain and side, the other
    fields), validated and evaluated once, which the live panel shows and the services store.
    """

    entry: "reasoning.AssessmentInput"

    assessed_on = forms.DateField(
        label="Date of assessment",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    side = forms.ChoiceField(
        label="Symptomatic side",
        choices=[
            ("", "Not recorded"),
            ("left", "Left"),
            ("right", "Right"),
            ("bilateral", "Bilateral"),
        ],
        required=False,
    )
    pre_test_percent = forms.IntegerField(
        label="Pre-test probability of PHT (%)",
        required=False,
        min_value=1,
        max_value=99,
        help_text="Leave blank to use the default from the presentation (a project assumption).",
    )
    working_diagnosis = forms.ChoiceField(label="Working diagnosis", required=False)
    working_diagnosis_text = forms.CharField(
        label="Working diagnosis (other, or details)", required=False, max_length=200
    )
    clinical_notes = forms.CharField(
        label="Clinical notes",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    plan_notes = forms.CharField(
        label="Plan",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.section_fields: dict[str, list[str]] = {key: [] for key in SECTION_TITLES}
        for spec in FINDINGS:
            if spec.key in reasoning.DERIVED_KEYS or spec.kind == "object":
                continue
            section = "tests" if spec.kind == "test" else spec.section
            blank = "Not examined" if section == "examination" else "Not asked"
            self.fields[spec.key] = _finding_field(spec, blank=blank)
            self.section_fields[section].append(spec.key)
            if spec.kind == "test":
                self.fields[f"{spec.key}_pain"] = forms.IntegerField(
                    label="Provoked pain (0-10)", required=False, min_value=0, max_value=10
                )
                self.fields[f"{spec.key}_side"] = forms.ChoiceField(
                    label="Side tested",
                    required=False,
                    choices=[
                        ("", "Not recorded"),
                        ("left", "Left"),
                        ("right", "Right"),
                        ("both", "Both"),
                    ],
                )
        for spec in IMAGING_FINDINGS:
            name = f"imaging_{spec.key}"
            field = _finding_field(spec, blank="Not reported")
            if spec.kind == "text":
                field = forms.CharField(
                    label=spec.label,
                    required=False,
                    max_length=NOTE_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            self.fields[name] = field
            self.section_fields["imaging"].append(name)
        self.fields["working_diagnosis"].choices = [
            ("", "Not decided yet"),
            *reasoning.DIAGNOSIS_CHOICES,
            (OTHER_DIAGNOSIS, "Other (describe below)"),
        ]
        self.fields["sitting_tolerance_min"].help_text = "Only when sitting is painful."
        # VISA-H has one way in, the questionnaire (linked to this visit); its total is shown
        # here and kept from the stored draft, never typed.
        visa = self.fields["visa_h"]
        visa.disabled = True
        visa.help_text = (
            "From the VISA-H questionnaire linked to this visit (Add a VISA-H), not typed here."
        )
        _style_widgets(self)
        self.warnings: dict[str, str] = {}
        self._set_aside: dict = {}
        if not self.is_bound and self.initial:
            self._run_checks(dict(self.initial))

    # -- reading and writing --------------------------------------------------------

    @classmethod
    def initial_for(cls, assessment) -> dict:
        """The form's initial data from a stored assessment (the reverse of ``prepare``)."""
        initial = {
            "assessed_on": assessment.assessed_on,
            "side": assessment.side,
            "working_diagnosis": assessment.working_diagnosis,
            "working_diagnosis_text": assessment.working_diagnosis_text,
            "clinical_notes": assessment.clinical_notes,
            "plan_notes": assessment.plan_notes,
            "lock_version": assessment.lock_version,
            "pre_test_percent": (
                round(assessment.pre_test_probability * 100)
                if assessment.pre_test_probability is not None
                else None
            ),
        }
        for test in assessment.provocation_tests:
            initial[f"{test.key}_pain"] = test.pain
            initial[f"{test.key}_side"] = test.side
        for key, value in assessment.findings.items():
            if key == "imaging":
                for image_key, image_value in value.items():
                    initial[f"imaging_{image_key}"] = _to_form(image_value)
            else:
                initial[key] = _to_form(value)
        initial.update(assessment.unresolved or {})
        return initial

    def _kept(self) -> dict:
        """The cleaned answers without those set aside as contradicting others."""
        return {k: v for k, v in self.cleaned_data.items() if k not in self.warnings}

    def _recorded(self) -> dict:
        """The findings as recorded: blank answers left out (never read as "no")."""
        data = self._kept()
        findings = {}
        for spec in FINDINGS:
            if spec.key in reasoning.DERIVED_KEYS or spec.key not in self.fields:
                continue
            value = _from_form(spec, data.get(spec.key))
            if value is not None:
                findings[spec.key] = value
        imaging = {}
        for spec in IMAGING_FINDINGS:
            value = _from_form(spec, data.get(f"imaging_{spec.key}"))
            if value is not None:
                imaging[spec.key] = value
        if imaging:
            findings["imaging"] = imaging
        return findings

    def _details(self) -> dict:
        data = self._kept()
        percent = data.get("pre_test_percent")
        return {
            "assessed_on": self.cleaned_data["assessed_on"],
            "side": data.get("side") or "",
            "pre_test_probability": percent / 100 if percent is not None else None,
            "working_diagnosis": data.get("working_diagnosis") or "",
            "working_diagnosis_text": data.get("working_diagnosis_text", "").strip(),
            "clinical_notes": data.get("clinical_notes", ""),
            "plan_notes": data.get("plan_notes", ""),
        }

    def _tests(self) -> dict:
        data = self._kept()
        return {
            test: (data.get(f"{test}_pain"), data.get(f"{test}_side") or "")
            for test in reasoning.TEST_KEYS
        }

    # -- validation ----------------------------------------------------------------

    def _run_checks(self, values: dict) -> None:
        self.warnings = {}
        self._set_aside = {}
        for check in (
            self._check_sitting,
            self._check_pain_scores,
            self._check_tests,
            self._check_working_diagnosis,
            self._check_neuro_grading,
            self._check_imaging,
            self._check_pain_location,
        ):
            check(values)
        for name in self.warnings:
            self._set_aside[name] = values.get(name)

    def _disagree(self, name: str, message: str) -> None:
        self.warnings[name] = message

    def _unresolved(self) -> dict:
        """The answers set aside, as JSON (the form's own values, to show them again)."""
        return {
            name: _as_json(value)
            for name, value in self._set_aside.items()
            if value not in (None, "", [])
        }

    @property
    def warning_labels(self) -> list[str]:
        return [f"{self.fields[name].label}: {message}" for name, message in self.warnings.items()]

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The assessment date cannot be in the future.")
        if day < self.patient.date_of_birth:
            raise forms.ValidationError(
                "The assessment date is before the patient's date of birth."
            )
        return day

    def clean(self):
        cleaned = super().clean()
        self._run_checks(cleaned)
        if not self.errors:
            try:
                self.entry = reasoning.prepare(
                    patient=self.patient,
                    details=self._details(),
                    recorded=self._recorded(),
                    tests=self._tests(),
                    unresolved=self._unresolved(),
                )
            except FindingsError as error:
                for message in error.errors:
                    self.add_error(None, message)
        return cleaned

    # Answers that contradict each other. A draft keeps them (``unresolved``): each check names
    # the answer it sets aside, which is shown with the warning next to its field and left out
    # of the findings the rules read; signing needs them resolved.

    def _check_sitting(self, cleaned: dict) -> None:
        if cleaned.get("sitting_tolerance_min") is not None and (
            cleaned.get("pain_with_sitting") != "yes"
        ):
            self._disagree(
                "sitting_tolerance_min",
                "Sitting tolerance is recorded only when sitting is painful: answer "
                "'Pain with sitting' with Yes, or clear this field.",
            )

    def _check_pain_scores(self, cleaned: dict) -> None:
        now, worst = cleaned.get("pain_nprs_now"), cleaned.get("pain_nprs_worst")
        if now is not None and worst is not None and now > worst:
            self._disagree("pain_nprs_now", "Pain now cannot be higher than the worst pain.")

    def _check_tests(self, cleaned: dict) -> None:
        for test in reasoning.TEST_KEYS:
            if cleaned.get(test):
                continue
            for detail in ("pain", "side"):
                if cleaned.get(f"{test}_{detail}") not in (None, ""):
                    self._disagree(
                        f"{test}_{detail}",
                        "Record the test result first, or clear this field: a test that "
                        "was not done has no provoked pain or side.",
                    )

    def _check_working_diagnosis(self, cleaned: dict) -> None:
        if (
            cleaned.get("working_diagnosis") == OTHER_DIAGNOSIS
            and not cleaned.get("working_diagnosis_text", "").strip()
        ):
            self._disagree(
                "working_diagnosis",
                "'Other' is chosen: describe the working diagnosis in the box below, or choose one "
                "from the list.",
            )

    def _check_neuro_grading(self, cleaned: dict) -> None:
        if cleaned.get("neuro_deficit") != "no":
            return
        graded = {
            "neuro_deficit_progressive": cleaned.get("neuro_deficit_progressive") == "yes",
            "foot_drop": cleaned.get("foot_drop") == "yes",
            "neuro_deficit_extent": bool(cleaned.get("neuro_deficit_extent")),
            "motor_grade_weakest": cleaned.get("motor_grade_weakest") not in (None, 5),
        }
        for name, grades_a_deficit in graded.items():
            if grades_a_deficit:
                self._disagree(
                    name,
                    "'Objective neurological deficit' is No, but this grades a deficit: answer "
                    "it Yes, or clear this field.",
                )

    def _check_imaging(self, cleaned: dict) -> None:
        if (
            cleaned.get("imaging_apophyseal_avulsion") == "no"
            and cleaned.get("imaging_apophyseal_displacement_mm") is not None
        ):
            self._disagree(
                "imaging_apophyseal_displacement_mm",
                "No apophyseal avulsion is recorded, so there is no displacement: clear this, "
                "or answer the avulsion Yes.",
            )

    def _check_pain_location(self, cleaned: dict) -> None:
        location = cleaned.get("pain_location") or []
        if cleaned.get("pain_below_knee") == "no" and "below_knee" in location:
            self._disagree(
                "pain_below_knee",
                "'Pain below the knee' is No, but 'below the knee' is ticked under where the pain is.",
            )

    def sections(self) -> list[dict]:
        """The fields grouped for the template, each with how to render it."""
        groups = []
        for key, title in SECTION_TITLES.items():
            rows = []
            for name in self.section_fields[key]:
                field = self[name]
                kind = _render_kind(self.fields[name])
                extra = []
                if key == "tests":
                    extra = [self[f"{name}_pain"], self[f"{name}_side"]]
                rows.append({"field": field, "kind": kind, "extra": extra})
            answered = sum(1 for name in self.section_fields[key] if self._answered(name))
            groups.append(
                {
                    "key": key,
                    "title": title,
                    "rows": rows,
                    "answered": answered,
                    "total": len(rows),
                }
            )
        return groups

    def _answered(self, name: str) -> bool:
        """Whether a question has an answer (what the page's progress counts, as the script
        does live)."""
        value = self[name].value()
        return value not in (None, "", [])


def _render_kind(field: forms.Field) -> str:
    # CheckboxSelectMultiple subclasses RadioSelect: test it first, or a multiple choice
    # ("Where the pain is") is drawn as radios and only one answer can be given.
    if isinstance(field.widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(field.widget, forms.RadioSelect):
        return "radio"
    return "input"


def _as_json(value):
    """A form value as JSON (kept in ``Assessment.unresolved`` and shown again as typed)."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _to_form(value):
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def _from_form(spec, value):
    """Form value -> findings value, or None for "not asked / not examined"."""
    if value in (None, "", []):
        return None
    if spec.kind == "bool":
        return value == "yes"
    if spec.kind == "number":
        number = float(value)
        return int(number) if number.is_integer() else number
    if spec.kind == "text":
        return value.strip() or None
    return value


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _style_widgets(form: forms.Form) -> None:
    """Bootstrap classes on text inputs and selects (radios and checkboxes are hand-rendered)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


# --- VISA-H --------------------------------------------------------------------------------


VISIT_NONE = "none"
HANDED_ON_VISITS = ("plan", "review")
CHOOSE_VISIT = "Choose the visit this questionnaire belongs to."


class VisaHForm(forms.Form):
    """The VISA-H questionnaire, generated from pht.rules.visa_h (items as data).

    ``visit`` says which visit the questionnaire belongs to: one of the patient's
    ``assessments`` (a draft takes the total into its findings; a signed one gets it as an
    addendum), a progress review (offered by the rehab app on the page, handed on to it after
    saving), or none.
    """

    completed_on = forms.DateField(
        label="Date completed", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    visit = forms.CharField(
        label="This questionnaire belongs to",
        max_length=80,
        error_messages={"required": CHOOSE_VISIT},
    )

    def __init__(self, *args, patient, assessments, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.assessments = {str(a.pk): a for a in assessments}
        for item in visa_h.SCALE_ITEMS:
            self.fields[item.key] = forms.TypedChoiceField(
                label=f"{item.number}. {item.text}",
                choices=[(str(n), str(n)) for n in range(11)],
                coerce=int,
                widget=forms.RadioSelect,
                help_text=f"0 = {item.worst_anchor}; 10 = {item.best_anchor}",
            )
        q7 = visa_h.Q7
        self.fields["q7"] = forms.TypedChoiceField(
            label=f"{q7.number}. {q7.text}",
            choices=[(str(i), option.label) for i, option in enumerate(q7.options)],
            coerce=int,
            widget=forms.RadioSelect,
        )
        self.fields["q8_branch"] = forms.ChoiceField(
            label=f"{visa_h.Q8.number}. {visa_h.Q8.text}",
            choices=[(branch.letter, branch.condition) for branch in visa_h.Q8.branches],
            widget=forms.RadioSelect,
        )
        for branch in visa_h.Q8.branches:
            self.fields[branch.key] = forms.TypedChoiceField(
                label=f"Part {branch.letter.upper()}: how long can the patient train?",
                choices=[("", "—")] + [(str(i), o.label) for i, o in enumerate(branch.options)],
                coerce=int,
                empty_value=None,
                required=False,
            )
        _style_widgets(self)

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        if day < self.patient.date_of_birth:
            raise forms.ValidationError("The date is before the patient's date of birth.")
        return day

    def visit_options(self) -> list[dict]:
        """The patient's assessments as radio options: value, words, what happens."""
        options = []
        for key, a in self.assessments.items():
            version = f" (version {a.version})" if a.version > 1 else ""
            if a.is_signed:
                label = f"The signed assessment of {_day(a.assessed_on)}{version}"
                hint = "Added after signing: shown with it and on its summary; its findings stay as signed."
            else:
                label = f"The draft assessment of {_day(a.assessed_on)}{version}"
                hint = "The total goes into its findings and its reasoning is updated."
            options.append({"value": f"assessment:{key}", "label": label, "hint": hint})
        return options

    def clean_visit(self) -> tuple:
        """(kind, target): ("none", None); ("assessment", the assessment); or, for a visit of
        another app the questionnaire is handed on to after saving, ("plan", UUID: the next
        progress review of that rehab plan) or ("review", UUID: a review recorded without a
        VISA-H)."""
        value = self.cleaned_data["visit"].strip()
        if value == VISIT_NONE:
            return ("none", None)
        kind, _, key = value.partition(":")
        if kind == "assessment" and key in self.assessments:
            return ("assessment", self.assessments[key])
        if kind in HANDED_ON_VISITS:
            try:
                return (kind, forms.UUIDField().clean(key))
            except forms.ValidationError:
                pass
        raise forms.ValidationError("Choose one of the visits listed.")

    def clean(self):
        cleaned = super().clean()
        branch = cleaned.get("q8_branch")
        if branch:
            chosen = f"q8{branch}"
            if cleaned.get(chosen) is None:
                self.add_error(chosen, "Choose how long the patient can train for this answer.")
            for other in visa_h.Q8.branches:
                key = other.key
                if key != chosen and cleaned.get(key) is not None:
                    self.add_error(
                        key,
                        "Only one part of question 8 is answered: clear this, or change the "
                        "answer above.",
                    )
        return cleaned

    def scale_rows(self) -> list[dict]:
        return [{"field": self[item.key], "kind": "radio"} for item in visa_h.SCALE_ITEMS]

    def sport_rows(self) -> list[dict]:
        return [
            {"field": self["q7"], "kind": "radio"},
            {"field": self["q8_branch"], "kind": "radio"},
        ]

    def q8_fields(self) -> list:
        return [self[branch.key] for branch in visa_h.Q8.branches]

    def answers(self) -> dict:
        data = self.cleaned_data
        answers = {item.key: data[item.key] for item in visa_h.SCALE_ITEMS}
        answers["q7"] = data["q7"]
        branch = data["q8_branch"]
        answers[f"q8{branch}"] = data[f"q8{branch}"]
        return answers


# --- Two records of one person -------------------------------------------------------------

RECORD_NOT_FOUND = "That record was not found in this clinic. Choose it from the list."


class _OtherRecordField(forms.ModelChoiceField):
    """A patient of the clinic named by id; a malformed or unknown id (another clinic's
    included) is simply not found."""

    default_error_messages = {"invalid_choice": RECORD_NOT_FOUND}  # noqa: RUF012

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Patient.objects.none(), error_messages={"required": RECORD_NOT_FOUND}, **kwargs
        )


class PairForm(forms.Form):
    """The other record of a pair: "not the same person" and its undo."""

    other = _OtherRecordField()

    def __init__(self, *args, patient, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["other"].queryset = patients

    def clean_other(self):
        other = self.cleaned_data["other"]
        if other.pk == self.patient.pk:
            raise forms.ValidationError("Choose two different records.")
        return other


class MergeForm(forms.Form):
    """The record to merge with (``with``) and which of the two is kept (``keep``)."""

    keep = forms.UUIDField(required=False)

    def __init__(self, *args, patient, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        # "with" is a Python keyword: the field is added by name.
        self.fields["with"] = _OtherRecordField()
        self.fields["with"].queryset = patients

    def clean(self):
        data = super().clean()
        other = data.get("with")
        if other is None:
            return data
        if other.pk == self.patient.pk:
            self.add_error(
                "with", "A record cannot be merged with itself: choose the other record."
            )
            return data
        keep = data.get("keep")
        if keep not in (None, self.patient.pk, other.pk):
            self.add_error("keep", "Choose one of the two records to keep.")
        return data

    def records(self):
        """(kept, merged) as chosen: by default the record with more assessments (the older
        registration on a tie)."""
        other, keep = self.cleaned_data["with"], self.cleaned_data.get("keep")
        pair = (self.patient, other)
        if keep is None:
            return tuple(sorted(pair, key=lambda p: (-p.assessment_count, p.created_at)))
        return pair if keep == self.patient.pk else (other, self.patient)


class PatientImportForm(forms.Form):
    """A CSV file of patients from the clinic's previous system (assessments/patient_import.py
    reads it; the size limits come from settings)."""

    file = forms.FileField(
        label="CSV file of patients",
        help_text="UTF-8 CSV (in Excel: Save as › CSV UTF-8), comma or semicolon separated, "
        "with a header row.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        max_bytes = settings.PATIENT_IMPORT_MAX_MB * 1024 * 1024
        if upload.size > max_bytes:
            raise forms.ValidationError(
                f"This file is larger than {settings.PATIENT_IMPORT_MAX_MB} MB. Split it into "
                "smaller files and import them one after the other."
            )
        data = upload.read()
        try:
            self.parsed = patient_import.parse(
                data, max_bytes=max_bytes, max_rows=settings.PATIENT_IMPORT_MAX_ROWS
            )
        except patient_import.ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        self.data_bytes = data
        return upload


class PatientImportCommitForm(forms.Form):
    include_duplicates = forms.BooleanField(
        required=False,
        label="Import possible duplicates too",
        help_text="Only when you have checked that each is a different person.",
    )
