"""The rehab gate: may a tendinopathy rehab plan be proposed from an assessment at all.

Each test shows one behaviour. The evaluations are hand-written snapshots (the JSON an
assessment stores), so the gate is tested independently of the scoring rules.
"""

import dataclasses
import json
import re

import pytest

from pht.rules.rehab import RehabGate, rehab_gate

PHT = "proximal_hamstring_tendinopathy"
PHT_ITEM = {"slug": PHT, "name": "Proximal hamstring tendinopathy", "level": "likely"}
RADICULOPATHY = {"slug": "lumbar_radiculopathy", "name": "Lumbar radiculopathy", "level": "likely"}
CAUDA_EQUINA = {
    "slug": "cauda_equina",
    "message": "Possible cauda equina syndrome",
    "urgency": "emergency",
}
BONE_STRESS = {
    "slug": "high_risk_bone_stress",
    "message": "Possible high-risk bone stress injury",
    "urgency": "urgent",
}
APOPHYSEAL = {
    "slug": "adolescent_apophyseal_injury",
    "message": "Possible apophyseal injury",
    "urgency": "soon",
}


def evaluation(*, red_flags=(), differentials=(PHT_ITEM,), **extra) -> dict:
    return {"red_flags": list(red_flags), "differentials": list(differentials), **extra}


def test_pht_as_working_diagnosis_without_red_flags_is_allowed() -> None:
    gate = rehab_gate(evaluation(), working_diagnosis=PHT)
    assert gate.allowed
    assert gate.reasons  # it still says why


def test_an_emergency_red_flag_blocks_and_names_the_flag() -> None:
    gate = rehab_gate(evaluation(red_flags=[CAUDA_EQUINA]), working_diagnosis=PHT)
    assert not gate.allowed
    assert len(gate.reasons) == 1
    assert "Possible cauda equina syndrome" in gate.reasons[0]


def test_an_urgent_red_flag_blocks() -> None:
    gate = rehab_gate(evaluation(red_flags=[BONE_STRESS]), working_diagnosis=PHT)
    assert not gate.allowed
    assert "Possible high-risk bone stress injury" in gate.reasons[0]


def test_the_red_flag_reason_says_how_to_unblock() -> None:
    (reason,) = rehab_gate(evaluation(red_flags=[BONE_STRESS]), working_diagnosis=PHT).reasons
    assert "not proposed until" in reason
    assert "resolved" in reason
    assert "override with a reason" in reason


def test_a_soon_red_flag_does_not_block() -> None:
    gate = rehab_gate(evaluation(red_flags=[APOPHYSEAL]), working_diagnosis=PHT)
    assert gate.allowed


def test_every_blocking_red_flag_gets_its_own_reason() -> None:
    gate = rehab_gate(
        evaluation(red_flags=[CAUDA_EQUINA, APOPHYSEAL, BONE_STRESS]), working_diagnosis=PHT
    )
    assert not gate.allowed
    assert len(gate.reasons) == 2
    assert "cauda equina" in gate.reasons[0] and "bone stress" in gate.reasons[1]


def test_another_working_diagnosis_blocks_and_is_named_from_the_differentials() -> None:
    gate = rehab_gate(
        evaluation(differentials=[PHT_ITEM, RADICULOPATHY]),
        working_diagnosis="lumbar_radiculopathy",
    )
    assert not gate.allowed
    assert "Lumbar radiculopathy" in gate.reasons[0]
    assert "not a tendinopathy" in gate.reasons[0]
    assert "lumbar_radiculopathy" not in gate.reasons[0]


def test_a_working_diagnosis_not_in_the_differentials_is_named_as_written() -> None:
    gate = rehab_gate(evaluation(), working_diagnosis="Gluteal tendinopathy")
    assert not gate.allowed
    assert "Gluteal tendinopathy" in gate.reasons[0]


def test_the_working_diagnosis_overrides_the_leading_suggestion() -> None:
    gate = rehab_gate(
        evaluation(differentials=[RADICULOPATHY, PHT_ITEM], top=RADICULOPATHY),
        working_diagnosis=PHT,
    )
    assert gate.allowed


def test_red_flag_and_diagnosis_reasons_are_both_given() -> None:
    gate = rehab_gate(
        evaluation(red_flags=[CAUDA_EQUINA], differentials=[RADICULOPATHY]),
        working_diagnosis="lumbar_radiculopathy",
    )
    assert not gate.allowed
    assert len(gate.reasons) == 2


def test_blank_working_diagnosis_uses_top_when_it_is_pht() -> None:
    gate = rehab_gate(evaluation(top=PHT_ITEM), working_diagnosis="")
    assert gate.allowed


def test_blank_working_diagnosis_blocks_when_top_is_another_diagnosis() -> None:
    gate = rehab_gate(
        evaluation(differentials=[PHT_ITEM, RADICULOPATHY], top=RADICULOPATHY),
        working_diagnosis="",
    )
    assert not gate.allowed
    assert "Lumbar radiculopathy" in gate.reasons[0]
    assert "No working diagnosis is recorded" in gate.reasons[0]


def test_top_none_means_no_diagnosis_is_suggested_and_blocks() -> None:
    # top is null: nothing suggested, even though the differentials list PHT first.
    gate = rehab_gate(evaluation(top=None), working_diagnosis="")
    assert not gate.allowed
    assert "suggests none of the listed diagnoses" in gate.reasons[0]


def test_whitespace_working_diagnosis_counts_as_blank() -> None:
    gate = rehab_gate(evaluation(top=RADICULOPATHY), working_diagnosis="   ")
    assert not gate.allowed
    assert "No working diagnosis is recorded" in gate.reasons[0]


def test_an_older_snapshot_without_top_uses_the_first_differential() -> None:
    gate = rehab_gate(evaluation(differentials=[PHT_ITEM, RADICULOPATHY]), working_diagnosis="")
    assert gate.allowed


def test_an_older_snapshot_leading_with_another_diagnosis_blocks() -> None:
    gate = rehab_gate(evaluation(differentials=[RADICULOPATHY, PHT_ITEM]), working_diagnosis="")
    assert not gate.allowed
    assert "Lumbar radiculopathy" in gate.reasons[0]


def test_an_older_snapshot_whose_first_differential_is_unlikely_blocks() -> None:
    unlikely_pht = {**PHT_ITEM, "level": "unlikely"}
    gate = rehab_gate(evaluation(differentials=[unlikely_pht]), working_diagnosis="")
    assert not gate.allowed
    assert "suggests none of the listed diagnoses" in gate.reasons[0]


def test_an_empty_snapshot_with_no_working_diagnosis_blocks() -> None:
    assert not rehab_gate({}, working_diagnosis="").allowed


def test_reasons_are_plain_words_without_keys() -> None:
    gate = rehab_gate(
        evaluation(red_flags=[CAUDA_EQUINA], differentials=[RADICULOPATHY, PHT_ITEM]),
        working_diagnosis="",
    )
    for reason in gate.reasons:
        assert "_" not in reason, reason
        assert not re.search(r"\bS\d+b?\b|\[(C|C2|M|Dev)\b", reason), reason


def test_the_gate_is_frozen_and_json_ready() -> None:
    gate = rehab_gate(evaluation(red_flags=[CAUDA_EQUINA]), working_diagnosis=PHT)
    assert isinstance(gate, RehabGate)
    with pytest.raises(dataclasses.FrozenInstanceError):
        gate.allowed = True  # type: ignore[misc]
    data = json.loads(json.dumps(gate.to_dict()))
    assert data == {"allowed": False, "reasons": list(gate.reasons)}
