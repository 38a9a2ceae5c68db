# ProviderCredential now lives in the providers app (providers 0001 renamed its table): only the
# model's state leaves this app.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('teams', '0002_invitation_encrypted_headers'),
        ('providers', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='ProviderCredential')],
        ),
    ]
