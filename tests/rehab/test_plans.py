"""Plan generation from a signed assessment, editing, and the plan page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pht.models import AccessLog
from rehab.models import PlanExercise, RehabPlan
from tests.factories import PHT_FINDINGS, make_assessment, make_review

# Findings that make irritability high (night pain, short sitting tolerance).
HIGH_IRRITABILITY = {**PHT_FINDINGS, "night_pain": True, "sitting_tolerance_min": 5}
# Low irritability with a long history: a degenerative-leaning tendon.
LOW_IRRITABILITY = {
    **PHT_FINDINGS,
    "duration_weeks": 60,
    "recent_training_load_change": False,
    "night_pain": False,
    "pain_worse_after_activity": False,
    "sitting_tolerance_min": 60,
    "pain_nprs_now": 1,
    "pain_nprs_worst": 4,
}


def new_url(assessment):
    return reverse("rehab:plan_new", args=[assessment.pk])


def post_data(response, **changes):
    """The plan form as the page renders it (its rows, in order, with their dosage), saved;
    ``changes`` on top (``action`` for another button)."""
    formset = response.context["formset"]
    data = {
        "goals_need_running": "yes",
        "review_date": (datetime.date.today() + datetime.timedelta(days=14)).isoformat(),
        "notes": "",
        "action": "save",
        "rows_token": response.context["rows_token"],
        f"{formset.prefix}-TOTAL_FORMS": str(len(formset.forms)),
        f"{formset.prefix}-INITIAL_FORMS": str(len(formset.forms)),
    }
    for form in formset.forms:
        for name in form.fields:
            value = form.initial.get(name)
            if value is not None:
                data[form.add_prefix(name)] = str(value)
    lock_version = response.context.get("lock_version")
    if lock_version is not None:
        data["lock_version"] = str(lock_version)
    data.update(changes)
    return data


def act(client, url, page, action, **changes):
    """Press one of the editor's buttons (nothing is saved): the page that comes back."""
    response = client.post(url, post_data(page, action=action, **changes))
    assert response.status_code == 200
    return response


def exercises_of(page):
    return [row["exercise"] for row in page.context["rows"]]


@pytest.mark.parametrize(
    ("findings", "stage", "irritability"),
    [(HIGH_IRRITABILITY, 1, "high"), (PHT_FINDINGS, 1, "moderate"), (LOW_IRRITABILITY, 2, "low")],
    ids=["high irritability -> 1", "moderate, disrepair -> 1", "low irritability -> 2"],
)
def test_the_proposal_follows_stage_and_irritability(
    clinician_client, patient, clinician, findings, stage, irritability
):
    assessment = make_assessment(patient=patient, user=clinician, findings=findings, sign=True)
    response = clinician_client.get(new_url(assessment))
    assert response.status_code == 200
    proposal = response.context["proposal"]
    assert proposal.proposal.irritability == irritability
    assert proposal.stage == stage
    assert proposal.exercises
    assert f"Suggested starting point: stage {stage}" in response.content.decode()
    assert not RehabPlan.objects.exists()


def test_stage_1_never_proposes_moderate_or_deep_hip_flexion(clinician_client, signed_assessment):
    proposal = clinician_client.get(new_url(signed_assessment)).context["proposal"]
    assert proposal.stage == 1
    assert {e.hip_flexion for e in proposal.exercises} <= {"neutral", "low"}


def test_the_proposal_shows_load_advice(clinician_client, signed_assessment):
    content = clinician_client.get(new_url(signed_assessment)).content.decode()
    assert "Stop stretching the back of the thigh" in content
    assert "cushion" in content


def test_a_new_plan_starts_empty_with_the_rules_proposal_first_in_the_picker(
    clinician_client, signed_assessment
):
    page = clinician_client.get(new_url(signed_assessment))
    assert page.context["rows"] == []
    proposal = page.context["proposal"]
    picker = page.context["picker"]
    assert not any(item.ticked for item in picker)
    suggested = [item.exercise for item in picker if item.suggested]
    assert suggested == list(proposal.exercises)
    assert picker[: len(suggested)] == [item for item in picker if item.suggested]
    assert all(item.shown for item in picker if item.suggested)
    content = page.content.decode()
    picker_markup = content.split("picker-list")[1].split("</ul>")[0]
    assert picker_markup.count('name="add"') == len(picker)
    assert "checked" not in picker_markup
    # The goals question is asked once (it was also in the proposal's options before).
    assert content.count("Do the patient&#x27;s goals need running") == 1


