"""Workspaces own everything a user can reach; members have roles; invitations add members."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from playground.ids import PUBLIC_ID_LENGTH, new_public_id

# What a secret looks like on a page: that one is set, never what it is.
MASK = "••••••••"


class Workspace(models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=100)
    # Set for a user's personal workspace, which is made for them on first use and never shared.
    personal_for = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="personal_workspace"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name

    @property
    def is_personal(self) -> bool:
        return self.personal_for_id is not None

    # Membership changes. Each locks the workspace row, so two owners demoting each other at the
    # same moment cannot leave it without an owner.

    def add_member(self, user, role: str) -> "Membership":
        with transaction.atomic():
            self._lock_shared()
            membership, created = Membership.objects.get_or_create(workspace=self, user=user, defaults={"role": role})
            if not created:
                raise ValidationError(f"{user.get_username()} is already a member of {self.name}.")
            return membership

    def change_role(self, membership: "Membership", role: str) -> None:
        with transaction.atomic():
            self._lock_shared()
            membership.refresh_from_db()
            if membership.role == Role.OWNER and role != Role.OWNER:
                self._keep_an_owner(membership)
            membership.role = role
            membership.save(update_fields=["role"])

    def remove_member(self, membership: "Membership") -> None:
        with transaction.atomic():
            self._lock_shared()
            membership.refresh_from_db()
            if membership.role == Role.OWNER:
                self._keep_an_owner(membership)
            membership.delete()

    def _lock_shared(self) -> None:
        if self.is_personal:
            raise ValidationError("A personal workspace is never shared. Create a team workspace to work with others.")
        Workspace.objects.select_for_update().filter(pk=self.pk).first()

    def _keep_an_owner(self, leaving: "Membership") -> None:
        if not self.memberships.filter(role=Role.OWNER).exclude(pk=leaving.pk).exists():
            raise ValidationError(f"{self.name} needs at least one owner: make someone else an owner first.")


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]

    @property
    def can_write(self) -> bool:
        return self.role in (Role.OWNER, Role.EDITOR)

    @property
    def can_manage(self) -> bool:
        return self.role == Role.OWNER


INVITATION_DAYS = 7


def hash_token(token: str) -> str:
    # The tokens are 256 random bits: a plain SHA-256 is enough, no slow password hash needed.
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A single-use link that makes whoever opens it (signed in) a member with `role`.

    Only the token's hash is stored: the link is shown once, to the owner who made it."""

    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    @classmethod
    def create(cls, workspace: Workspace, role: str, created_by, days: int = INVITATION_DAYS) -> tuple["Invitation", str]:
        """A new invitation and its token (the only time the clear token exists)."""
        token = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            workspace=workspace, role=role, created_by=created_by,
            token_hash=hash_token(token), expires_at=timezone.now() + timedelta(days=days),
        )
        return invitation, token

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()

    def accept(self, user) -> Membership:
        """Use the invitation: `user` joins. Raises ValidationError when it is used up or expired."""
        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().get(pk=self.pk)
            if not invitation.is_usable:
                raise ValidationError("This invitation link has expired or was already used. Ask for a new one.")
            if Membership.objects.filter(workspace=self.workspace, user=user).exists():
                raise ValidationError(f"You are already a member of {self.workspace.name}.")
            membership = self.workspace.add_member(user, invitation.role)
            invitation.used_at, invitation.used_by = timezone.now(), user
            invitation.save(update_fields=["used_at", "used_by"])
            return membership
