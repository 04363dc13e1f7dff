"""The clinic audit page's words: an access-log row as a sentence ("Cara invited a clinician").

Rows hold identifiers only; the names are looked up when the page is shown: the acting user
(the row's user) and, for a membership, the person it belongs to. Internal keys (action,
object type, role) never reach the page.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from pht.models import AccessLog, Clinic, Membership

RECORDS = {
    "patient": "a patient's record",
    "assessment": "an assessment",
    "visa_h": "a VISA-H questionnaire",
    "rehab_plan": "a rehab plan",
    "rehab_review": "a rehab review",
    "exercise": "a clinic exercise",
    "assessments": "the clinic's assessments",
    "clinic": "the clinic settings",
    "invitation": "an invitation",
    "membership": "a clinic member",
    "user": "their own account",
}
VERBS = {
    "view": "viewed",
    "create": "created",
    "change": "changed",
    "archive": "archived",
    "restore": "restored",
    "export": "exported",
}
ROLES = {"clinician": "a clinician", "clinic_admin": "a clinic admin"}


def _parts(detail: str) -> dict[str, str]:
    """``role: clinician; new link`` -> {"role": "clinician", "new link": ""}."""
    parts = {}
    for part in detail.split(";"):
        key, _, value = part.partition(":")
        parts[key.strip()] = value.strip()
    return parts


def describe(row: AccessLog, actor: str, member: str | None) -> str:
    """One sentence for the row; ``member`` is the name of the person a membership row is
    about (None when unknown)."""
    parts = _parts(row.detail)
    role = ROLES.get(parts.get("role", ""), "a member")
    person = member or "a former member"
    if row.action == "invite":
        if "new link" in parts:
            return f"{actor} sent a new invitation link for {role}"
        return f"{actor} invited {role}"
    sentences = {
        "revoke": f"{actor} revoked an invitation",
        "join": f"{actor} joined the clinic as {role}",
        "role": f"{actor} made {person} {role}",
        "deactivate": f"{person} was deactivated by {actor}",
        "reactivate": f"{person} was reactivated by {actor}",
        "unlock": f"{person}'s log-in was unlocked by {actor}",
    }
    if row.action in sentences:
        return sentences[row.action]
    if row.object_type == "membership" and row.detail == "two-factor reset":
        return f"{person}'s second factor was reset by {actor}"
    if row.object_type == "user" and row.detail.startswith("two-factor"):
        return _two_factor(row.detail, actor)
    verb = VERBS.get(row.action, "changed")
    return f"{actor} {verb} {RECORDS.get(row.object_type, 'a record')}"


def _two_factor(detail: str, actor: str) -> str:
    """Rows of pht.twofactor: ``two-factor sign-in: passkey``, ``two-factor: passkey added``,
    ``two-factor: authenticator app removed; recovery codes removed`` ..."""
    head, _, rest = detail.partition(":")
    what = rest.split(";")[0].strip()
    if head == "two-factor sign-in":
        return f"{actor} signed in with a second factor ({what})"
    for ending, verb in (
        (" added", "set up"),
        (" removed", "removed"),
        (" started", "began setting up"),
    ):
        if what.endswith(ending):
            thing = what.removesuffix(ending)
            return f"{actor} {verb} {_article(thing)} for two-factor sign-in"
    if what == "new recovery codes":
        return f"{actor} made new recovery codes"
    return f"{actor} changed their two-factor sign-in"


def _article(thing: str) -> str:
    return f"an {thing}" if thing[:1] in "aeiou" else f"a {thing}"


def people(clinic: Clinic) -> list[tuple[int, str]]:
    """The clinic's members, deactivated ones included, for the "person" filter."""
    memberships = Membership.objects.filter(clinic=clinic).select_related("user")
    return sorted(((m.user_id, str(m.user)) for m in memberships), key=lambda item: item[1].lower())


def log_of(clinic: Clinic, *, user_id: int | None, action: str) -> QuerySet[AccessLog]:
    rows = AccessLog.objects.filter(clinic=clinic).select_related("user")
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    if action:
        rows = rows.filter(action=action)
    return rows.order_by("-at", "-id")


def page_of_entries(rows: QuerySet[AccessLog], number, per_page: int) -> tuple[Page, list]:
    """The page asked for (the last one for a number past the end, the first for junk) and
    its rows as (row, sentence) pairs."""
    page = Paginator(rows, per_page).get_page(number)
    entries = list(page.object_list)
    member_ids = {r.object_id for r in entries if r.object_type == "membership" and r.object_id}
    members = {
        m.uuid: str(m.user)
        for m in Membership.objects.filter(uuid__in=member_ids).select_related("user")
    }
    described = []
    for row in entries:
        actor = str(row.user) if row.user else _command_or_former(row.username)
        described.append((row, describe(row, actor, members.get(row.object_id))))
    return page, described


def _command_or_former(username: str) -> str:
    return "The set-up command" if username.startswith("manage.py ") else "A former user"
