# Written by hand: the field, and its backfill from the runs in SQL, as 0003 built the vectors.

from django.db import migrations, models

BACKFILL = """
UPDATE conversations_conversation AS c
SET search_text = texts.body
FROM (
    SELECT r.conversation_id, left(string_agg(
        coalesce((
            SELECT string_agg(m ->> 'content', E'\\n') FROM jsonb_array_elements(r.request -> 'messages') AS m
            WHERE jsonb_typeof(m -> 'content') = 'string'), '') || E'\\n' || coalesce(r.choices -> 0 ->> 'content', ''),
        E'\\n' ORDER BY r.started_at), 200000) AS body
    FROM runs_run AS r
    GROUP BY r.conversation_id
) AS texts
WHERE c.id = texts.conversation_id;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0004_move_modelprice"),
        ("runs", "0003_run_shared_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
