"""Error pages: ours (DEBUG=0) look like the app and hold nothing inline for the CSP to block;
Django's debug pages (DEBUG=1) get their own inline styles allowed by hash, and nothing more."""

import base64
import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.views import defaults

# What the policy (no inline styles or scripts) would block: a <style>, a style attribute, an
# inline <script>, an inline event handler.
INLINE = re.compile(r"<style|\sstyle=|<script(?![^>]*\bsrc=)|\son[a-z]+=", re.IGNORECASE)


def looks_like_the_app(response, title):
    html = response.content.decode()
    assert "/static/css/app.css" in html and 'class="card auth-card"' in html and title in html
    assert not INLINE.search(html), INLINE.search(html).group()
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_it_answers_a_missing_page_with_our_404(client, settings):
    settings.DEBUG = False
    response = client.get("/nowhere/")
    assert response.status_code == 404
    looks_like_the_app(response, "Not found")


def test_it_answers_a_refusal_with_our_403(rf, settings):
    settings.DEBUG = False
    request = rf.get("/somewhere/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    response = defaults.permission_denied(request, PermissionDenied("Only owners manage providers."))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only owners manage providers." in html and "/static/css/app.css" in html
    assert not INLINE.search(html)


def test_it_answers_a_crash_with_our_500_without_a_request_or_database(rf, settings):
    settings.DEBUG = False  # and no database: pytest-django refuses any query in this test
    response = defaults.server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "/static/css/app.css" in html and 'class="topbar"' in html
    assert not INLINE.search(html)


@pytest.mark.django_db
def test_an_expired_form_gets_our_page_not_djangos_inline_styled_one(settings):
    settings.DEBUG = False
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    looks_like_the_app(response, "This form has expired")


@pytest.mark.django_db
def test_djangos_debug_404_has_its_inline_styles_allowed_by_hash_only(client, settings):
    settings.DEBUG = True
    response = client.get("/nowhere/")
    assert response.status_code == 404
    styles = re.findall(rb"<style[^>]*>(.*?)</style>", response.content, re.DOTALL)
    assert styles, "Django's technical 404 page styles itself inline"
    policy = response["Content-Security-Policy"]
    style_src = next(d for d in policy.split("; ") if d.startswith("style-src "))
    for style in styles:
        assert f"'sha256-{base64.b64encode(hashlib.sha256(style).digest()).decode()}'" in style_src
    assert "'unsafe-inline'" not in policy and "script-src 'self';" in policy


@pytest.mark.django_db
def test_our_pages_keep_the_strict_policy_under_debug(client, settings):
    settings.DEBUG = True
    response = client.get("/accounts/login/")
    assert "style-src 'self';" in response["Content-Security-Policy"]
