from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pht import twofactor_views as two_factor
from pht import views

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
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Two-factor sign-in (pht/twofactor_views.py).
    path("accounts/two-factor/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/app/", two_factor.two_factor_app, name="two_factor_app"),
    path(
        "accounts/two-factor/app/start/",
        two_factor.two_factor_app_start,
        name="two_factor_app_start",
    ),
    path(
        "accounts/two-factor/recovery-codes/",
        two_factor.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path(
        "accounts/two-factor/recovery-codes/new/",
        two_factor.two_factor_new_codes,
        name="two_factor_new_codes",
    ),
    path("accounts/two-factor/remove/", two_factor.two_factor_remove, name="two_factor_remove"),
    path(
        "accounts/two-factor/passkeys/register/begin/",
        two_factor.passkey_register_begin,
        name="passkey_register_begin",
    ),
    path(
        "accounts/two-factor/passkeys/register/complete/",
        two_factor.passkey_register_complete,
        name="passkey_register_complete",
    ),
    path(
        "accounts/two-factor/passkeys/verify/begin/",
        two_factor.passkey_verify_begin,
        name="passkey_verify_begin",
    ),
    path(
        "accounts/two-factor/passkeys/verify/complete/",
        two_factor.passkey_verify_complete,
        name="passkey_verify_complete",
    ),
    path("accounts/two-factor/passkeys/jsi18n/", two_factor.passkey_i18n, name="passkey_i18n"),
    path("", include("assessments.urls")),
    path("", include("exports.urls")),
    path("rehab/", include("rehab.urls")),
    path("admin/", admin.site.urls),
]
