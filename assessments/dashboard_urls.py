"""The home page's URL, kept outside the ``assessments`` namespace: every page links ``dashboard``."""

from django.urls import path

from assessments.views.dashboard import dashboard

urlpatterns = [path("", dashboard, name="dashboard")]
