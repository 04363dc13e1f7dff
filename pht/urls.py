from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pht import account_views, views

urlpatterns = [
    path("", include("assessments.dashboard_urls")),
    path("clinic/switch/", views.clinic_switch, name="clinic_switch"),
    path("clinic/settings/", views.clinic_settings, name="clinic_settings"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Two-factor sign-in (pht/twofactor_urls.py).
    path("accounts/two-factor/", include("pht.twofactor_urls")),
    # Clinic users, invitations, password reset, the clinic audit page (pht.account_views).
    path("clinic/users/", account_views.clinic_users, name="clinic_users"),
    path("clinic/users/invite/", account_views.clinic_user_invite, name="clinic_user_invite"),
    path(
        "clinic/users/<uuid:membership_id>/role/",
        account_views.clinic_user_role,
        name="clinic_user_role",
    ),
    path(
        "clinic/users/<uuid:membership_id>/deactivate/",
        account_views.clinic_user_deactivate,
        name="clinic_user_deactivate",
    ),
    path(
        "clinic/users/<uuid:membership_id>/reactivate/",
        account_views.clinic_user_reactivate,
        name="clinic_user_reactivate",
    ),
    path(
        "clinic/users/<uuid:membership_id>/unlock/",
        account_views.clinic_user_unlock,
        name="clinic_user_unlock",
    ),
    path(
        "clinic/users/<uuid:membership_id>/two-factor/reset/",
        account_views.clinic_user_reset_two_factor,
        name="clinic_user_reset_two_factor",
    ),
    path(
        "clinic/invitations/<uuid:invitation_id>/renew/",
        account_views.clinic_invitation_renew,
        name="clinic_invitation_renew",
    ),
    path(
        "clinic/invitations/<uuid:invitation_id>/revoke/",
        account_views.clinic_invitation_revoke,
        name="clinic_invitation_revoke",
    ),
    path("clinic/audit/", account_views.clinic_audit, name="clinic_audit"),
    path("accounts/invite/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path(
        "accounts/password_reset/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include("assessments.urls")),
    path("", include("exports.urls")),
    path("rehab/", include("rehab.urls")),
    path("admin/", admin.site.urls),
]
