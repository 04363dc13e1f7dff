"""The one registry of evidence behind every rule module (differentials, red flags, probability,
stage, next tests, VISA-H and rehab).

Each rule cites a source **key** (``S2``, ``NHS-LOTHIAN`` ...). Keys are identifiers for code
and stored snapshots only: the clinician always sees the readable citation (``cite(key)``, e.g.
"Cacchio et al. 2012, Br J Sports Med"), never the key. ``DEV`` marks a project heuristic.

Evidence status, carried by every rule as ``evidence``:

- ``C``: confirmed in the source consulted.
- ``C2``: confirmed only in a secondary source (blog or summary of the primary paper).
- ``M``: not yet confirmed against the primary paper; the text says so in plain words.
- ``Dev``: a project choice, not a literature finding; the text says "project heuristic".

``EVIDENCE_NOTE`` gives the plain words shown beside a rule of each status. ``docs/sources.md``
is generated from this module.
"""

from dataclasses import dataclass
from typing import Literal

type Evidence = Literal["C", "C2", "M", "Dev"]


@dataclass(frozen=True)
class Source:
    key: str
    citation: str  # readable short form shown to clinicians
    detail: str = ""  # full reference (title, journal, volume)
    link: str = ""
    secondary: bool = False  # a blog, summary or teaching page, not the primary paper


