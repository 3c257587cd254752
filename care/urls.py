from django.urls import path

from care.journey import answer, consent, plan

app_name = "care"

urlpatterns = [
    path("p/<str:token>/", plan.plan_page, name="plan"),
    path("p/<str:token>/questions/<int:point_id>/", answer.answer, name="answer"),
    path("p/<str:token>/questions/", plan.questions_preference, name="questions_preference"),
    path("p/<str:token>/consent/", consent.consent_page, name="consent"),
    path("p/<str:token>/thank-you/", answer.answered, name="answered"),
]
