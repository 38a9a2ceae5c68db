"""Forms of the team pages: workspaces, members, invitations, and sign-in."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from . import ratelimit
from .models import Role

INVITATION_DAYS_CHOICES = [(1, "1 day"), (7, "7 days"), (30, "30 days")]


class WorkspaceForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True)


class SwitchWorkspaceForm(forms.Form):
    workspace = forms.CharField(max_length=40)
    next = forms.CharField(max_length=500, required=False)


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150, strip=True)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)

    def clean_username(self):
        username = self.cleaned_data["username"]
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError(f"There is no user called {username}. Check the spelling, or send an invitation link.")
        self.cleaned_data["user"] = user
        return username


class MemberForm(forms.Form):
    member = forms.CharField(max_length=150)


class ChangeRoleForm(MemberForm):
    role = forms.ChoiceField(choices=Role.choices)


class InvitationForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)
    days = forms.TypedChoiceField(choices=INVITATION_DAYS_CHOICES, coerce=int, initial=7, label="Expires after")


class ThrottledLoginMixin:
    """Refuse sign-in for a while after too many failures for a username or from an address."""

    throttled_message = "Too many failed sign-ins for this account or from this address. Try again in {minutes} min."

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR", "") if self.request is not None else ""
        remaining = ratelimit.login_lock_remaining(username, address)
        if remaining:
            raise ValidationError(self.throttled_message.format(minutes=-(-remaining // 60)), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            ratelimit.record_login_failure(username, address)
            raise
        ratelimit.record_login_success(username)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