_ALL: tuple[Source, ...] = (
    Source(
        "S1",
        "Cacchio et al. 2012, Br J Sports Med",
        "Clinical diagnosis of proximal hamstring tendinopathy: accuracy of three pain-"
        "provocation tests. Br J Sports Med 46(12):883-887 (abstract)",
        "https://pubmed.ncbi.nlm.nih.gov/22219215/",
    ),
    Source(
        "S2",
        "Cacchio et al. 2012, Br J Sports Med (Table 4)",
        "Br J Sports Med 46(12):883-887, Table 4 (accuracy of the three tests)",
        "https://bjsm.bmj.com/highwire/markup/87889/expansion",
    ),
    Source(
        "S3",
        "Cacchio et al. 2012, as summarised by Sports Medicine Research",
        "Sports Med Res summary of Cacchio et al. 2012",
        "https://www.sportsmedres.org/accuracy-proximal-hamstring-tendinopathy-tests/",
        secondary=True,
    ),
    Source("S4", "Physiotutors: Puranen-Orava test", secondary=True),
    Source("S5", "Physiotutors: bent-knee stretch test", secondary=True),
    Source("S6", "VISA-H form (Patient-Watch)", link="https://patient-watch.com/forms/visa-h"),
    Source(
        "S7",
        "Cacchio, De Paulis & Maffulli 2014, Br J Sports Med",
        "Development and validation of a new VISA questionnaire (VISA-H) for patients with "
        "proximal hamstring tendinopathy. Br J Sports Med 48(6):448",
        "https://bjsm.bmj.com/content/48/6/448",
    ),
    Source("S8", "Nasser et al., COSMIN review of outcome measures in PHT"),
    Source(
        "S9",
        "FIFA Medical Network: the tendon continuum",
        link="https://www.fifamedicalnetwork.com/lessons/tendon-the-continuum/",
        secondary=True,
    ),
    Source(
        "S10",
        "Cook & Purdam 2009, Br J Sports Med",
        "Is tendon pathology a continuum? Br J Sports Med 43:409-416",
        "https://bjsm.bmj.com/content/43/6/409.abstract",
    ),
    Source(
        "S10b",
        "Cook & Purdam 2012, Br J Sports Med",
        "The challenge of managing tendinopathy in competing athletes (tendon compression). "
        "Br J Sports Med 46:163-168",
    ),
    Source(
        "S11",
        "Cook, Rio, Purdam & Docking 2016, Br J Sports Med",
        "Revisiting the continuum model of tendon pathology. Br J Sports Med 50(19):1187",
    ),
    Source(
        "S12",
        "Goom et al. 2016, as summarised by its lead author",
        "running-physio.com: new research in proximal hamstring tendinopathy",
        secondary=True,
    ),
    Source(
        "S13",
        "Goom: PHT rehabilitation stages (podcast summary)",
        "running-physio.com: PHT podcast",
        secondary=True,
    ),
    Source(
        "S14",
        "Goom: PHT return to running",
        "running-physio.com: PHT return to running",
        secondary=True,
    ),
    Source(
        "S15",
        "Pogo Physio: PHT exercise protocol",
        link="https://pogophysio.com.au/blog/proximal-hamstring-tendinopathy-exercise",
        secondary=True,
    ),
    Source("S16", "Advantage Sport Medicine: PHT guidance", secondary=True),
    Source(
        "S17",
        "Goom et al. 2016, JOSPT, as summarised by Performance Health Academy",
        "Goom, Malliaras, Reiman & Purdam 2016. Proximal hamstring tendinopathy: clinical "
        "aspects of assessment and management. JOSPT 46(6):483-493",
        secondary=True,
    ),
    Source(
        "S18",
        "Franklyn-Miller, Falvey & McCrory 2009, Br J Sports Med",
        "The gluteal triangle: a clinical patho-anatomical approach to the diagnosis of "
        "gluteal pain in athletes. Br J Sports Med 43:460",
        "https://bjsm.bmj.com/content/43/6/460",
    ),
    Source(
        "S19",
        "Puranen & Orava 1988, Am J Sports Med",
        "The hamstring syndrome: a new diagnosis of gluteal sciatic pain. Am J Sports Med 16:517",
        "https://pubmed.ncbi.nlm.nih.gov/3189686/",
    ),
    Source(
        "S20",
        "Fredericson et al. 2005, Phys Sportsmed",
        "High hamstring tendinopathy in runners: meeting the challenges of diagnosis, "
        "treatment, and rehabilitation. Phys Sportsmed 33(5)",
    ),
    Source("S21", "Zissen et al. 2010, Am J Roentgenol", "AJR 195:993-998"),
    Source("S22", "Lempainen et al. 2009, Am J Sports Med", "AJSM 37:727-734"),
    Source(
        "S23",
        "Martin et al. 2014, Knee Surg Sports Traumatol Arthrosc",
        "Martin HD et al. Diagnostic accuracy of clinical tests for sciatic nerve entrapment "
        "in the gluteal region. KSSTA 22:882",
    ),
    Source(
        "S24",
        "Gómez-Hoyos et al. 2016: long-stride walking test (Physiotutors summary)",
        link="https://www.physiotutors.com/wiki/long-stride-walking-test/",
        secondary=True,
    ),
    Source(
        "S25",
        "Laslett et al. 2005, Man Ther (sacroiliac provocation cluster)",
        "Man Ther 10:207",
        secondary=True,
    ),
    Source(
        "S26",
        "Devillé et al. 2000, Spine (straight-leg raise accuracy)",
        "Spine 25:1140",
    ),
    Source(
        "S27",
        "Neurosurgical red-flag and cauda equina guidance",
        "heyneurosurgeon.co.uk: red flag conditions and cauda equina syndrome; "
        "backes.org.uk: cauda equina warning signs",
        "https://www.heyneurosurgeon.co.uk/red-flag-conditions-and-cauda-equina-syndrome/",
    ),
    Source(
        "S28",
        "Ischial avulsion case report (Br J Sports Med); Ferlic et al. 2014",
        "BJSM case report PMC449822; Ferlic et al. 2014, KSSTA",
    ),
    Source("S29", "Colosimo et al.: hamstring avulsion injuries"),
    Source(
        "S29b",
        "Bertiche et al. 2021, J ISAKOS",
        "Proximal hamstring tendon avulsion: state of the art. J ISAKOS 6:237",
    ),
    Source(
        "S30",
        "Rich et al. 2023, J Exp Orthop (PHT trial protocol)",
        "Physiotherapy vs shockwave for PHT: trial registration ACTRN12621000846820 and "
        "protocol (J Exp Orthop 2023)",
    ),
    Source("S31", "Freckleton et al. 2014, Br J Sports Med", "Br J Sports Med 48:713"),
    Source("S32", "Single-leg hamstring bridge procedure", secondary=True),
    Source(
        "S33",
        "Clin Radiol 2018: MRI of proximal hamstring tendinopathy with ageing",
        "doi 10.1016/j.crad.2018.06.014",
    ),
    Source("S34", "Thompson et al. 2015, ISAKOS congress abstract"),
    Source("S35", "Cacchio et al. 2011 (shockwave for PHT), via Bone School", secondary=True),
    Source(
        "S36",
        "PhysioAdvisor: return-to-running programme",
        link="https://physioadvisor.com.au/health/injury-rehabilitation/return-to-running",
        secondary=True,
    ),
    Source("S37", "Rio et al. 2015, Br J Sports Med", "Br J Sports Med 49:1277"),
    Source(
        "S38",
        "Physiotutors and WikiSM: seated and active piriformis tests",
        secondary=True,
    ),
    Source("S39", "Martin RL et al. 2018, Arthroscopy", "Arthroscopy 34:114-121"),
    Source(
        "S43",
        "Cushman & Rho 2015, JOSPT (case report)",
        link="https://pmc.ncbi.nlm.nih.gov/articles/PMC4615691",
    ),
    Source("S44", "Hernandez-Sanchez et al. 2014, Br J Sports Med (VISA-P change)"),
    Source("S45", "VISA-A scoring (Physiopedia)", secondary=True),
    Source("S47", "Benazzo et al. 2013, J Orthop Traumatol"),
    Source(
        "NHS-LOTHIAN",
        "NHS Lothian: serious lumbar spine conditions (red flags)",
        "NHS Lothian RefHelp, musculoskeletal physiotherapy: serious lumbar spine conditions",
        "https://apps.nhslothian.scot/refhelp/guidelines/musculoskeletalphysiotherapy/"
        "lumbarspine/serious-lumbar-spine-conditions-red-flags",
    ),
    Source(
        "GIRFT-CES",
        "GIRFT national suspected cauda equina pathway 2023",
        "Getting It Right First Time: national suspected cauda equina syndrome pathway",
    ),
    Source(
        "AAPMR-HIP",
        "Peter, AAPM&R KnowledgeNow: stress fracture of the hip",
        "PM&R KnowledgeNow: stress fracture of the hip (tension-side femoral neck high risk; "
        "pubic rami, sacral ala and compression-side neck low risk)",
        "https://now.aapmr.org/stress-fracture-of-the-hip/",
    ),
    Source(
        "FERLIC-2014",
        "Ferlic et al. 2014, Knee Surg Sports Traumatol Arthrosc",
        "Treatment for ischial tuberosity avulsion fractures in adolescent athletes. KSSTA "
        "(doi 10.1007/s00167-013-2570-4)",
        "https://dx.doi.org/10.1007/s00167-013-2570-4",
    ),
    Source(
        "DOWNIE-2013",
        "Downie et al. 2013, BMJ",
        "Red flags to screen for malignancy and fracture in patients with low back pain: "
        "systematic review. BMJ 347:f7095",
        "https://www.bmj.com/content/347/bmj.f7095",
    ),
    Source(
        "FINUCANE-2020",
        "Finucane et al. 2020, JOSPT",
        "International framework for red flags for potential serious spinal pathologies. "
        "JOSPT 50(7):350-372",
    ),
    Source(
        "DEV",
        "PHT Clinic project heuristic",
        "A project choice, not a literature finding",
    ),
    # Secondary web sources used by the rehab advice.
    Source("S-grsm", "GRSM physiotherapy: PHT guidance", secondary=True),
    Source("S-prohealth", "ProHealth physiotherapy: PHT guidance", secondary=True),
    Source("S-reeves", "Reeves physiotherapy: PHT guidance", secondary=True),
    Source("S-tylana", "Tylana physiotherapy: PHT guidance", secondary=True),
    Source("S-certgait", "Certified gait clinic: PHT guidance", secondary=True),
    Source("S-zion", "Zion physiotherapy: PHT guidance", secondary=True),
    Source("S-sip", "Sports Injury Physio: running technique and PHT", secondary=True),
    Source("S-healthhp", "Health HP: key tests for hamstring tendinopathy", secondary=True),
    Source(
        "S-goom-guide",
        "Return to running: a guide for therapists (attributed to Goom; authorship unverified)",
        secondary=True,
    ),
    Source(
        "S-eipt",
        "Evidence in Physical Therapy wiki: hamstring syndrome",
        secondary=True,
    ),
    Source("S-ifi", "Ischiofemoral impingement case (rheuma.com.au)", secondary=True),
    # The primary paper behind the staged rehab programme; the rehab rules cite it for the
    # parts not yet checked against its full text (status M).
    Source(
        "GOOM-2016",
        "Goom, Malliaras, Reiman & Purdam 2016, JOSPT",
        "Proximal hamstring tendinopathy: clinical aspects of assessment and management. "
        "JOSPT 46(6):483-493",
    ),
)

REGISTRY: dict[str, Source] = {source.key: source for source in _ALL}
#: Key -> readable citation; every module cites through this one table.
SOURCES: dict[str, str] = {source.key: source.citation for source in _ALL}

EVIDENCE_NOTE: dict[str, str] = {
    "C": "",
    "C2": "from a secondary summary",
    "M": "not yet confirmed against the original paper",
    "Dev": "project heuristic, not yet validated",
}


def citation(key: str) -> str:
    """The readable citation for a source key; raises KeyError for an unknown key."""
    return SOURCES[key]


def cite(*keys: str) -> str:
    """Readable citations for several keys, joined with semicolons."""
    return "; ".join(SOURCES[key] for key in keys)


def cite_with_evidence(keys: tuple[str, ...], evidence: Evidence) -> str:
    """Readable citations with the plain evidence words, e.g. "Goom ... (from a secondary
    summary)"; a project choice reads "project heuristic, not yet validated"."""
    note = EVIDENCE_NOTE[evidence]
    real = tuple(key for key in keys if key != "DEV")
    if not real:
        return note or SOURCES["DEV"]
    return cite(*real) + (f" ({note})" if note else "")
