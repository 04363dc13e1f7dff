"""The red-flag screen: the questions every assessment must answer before it is signed.

An unasked question is not a "no": a summary never says "no red flags" when the screen was not
done. ``screen(flat)`` reports which screening questions were asked and which were not; the
app requires them answered (or an explicit "not screened" with a reason) before sign-off.

The screen is the set of questions behind the emergency and urgent flags that cannot be
inferred from the rest of the assessment: cauda equina symptoms, cancer and weight loss,
fever, and an objective neurological examination.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCREEN_KEYS: tuple[str, ...] = (
    "saddle_anaesthesia",
    "bladder_bowel_change",
    "cancer_history",
    "weight_loss_unexplained",
    "fever",
    "neuro_deficit",
)


@dataclass(frozen=True)
class Screen:
    asked: tuple[str, ...]
    unasked: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.unasked

    def to_dict(self) -> dict[str, Any]:
        return {
            "asked": list(self.asked),
            "unasked": list(self.unasked),
            "complete": self.complete,
        }


def screen(findings: Mapping[str, Any]) -> Screen:
    """Which screening questions were answered (yes or no) and which were not asked."""
    asked = tuple(key for key in SCREEN_KEYS if key in findings)
    unasked = tuple(key for key in SCREEN_KEYS if key not in findings)
    return Screen(asked, unasked)
