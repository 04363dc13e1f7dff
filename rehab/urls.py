from django.urls import path

from rehab import views

app_name = "rehab"

urlpatterns = [
    path("exercises/", views.exercise_list, name="exercise_list"),
    path("exercises/new/", views.exercise_create, name="exercise_create"),
    path("exercises/<slug:slug>/", views.exercise_detail, name="exercise_detail"),
    path("assessments/<uuid:assessment_id>/plan/", views.plan_new, name="plan_new"),
    path("plans/<uuid:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<uuid:plan_id>/reviews/new/", views.review_new, name="review_new"),
    path("plans/<uuid:plan_id>/handout/", views.handout_view, name="handout"),
    path("plans/<uuid:plan_id>/handout.pdf", views.handout_pdf, name="handout_pdf"),
    path("reviews/<uuid:review_id>/", views.review_detail, name="review_detail"),
    path("reviews/<uuid:review_id>/accept/", views.review_accept, name="review_accept"),
    path("reviews/<uuid:review_id>/visa-h/", views.review_link_visa_h, name="review_link_visa_h"),
]
