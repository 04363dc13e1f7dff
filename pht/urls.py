from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

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
    # Two-factor sign-in (pht/twofactor_urls.py).
    path("accounts/two-factor/", include("pht.twofactor_urls")),
    path("", include("assessments.urls")),
    path("", include("exports.urls")),
    path("rehab/", include("rehab.urls")),
    path("admin/", admin.site.urls),
]
