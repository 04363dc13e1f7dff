"""Project-level pages: switching the active clinic, the clinic's settings, the lockout page."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pht import access, services
from pht.audit import Actor
from pht.forms import ClinicSettingsForm
from pht.models import Clinic, Membership


@require_POST
def clinic_switch(request):
    """Make another of the user's clinics the active one (users can work at several sites)."""
    membership = None
    try:
        clinic_id = uuid.UUID(request.POST.get("clinic", ""))
    except ValueError:
        pass
    else:
        membership = Membership.objects.filter(
            user=request.user, clinic_id=clinic_id, deactivated_at__isnull=True
        ).first()
    if membership is None:
        messages.error(request, "You are not a member of that clinic.")
    else:
        request.session[access.ACTIVE_CLINIC_SESSION_KEY] = str(membership.clinic_id)
        messages.success(request, f"You are now working in {membership.clinic.name}.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "dashboard"
    return redirect(target)


def clinic_settings(request):
    """The active clinic's name, contact details and identifier numbering (clinic admins)."""
    membership = access.require_clinic_admin(request)
    clinic = Clinic.objects.get(pk=membership.clinic_id)
    form = ClinicSettingsForm(request.POST if request.method == "POST" else None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_clinic_settings(
                actor=Actor.from_request(request), clinic=clinic, data=form.clinic_data()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Clinic settings saved." if changed else "No changes to save."
            )
            return redirect("clinic_settings")
    if request.method == "POST":
        clinic.refresh_from_db()  # the form copied its input onto the instance
    return render(request, "pht/clinic_settings.html", {"form": form, "clinic": clinic})


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): the site's layout, the wait in
    minutes, status 429. Names no user, so it tells a guesser nothing new."""
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": settings.AXES_COOLOFF_MINUTES},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
