"""Forms that are safe to submit twice: a key per form, remembered once saved.

A double click, or a resend after a slow answer, must not save twice. Each form renders a
fresh random key in a hidden field (``{% load submissions %}{% submission_key %}``, in the
``<form>``). A view decorated with ``@submissions.once(message)`` handles a POST that carries
a key in one transaction:

- the first POST of a key claims it (a row of ``pht.Submission``, unique on the key) and runs
  the view. When the view reports its success with ``return submissions.done(request,
  redirect(...))``, the row keeps the URL it redirected to; any other answer (the form shown
  again with its errors, a refusal) releases the key, so the corrected form can be sent again;
- a later POST of the same key does not run the view: it redirects to the first one's result
  with ``message`` as an info message ("Already saved: this is the plan you created.").
  Sent at the same moment, the second waits for the first to finish (the key's unique index
  on PostgreSQL; the database's write lock on SQLite), then does the same.

A POST without a key (or with one that is not a UUID) runs the view as it is; the services
still refuse what would be wrong twice (a second archive, a duplicate exercise name).
Keys expire after ``KEY_LIFETIME``.
"""

from __future__ import annotations

import datetime
import functools
import uuid

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from pht.models import Submission, User

FIELD = "submission_key"
KEY_LIFETIME = datetime.timedelta(hours=24)
_DONE_ATTR = "_pht_submission_done"
NOT_YOURS = "This form was already sent from another account or page. Reload it and try again."


def new_key() -> str:
    return str(uuid.uuid4())


def done(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Mark ``response`` (a redirect) as the result of a saved submission."""
    setattr(request, _DONE_ATTR, True)
    return response


def once(message: str):
    """Decorate a view whose POST changes data: a repeated submission key is answered with a
    redirect to the first submission's result and ``message``, never saved twice."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            key, user = _key_of(request), request.user
            if key is None or not isinstance(user, User):
                return view(request, *args, **kwargs)
            with transaction.atomic():
                claim, earlier = _claim(request, user, key)
                if earlier is not None:
                    messages.info(request, message)
                    return HttpResponseRedirect(earlier.result_url)
                response = view(request, *args, **kwargs)
                _settle(request, claim, response)
                return response

        return wrapper

    return decorator


def _key_of(request: HttpRequest) -> uuid.UUID | None:
    if request.method != "POST":
        return None
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def _claim(
    request: HttpRequest, user: User, key: uuid.UUID
) -> tuple[Submission | None, Submission | None]:
    """(this request's claim, None) for a new key; (None, the earlier one) for a used key."""
    Submission.objects.filter(user=user, created_at__lt=timezone.now() - KEY_LIFETIME).delete()
    try:
        with transaction.atomic():
            claim = Submission.objects.create(key=key, user=user, path=request.path)
    except IntegrityError:
        # Saved before (or just now, by a submission this one waited for).
        earlier = Submission.objects.filter(key=key).first()
        if earlier is None or earlier.user_id != user.pk or earlier.path != request.path:
            raise BadRequest(NOT_YOURS) from None
        return None, earlier
    return claim, None


def _settle(request: HttpRequest, claim: Submission | None, response: HttpResponse) -> None:
    if claim is None:
        return
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    if getattr(request, _DONE_ATTR, False) and location:
        claim.result_url = location
        claim.save(update_fields=["result_url"])
    else:
        claim.delete()
