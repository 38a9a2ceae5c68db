# ModelPrice now lives in the runs app (runs 0004 renamed its table): only the model's state leaves.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0003_run_facets'),
        ('runs', '0004_modelprice'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='ModelPrice')],
        ),
    ]
