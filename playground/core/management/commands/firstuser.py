"""Make sure someone can sign in: in development, create an admin on an empty database."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a first admin user when there are no users (development), or say how to."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.exists():
            return
        if not settings.DEBUG:
            self.stdout.write("No users yet. Create the first one with: python manage.py createsuperuser")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "", password)
        note = settings.DATA_DIR / "first-user.txt"
        note.write_text(f"username: admin\npassword: {password}\n")
        note.chmod(0o600)
        self.stdout.write(self.style.SUCCESS("Created the first user (also written to .data/first-user.txt):"))
        self.stdout.write(f"    username: admin\n    password: {password}")
