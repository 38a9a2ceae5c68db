"""The team pages, mounted at /teams/. Workspaces, members and invitations by public id only."""

from django.urls import path

from playground.teams import views

app_name = "teams"

urlpatterns = [
    path("switch/", views.switch, name="switch"),
    path("new/", views.workspace_new, name="new"),
    path("join/<str:token>/", views.join, name="join"),
    path("w/<str:ws>/", views.workspace_settings, name="settings"),
    path("w/<str:ws>/rename/", views.workspace_rename, name="rename"),
    path("w/<str:ws>/leave/", views.leave, name="leave"),
    path("w/<str:ws>/members/add/", views.member_add, name="member_add"),
    path("w/<str:ws>/members/role/", views.member_role, name="member_role"),
    path("w/<str:ws>/members/remove/", views.member_remove, name="member_remove"),
    path("w/<str:ws>/invitations/", views.invitation_create, name="invitation_create"),
    path("w/<str:ws>/invitations/<str:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
]
