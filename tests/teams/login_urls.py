"""The site's URLs with sign-in pointed at the throttled view, as the lead will wire it."""

from django.urls import path

from playground.teams.views import SignInView
from playground.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("accounts/login/", SignInView.as_view(), name="login"), *site_urlpatterns]