def test_saving_the_edited_proposal_creates_the_plan(
    clinician_client, clinician, signed_assessment
):
    url = new_url(signed_assessment)
    page = clinician_client.get(url)
    first, second, third = [item.exercise for item in page.context["picker"][:3]]
    page = act(clinician_client, url, page, "add", add=[str(e.pk) for e in (first, second, third)])
    assert exercises_of(page) == [first, second, third]
    assert "Added to the plan: " in page.content.decode()
    page = act(clinician_client, url, page, "remove:1")
    assert exercises_of(page) == [first, third]
    data = post_data(page, goals_need_running="no")
    data["items-0-sets"] = "4"
    response = clinician_client.post(url, data)

    plan = RehabPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rehab:plan_detail", args=[plan.pk])
    assert (plan.current_stage, plan.proposed_stage, plan.irritability) == (1, 1, "moderate")
    assert plan.goals_need_running is False
    assert plan.created_by == clinician
    assert [item.exercise for item in plan.items.all()] == [first, third]
    assert plan.items.get(exercise=first).sets == "4"
    assert plan.items.get(exercise=third).sets == third.sets
    assert all(advice["for_runners"] is False for advice in plan.load_advice)
    assert plan.history.count() == 1
    log = AccessLog.objects.get(action="create", object_type="rehab_plan")
    assert (log.object_type, log.object_id, log.patient_id) == (
        "rehab_plan",
        plan.pk,
        signed_assessment.patient_id,
    )


def test_exercises_ticked_in_the_picker_are_added_on_saving(clinician_client, signed_assessment):
    url = new_url(signed_assessment)
    page = clinician_client.get(url)
    chosen = page.context["picker"][2].exercise
    response = clinician_client.post(url, post_data(page, add=[str(chosen.pk)]))
    assert response.status_code == 302
    item = RehabPlan.objects.get().items.get()
    assert (item.exercise, item.dosage) == (chosen, chosen.dosage)


def test_exercises_move_up_and_down(clinician_client, signed_assessment):
    url = new_url(signed_assessment)
    page = clinician_client.get(url)
    a, b, c = [item.exercise for item in page.context["picker"][:3]]
    page = act(clinician_client, url, page, "add", add=[str(e.pk) for e in (a, b, c)])
    page = act(clinician_client, url, page, "up:2")
    assert exercises_of(page) == [a, c, b]
    assert [row["focus"] for row in page.context["rows"]] == ["", "up", ""]
    page = act(clinician_client, url, page, "down:0")
    assert exercises_of(page) == [c, a, b]
    # At an end, the button there is disabled: the focus moves to the other one.
    assert [row["focus"] for row in page.context["rows"]] == ["", "down", ""]
    page = act(clinician_client, url, page, "up:1")
    assert [row["focus"] for row in page.context["rows"]] == ["down", "", ""]
    clinician_client.post(url, post_data(page))
    assert [i.exercise for i in RehabPlan.objects.get().items.order_by("order")] == [a, c, b]


def test_a_dosage_typed_before_an_action_is_kept(clinician_client, signed_assessment):
    url = new_url(signed_assessment)
    page = clinician_client.get(url)
    a, b = [item.exercise for item in page.context["picker"][:2]]
    page = act(clinician_client, url, page, "add", add=[str(a.pk), str(b.pk)])
    page = act(clinician_client, url, page, "down:0", **{"items-0-intensity": "Gentle, 50 %"})
    assert exercises_of(page) == [b, a]
    assert page.context["formset"].forms[1].initial["intensity"] == "Gentle, 50 %"
    assert not RehabPlan.objects.exists()


def test_the_picker_searches_by_name_and_filters_by_stage(clinician_client, signed_assessment):
    url = new_url(signed_assessment)
    page = clinician_client.get(url)
    assert page.context["picker_form"]["picker_stage"].value() == 1
    page = act(clinician_client, url, page, "find", q="BRIDGE hold", picker_stage="")
    shown = [item.exercise.name for item in page.context["picker"] if item.shown]
    assert shown and all("bridge hold" in name.lower() for name in shown)
    page = act(clinician_client, url, page, "find", q="", picker_stage="2")
    shown = [item for item in page.context["picker"] if item.shown]
    assert shown and all(2 in item.stages for item in shown)
    # Never beyond the plan's stage: stage 1 allows neutral or low hip flexion only.
    assert {item.exercise.hip_flexion for item in page.context["picker"]} <= {"neutral", "low"}
    content = page.content.decode()
    assert "hidden" in content and "plan-picker.js" in content


def test_pressing_enter_saves_nothing(clinician_client, signed_assessment):
    url = new_url(signed_assessment)
    page = clinician_client.get(url)
    first = page.context["picker"][0].exercise
    page = act(clinician_client, url, page, "add", add=[str(first.pk)])
    # The form's first submit button (the one Enter presses) only shows the changes.
    assert page.content.decode().index('value="refresh"') < page.content.decode().index(
        'value="up:0"'
    )
    act(clinician_client, url, page, "refresh")
    assert not RehabPlan.objects.exists()


def test_a_plan_needs_at_least_one_exercise(clinician_client, signed_assessment):
    page = clinician_client.get(new_url(signed_assessment))
    response = clinician_client.post(new_url(signed_assessment), post_data(page))
    assert response.status_code == 200
    assert "Choose at least one exercise" in response.content.decode()
    assert not RehabPlan.objects.exists()


def test_a_missing_dosage_is_shown_next_to_the_field(clinician_client, signed_assessment):
    url = new_url(signed_assessment)
    page = clinician_client.get(url)
    first = page.context["picker"][0].exercise
    page = act(clinician_client, url, page, "add", add=[str(first.pk)])
    data = post_data(page)
    data["items-0-sets"] = ""
    response = clinician_client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Needed for an exercise in the plan." in content
    assert "Please correct the exercises marked below." in content
    assert not RehabPlan.objects.exists()


