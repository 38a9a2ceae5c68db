"""Django admin for staff: users with their workspaces, workspaces with members and run counts,
and provider credentials without any secret (no key, no ciphertext, no header values).

The admin's sign-in form is throttled like the site's, so it is no way around the lockout."""

from datetime import timedelta

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Q
from django.utils import timezone

from .forms import ThrottledAdminAuthenticationForm
from .models import Invitation, Membership, Workspace

admin.site.login_form = ThrottledAdminAuthenticationForm
User = get_user_model()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


class UserMembershipInline(MembershipInline):
    fields = ["workspace", "role", "created_at"]
    autocomplete_fields = []
    raw_id_fields = ["workspace"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "member_count", "provider_count", "run_count", "runs_last_30_days", "created_at"]
    search_fields = ["name", "public_id", "memberships__user__username"]
    readonly_fields = ["public_id", "personal_for", "created_at", "member_count", "provider_count", "run_count", "runs_last_30_days"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        month_ago = timezone.now() - timedelta(days=30)
        return super().get_queryset(request).annotate(
            members=Count("memberships", distinct=True),
            provider_total=Count("providers", distinct=True),
            runs=Count("conversations__runs", distinct=True),
            recent_runs=Count("conversations__runs", filter=Q(conversations__runs__started_at__gte=month_ago), distinct=True),
        )

    @admin.display(description="Kind")
    def kind(self, workspace):
        return "personal" if workspace.is_personal else "team"

    @admin.display(description="Members", ordering="members")
    def member_count(self, workspace):
        return workspace.members

    @admin.display(description="Providers", ordering="provider_total")
    def provider_count(self, workspace):
        return workspace.provider_total

    @admin.display(description="Runs", ordering="runs")
    def run_count(self, workspace):
        return workspace.runs

    @admin.display(description="Runs (30 days)", ordering="recent_runs")
    def runs_last_30_days(self, workspace):
        return workspace.recent_runs


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "workspace__name"]
    raw_id_fields = ["user", "workspace"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["workspace", "role", "created_by", "created_at", "expires_at", "used_by", "used_at"]
    fields = ["workspace", "role", "created_by", "created_at", "expires_at", "used_by", "used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


admin.site.unregister(User)


@admin.register(User)
class PlaygroundUserAdmin(UserAdmin):
    inlines = [UserMembershipInline]
