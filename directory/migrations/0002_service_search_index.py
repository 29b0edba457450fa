"""Full-text search on PostgreSQL: a GIN index over the English text-search vector of search_text.

directory.queries builds the same expression, so the planner uses this index. SQLite has no such
index type; there the search uses word matches on the same column (no migration step runs).
"""

from django.db import migrations

INDEX = "directory_service_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON directory_service "
            "USING gin (to_tsvector('english', search_text))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_hsds_directory_and_postcodes")]

    operations = [migrations.RunPython(create_index, drop_index)]
