from django.http import HttpRequest

from pht import access


def clinic(request: HttpRequest) -> dict:
    """The signed-in user's active clinic and role, for the navigation."""
    membership = access.active_membership(request)
    return {
        "active_membership": membership,
        "is_clinic_admin": bool(membership and membership.is_admin),
    }
