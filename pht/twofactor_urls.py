"""Two-factor sign-in, under /accounts/two-factor/ (pht/twofactor_views.py). The names are not
namespaced, like the other account pages (login, password_change)."""

from django.urls import path

from pht import twofactor_views as two_factor

urlpatterns = [
    path("", two_factor.two_factor_setup, name="two_factor_setup"),
    path("verify/", two_factor.two_factor_verify, name="two_factor_verify"),
    path("app/", two_factor.two_factor_app, name="two_factor_app"),
    path(
        "app/start/",
        two_factor.two_factor_app_start,
        name="two_factor_app_start",
    ),
    path(
        "recovery-codes/",
        two_factor.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path(
        "recovery-codes/new/",
        two_factor.two_factor_new_codes,
        name="two_factor_new_codes",
    ),
    path("remove/", two_factor.two_factor_remove, name="two_factor_remove"),
    path(
        "passkeys/register/begin/",
        two_factor.passkey_register_begin,
        name="passkey_register_begin",
    ),
    path(
        "passkeys/register/complete/",
        two_factor.passkey_register_complete,
        name="passkey_register_complete",
    ),
    path(
        "passkeys/verify/begin/",
        two_factor.passkey_verify_begin,
        name="passkey_verify_begin",
    ),
    path(
        "passkeys/verify/complete/",
        two_factor.passkey_verify_complete,
        name="passkey_verify_complete",
    ),
    path("passkeys/jsi18n/", two_factor.passkey_i18n, name="passkey_i18n"),
]
