"""Plain forms for the rehab pages. They check input; the rules and services decide."""

import datetime

from django import forms
from django.utils import timezone

from assessments.models import VisaHResponse
from pht.rules import rehab as rules
from rehab.models import EXERCISE_STAGE_CHOICES, Exercise, HipFlexion, LoadType, ProgressReview

YES_NO = [("yes", "Yes"), ("no", "No")]
SOURCE_STATUS_CHOICES = [
    ("C", "Confirmed in the source"),
    ("C2", "From a secondary summary (a blog or summary of the paper)"),
    ("M", "Not yet confirmed against the original paper"),
    ("Dev", "A choice of this clinic, not yet validated"),
]
MAX_REVIEW_AHEAD_DAYS = 366
TEXT_MAX = 5000


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ExerciseFilterForm(forms.Form):
    stage = forms.TypedChoiceField(
        choices=[("", "Any stage"), *EXERCISE_STAGE_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    load_type = forms.ChoiceField(
        label="Load type", choices=[("", "Any load type"), *LoadType.choices], required=False
    )


class ExerciseForm(forms.Form):
    """A clinic's own exercise. The rules check it like a shipped one (stage limits)."""

    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        label="Short name for the web address",
        max_length=80,
        help_text="Lower-case words joined by hyphens, e.g. 'cable-hip-extension'.",
    )
    stages = forms.TypedMultipleChoiceField(
        choices=EXERCISE_STAGE_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    load_type = forms.ChoiceField(label="Load type", choices=LoadType.choices)
    hip_flexion = forms.ChoiceField(
        label="Deepest hip flexion",
        choices=HipFlexion.choices,
        help_text="Stages 1 and 2 allow neutral or low hip flexion only.",
    )
    sets = forms.CharField(max_length=20)
    reps = forms.CharField(
        max_length=20, required=False, help_text="For lifting or springy exercises."
    )
    hold_seconds = forms.CharField(
        label="Hold (seconds)", max_length=20, required=False, help_text="For isometric holds."
    )
    rest_seconds = forms.CharField(label="Rest (seconds)", max_length=20)
    intensity = forms.CharField(max_length=200)
    tempo = forms.CharField(max_length=200)
    frequency = forms.CharField(max_length=100, help_text="E.g. '3 times a week'.")
    instructions = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Plain words, written for the patient.",
    )
    cues = forms.CharField(
        max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), help_text="One per line."
    )
    avoid = forms.CharField(
        label="What to avoid",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line.",
    )
    source_key = forms.CharField(
        label="Source reference",
        max_length=40,
        help_text="A short code for your records, e.g. 'clinic-protocol'. Pages show the citation, "
        "not this code.",
    )
    source_citation = forms.CharField(
        label="Source citation", max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    source_status = forms.ChoiceField(label="Evidence status", choices=SOURCE_STATUS_CHOICES)
    source_note = forms.CharField(
        label="Source note", max_length=1000, required=False, widget=forms.Textarea({"rows": 2})
    )

    def clean_cues(self) -> list[str]:
        return _lines(self.cleaned_data["cues"])

    def clean_avoid(self) -> list[str]:
        return _lines(self.cleaned_data["avoid"])

    def clean(self):
        data = super().clean()
        load_type = data.get("load_type")
        if load_type == LoadType.ISOMETRIC and not data.get("hold_seconds"):
            self.add_error("hold_seconds", "An isometric exercise needs a hold time.")
        if load_type and load_type != LoadType.ISOMETRIC and not data.get("reps"):
            self.add_error("reps", "This load type needs a number of repetitions.")
        return data

    def exercise_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("stages")
        return data


class PlanOptionsForm(forms.Form):
    """GET option of the proposal: which stage's plan to make. (The goals are asked once, on
    the plan form; ``goals_need_running`` in the URL only sets their first answer.)"""

    goals_need_running = forms.ChoiceField(choices=YES_NO, required=False)
    stage = forms.TypedChoiceField(
        label="Stage to plan",
        choices=[("", "As suggested"), *EXERCISE_STAGE_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def goals(self) -> bool:
        value = self.cleaned_data.get("goals_need_running") if self.is_valid() else None
        return value != "no"

    def chosen_stage(self) -> int | None:
        return self.cleaned_data.get("stage") if self.is_valid() else None


class PlanForm(forms.Form):
    goals_need_running = forms.ChoiceField(
        label="Do the patient's goals need running or springy loading?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text="No: stage 4 (return to running) is left out and the advice is for non-runners.",
    )
    review_date = forms.DateField(
        label="Review date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    notes = forms.CharField(
        label="Notes for the clinical team",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Not printed on the patient handout.",
    )

    def clean_review_date(self) -> datetime.date:
        value = self.cleaned_data["review_date"]
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError("The review date cannot be in the past.")
        if value > today + datetime.timedelta(days=MAX_REVIEW_AHEAD_DAYS):
            raise forms.ValidationError("Choose a review date within a year.")
        return value


class PickerForm(forms.Form):
    """The exercise picker's search: words of the name, and a stage the exercise is listed for."""

    q = forms.CharField(label="Find by name", max_length=80, required=False)
    picker_stage = forms.TypedChoiceField(
        label="Listed for",
        choices=[("", "Any stage"), *[(n, f"Stage {n}") for n, _ in EXERCISE_STAGE_CHOICES]],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""

    def stage(self) -> int | None:
        return self.cleaned_data.get("picker_stage") if self.is_valid() else None


class PlanItemForm(forms.Form):
    """One exercise of the plan editor and its dosage (every row is in the plan)."""

    exercise = forms.UUIDField(widget=forms.HiddenInput)
    sets = forms.CharField(max_length=20, required=False)
    reps = forms.CharField(max_length=20, required=False)
    hold_seconds = forms.CharField(label="Hold (s)", max_length=20, required=False)
    rest_seconds = forms.CharField(label="Rest (s)", max_length=20, required=False)
    intensity = forms.CharField(max_length=200, required=False)
    tempo = forms.CharField(max_length=200, required=False)
    frequency = forms.CharField(max_length=100, required=False)

    def clean(self):
        data = super().clean()
        for name in ("sets", "rest_seconds", "frequency"):
            if not data.get(name):
                self.add_error(name, "Needed for an exercise in the plan.")
        if not data.get("reps") and not data.get("hold_seconds"):
            self.add_error("reps", "Give repetitions or a hold time.")
        return data

    def dosage(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in Exercise.DOSAGE_FIELDS}


PlanItemFormSet = forms.formset_factory(PlanItemForm, extra=0)


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(
        label="Date of review", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    marker_pain = forms.IntegerField(
        label="Marker-test pain today (0-10)",
        min_value=0,
        max_value=10,
        help_text="0 = no pain, 10 = worst imaginable.",
    )
    response_24h = forms.ChoiceField(
        label="Marker pain the morning after the last session",
        choices=ProgressReview.Response24h.choices,
        widget=forms.RadioSelect,
    )
    sitting_tolerance_min = forms.IntegerField(
        label="Sitting tolerance (minutes until the pain starts)",
        min_value=0,
        max_value=24 * 60,
        required=False,
        help_text="Optional.",
    )
    adherence = forms.ChoiceField(
        label="Adherence to the programme",
        choices=ProgressReview.Adherence.choices,
        widget=forms.RadioSelect,
    )
    visa_h = forms.ModelChoiceField(
        label="VISA-H questionnaire",
        queryset=VisaHResponse.objects.none(),
        required=False,
        empty_label="None completed for this review",
        blank=True,
        widget=forms.RadioSelect,
        help_text="Questionnaires are entered on the patient's record (Add VISA-H); those "
        "completed since the plan started and not yet used are listed here. Higher is "
        "better; no validated cut-offs or minimal important change exist for VISA-H.",
    )
    pain_during_run = forms.IntegerField(
        label="Pain during the last run (0-10)",
        min_value=0,
        max_value=10,
        required=False,
        help_text="Stage 4 only: used for the walk-run step.",
    )
    notes = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_review_on = forms.DateField(
        label="Next review",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Saved on the plan: the dashboard lists the review when it is due.",
    )

    def __init__(self, *args, plan, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["visa_h"].queryset = questionnaires
        self.fields["visa_h"].label_from_instance = _questionnaire_label
        if plan.current_stage != rules.LAST_STAGE or not plan.goals_need_running:
            del self.fields["pain_during_run"]

    def clean_reviewed_on(self) -> datetime.date:
        value = self.cleaned_data["reviewed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The review date cannot be in the future.")
        if value < timezone.localdate(self.plan.created_at):
            raise forms.ValidationError("The review cannot be before the plan was made.")
        return value

    def clean_next_review_on(self) -> datetime.date:
        value = self.cleaned_data["next_review_on"]
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError("The next review cannot be in the past.")
        if value > today + datetime.timedelta(days=MAX_REVIEW_AHEAD_DAYS):
            raise forms.ValidationError("Choose a next review within a year.")
        return value

    def clean(self):
        data = super().clean()
        reviewed_on, next_review_on = data.get("reviewed_on"), data.get("next_review_on")
        if reviewed_on and next_review_on and next_review_on <= reviewed_on:
            self.add_error("next_review_on", "The next review comes after this one.")
        return data

    def review_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.setdefault("pain_during_run", None)
        return data


def _questionnaire_label(response: VisaHResponse) -> str:
    return f"VISA-H {response.total}/100, completed {response.completed_on.day} {response.completed_on:%b %Y}"
