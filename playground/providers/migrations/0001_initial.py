# ProviderCredential moved here from the teams app: the model's state is created here and deleted
# there (teams 0003), and its table is renamed; no row is touched.

import django.db.models.deletion
from django.db import migrations, models

import playground.ids


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('teams', '0002_invitation_encrypted_headers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'ALTER TABLE "teams_providercredential" RENAME TO "providers_providercredential"',
                    reverse_sql='ALTER TABLE "providers_providercredential" RENAME TO "teams_providercredential"',
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name='ProviderCredential',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.CharField(default=playground.ids.new_public_id, editable=False, max_length=22, unique=True)),
                        ('name', models.CharField(max_length=60)),
                        ('kind', models.CharField(choices=[('openai', 'OpenAI'), ('azure', 'Azure OpenAI'), ('compatible', 'OpenAI-compatible URL')], default='compatible', max_length=12)),
                        ('base_url', models.URLField(max_length=500)),
                        ('api_version', models.CharField(blank=True, help_text='Azure only, e.g. 2024-10-21', max_length=40)),
                        ('api_key_encrypted', models.TextField(blank=True)),
                        ('extra_headers_encrypted', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='providers', to='teams.workspace')),
                    ],
                    options={
                        'ordering': ['name'],
                        'constraints': [models.UniqueConstraint(fields=('workspace', 'name'), name='unique_provider_name')],
                    },
                ),
            ],
        ),
    ]