def test_a_draft_assessment_cannot_get_a_plan(clinician_client, draft_assessment):
    response = clinician_client.get(new_url(draft_assessment))
    assert response.status_code == 409
    assert "still a draft" in response.content.decode()
    response = clinician_client.post(new_url(draft_assessment), {})
    assert response.status_code == 409
    assert not RehabPlan.objects.exists()


def test_the_clinician_can_plan_another_stage(clinician_client, signed_assessment):
    response = clinician_client.get(new_url(signed_assessment), {"stage": "2"})
    proposal = response.context["proposal"]
    assert (proposal.proposal.rehab_stage, proposal.stage) == (1, 2)


def test_editing_a_plan_changes_dosage_and_is_audited(clinician_client, rehab_plan):
    url = reverse("rehab:plan_edit", args=[rehab_plan.pk])
    page = clinician_client.get(url)
    first = page.context["formset"].forms[0]
    assert len(page.context["rows"]) == rehab_plan.items.count()
    data = post_data(page, review_date=(datetime.date.today() + datetime.timedelta(days=30)))
    data["review_date"] = data["review_date"].isoformat()
    data[first.add_prefix("reps")] = ""
    data[first.add_prefix("hold_seconds")] = "40"
    response = clinician_client.post(url, data)
    assert response.status_code == 302
    item = PlanExercise.objects.get(plan=rehab_plan, exercise_id=first.initial["exercise"])
    assert item.hold_seconds == "40"
    rehab_plan.refresh_from_db()
    assert rehab_plan.review_date == datetime.date.today() + datetime.timedelta(days=30)
    assert AccessLog.objects.filter(action="change", object_type="rehab_plan").count() == 1
    assert item.history.count() == 2


def test_editing_a_plan_removes_and_adds_exercises(clinician_client, rehab_plan):
    url = reverse("rehab:plan_edit", args=[rehab_plan.pk])
    page = clinician_client.get(url)
    kept = exercises_of(page)
    new = page.context["picker"][0].exercise
    assert new not in kept
    page = act(clinician_client, url, page, "remove:0")
    page = act(clinician_client, url, page, "add", add=[str(new.pk)])
    assert exercises_of(page) == [*kept[1:], new]
    assert clinician_client.post(url, post_data(page)).status_code == 302
    assert [i.exercise for i in rehab_plan.items.order_by("order")] == [*kept[1:], new]


def test_the_plan_page_is_logged_and_shows_exercises(clinician_client, rehab_plan):
    response = clinician_client.get(reverse("rehab:plan_detail", args=[rehab_plan.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    for item in rehab_plan.items.all():
        assert item.exercise.name in content
    assert AccessLog.objects.filter(action="view", object_id=rehab_plan.pk).count() == 1


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_plan_page_query_count_does_not_grow_with_reviews(
    clinician_client, clinician, rehab_plan
):
    url = reverse("rehab:plan_detail", args=[rehab_plan.pk])
    make_review(plan=rehab_plan, user=clinician, marker_pain=4)
    with_one = count_queries(clinician_client, url)
    for pain in (3, 2, 5, 1, 2, 3):
        make_review(plan=rehab_plan, user=clinician, marker_pain=pain)
    assert count_queries(clinician_client, url) == with_one


def test_the_pain_trend_is_an_svg_with_a_table_alternative(clinician_client, clinician, rehab_plan):
    make_review(plan=rehab_plan, user=clinician, marker_pain=4)
    make_review(plan=rehab_plan, user=clinician, marker_pain=2)
    content = clinician_client.get(reverse("rehab:plan_detail", args=[rehab_plan.pk])).content
    content = content.decode()
    assert "<svg" in content and "chart-marker" in content and "chart-limit" in content
    assert "<td>4/10</td>" in content and "<td>2/10</td>" in content
    assert 'style="' not in content


def test_patient_plans_selector_and_partial(rehab_plan, patient):
    from django.template.loader import render_to_string

    from rehab.selectors import plans_for_patient

    plans = plans_for_patient(patient)
    assert plans == [rehab_plan]
    html = render_to_string("rehab/_patient_plans.html", {"plans": plans})
    assert reverse("rehab:plan_detail", args=[rehab_plan.pk]) in html
    assert "Stage 1" in html


@pytest.mark.parametrize("page", ["plan_new", "review_new", "exercise_create", "plan_edit"])
def test_rehab_pages_have_no_inline_styles_or_scripts(
    admin_client_a, signed_assessment, rehab_plan, page
):
    args = {
        "plan_new": [signed_assessment.pk],
        "review_new": [rehab_plan.pk],
        "plan_edit": [rehab_plan.pk],
        "exercise_create": [],
    }[page]
    content = admin_client_a.get(reverse(f"rehab:{page}", args=args)).content.decode()
    assert 'style="' not in content
    assert "<script>" not in content
    assert "<legend" in content
