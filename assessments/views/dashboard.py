"""The home page: the clinic's work queue (unsigned drafts, unresolved red flags, recent patients)."""

from django.shortcuts import render

from assessments import selectors
from pht import access
from pht.db_router import replica_reads


@replica_reads
def dashboard(request):
    membership = access.active_membership(request)
    context = {"membership": membership, "memberships": access.memberships_of(request.user)}
    if membership is not None:
        context.update(selectors.dashboard(membership.clinic_id))
    return render(request, "dashboard.html", context)
