"""Project-level pages: switching the active clinic and the lockout page."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pht import access
from pht.models import Membership


@require_POST
def clinic_switch(request):
    """Make another of the user's clinics the active one (users can work at several sites)."""
    membership = None
    try:
        clinic_id = uuid.UUID(request.POST.get("clinic", ""))
    except ValueError:
        pass
    else:
        membership = Membership.objects.filter(user=request.user, clinic_id=clinic_id).first()
    if membership is None:
        messages.error(request, "You are not a member of that clinic.")
    else:
        request.session[access.ACTIVE_CLINIC_SESSION_KEY] = str(membership.clinic_id)
        messages.success(request, f"You are now working in {membership.clinic.name}.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "dashboard"
    return redirect(target)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): the site's layout, the wait in
    minutes, status 429. Names no user, so it tells a guesser nothing new."""
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": settings.AXES_COOLOFF_MINUTES},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
