"""Registry of the evidence behind the rules.

Each rule, red flag and staging input cites a source key (``S1``, ``S25`` ...) taken from
``KNOWLEDGE.md`` section 10. ``citation()`` turns the key into the short citation shown to the
clinician. ``DEV`` marks a project heuristic: it is not a literature finding and every reason
that uses it says so.

Evidence status (KNOWLEDGE.md tags), carried by every rule as ``evidence``:

- ``C``: confirmed in the source consulted.
- ``C2``: confirmed only in a secondary source (blog or summary of the primary paper).
- ``M``: unverified (from memory); the reason text must say it is unconfirmed.
- ``Dev``: a project choice, not a literature finding; the reason text says "project heuristic".
"""

from typing import Literal

type Evidence = Literal["C", "C2", "M", "Dev"]

SOURCES: dict[str, str] = {
    "S1": "Cacchio et al. 2012, Br J Sports Med 46(12):883-887 (abstract)",
    "S2": "Cacchio et al. 2012, Br J Sports Med 46(12):883-887, Table 4",
    "S3": "Sports Med Res summary of Cacchio et al. 2012",
    "S4": "Physiotutors: Puranen-Orava test",
    "S5": "Physiotutors: bent-knee stretch test",
    "S9": "FIFA Medical Network: the tendon continuum",
    "S10": "Cook & Purdam 2009, Br J Sports Med 43:409-416",
    "S11": "Cook, Rio, Purdam & Docking 2016, Br J Sports Med 50(19):1187",
    "S17": "Performance Health Academy summary of Goom et al. 2016, JOSPT 46(6):483-493",
    "S18": "Franklyn-Miller, Falvey & McCrory 2009, Br J Sports Med 43:460 (gluteal triangle)",
    "S19": "Puranen & Orava 1988, Am J Sports Med 16:517",
    "S20": "Fredericson et al. 2005, Phys Sportsmed 33(5)",
    "S23": "Martin HD et al. 2014, Knee Surg Sports Traumatol Arthrosc 22:882",
    "S24": "Physiotutors: long-stride walking test (Gomez-Hoyos 2016)",
    "S25": "Laslett et al. 2005, Man Ther 10:207 (SIJ provocation cluster)",
    "S26": "Deville et al. 2000, Spine 25:1140 (straight-leg raise)",
    "S27": "Red flags and cauda equina warning signs (neurosurgical patient guidance)",
    "S28": "Ischial avulsion: BJSM case report; Ferlic et al. 2014, KSSTA",
    "S29": "Colosimo et al.: hamstring avulsion injuries",
    "S29b": "Bertiche et al. 2021, J ISAKOS 6:237 (avulsion state of the art)",
    "S30": "Rich et al. 2023, J Exp Orthop (PHT physiotherapy vs ESWT trial protocol)",
    "S33": "Clin Radiol 2018: MRI of proximal hamstring tendinopathy with ageing",
    "S34": "Thompson et al. 2015, ISAKOS abstract (asymptomatic hamstring origins)",
    "S38": "Physiotutors / WikiSM: seated and active piriformis tests",
    "S-eipt": "Evidence in Physical Therapy wiki: hamstring syndrome (secondary)",
    "S-ifi": "rheuma.com.au: ischiofemoral impingement case (secondary)",
    "DEV": "PHT Clinic project heuristic (not a literature finding)",
}

EVIDENCE_NOTE: dict[str, str] = {
    "C": "",
    "C2": "secondary source",
    "M": "unconfirmed: not yet checked against the primary paper",
    "Dev": "project heuristic, not a literature finding",
}


def citation(key: str) -> str:
    """The short citation for a source key; raises KeyError for an unknown key."""
    return SOURCES[key]
