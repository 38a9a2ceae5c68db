# ModelPrice moved here from the conversations app (a run's cost is a run's concern): the model's
# state is created here and deleted there (conversations 0004), and its table is renamed.

import django.db.models.deletion
from django.db import migrations, models

import playground.ids


class Migration(migrations.Migration):

    dependencies = [
        ('runs', '0003_run_shared_messages'),
        ('conversations', '0003_run_facets'),
        ('teams', '0002_invitation_encrypted_headers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'ALTER TABLE "conversations_modelprice" RENAME TO "runs_modelprice"',
                    reverse_sql='ALTER TABLE "runs_modelprice" RENAME TO "conversations_modelprice"',
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name='ModelPrice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.CharField(default=playground.ids.new_public_id, editable=False, max_length=22, unique=True)),
                        ('pattern', models.CharField(max_length=200)),
                        ('input_per_million', models.DecimalField(decimal_places=4, max_digits=12)),
                        ('output_per_million', models.DecimalField(decimal_places=4, max_digits=12)),
                        ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='model_prices', to='teams.workspace')),
                    ],
                    options={
                        'ordering': ['pattern'],
                        'constraints': [models.UniqueConstraint(fields=('workspace', 'pattern'), name='one_price_per_pattern')],
                    },
                ),
            ],
        ),
    ]
