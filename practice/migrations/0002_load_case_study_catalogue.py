"""Load the case-study catalogue, so every database has it after `migrate` (and `make run`).
Later edits to the JSON files are loaded with `manage.py load_catalogue`."""

from django.db import migrations


def forwards(apps, schema_editor):
    from practice.loader import load

    load(apps.get_model("practice", "CatalogueCase"))


def backwards(apps, schema_editor):
    apps.get_model("practice", "CatalogueCase").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("practice", "0001_rounds_wedges_plans_and_catalogue")]

    operations = [migrations.RunPython(forwards, backwards)]
