from pathlib import Path

from django.conf import settings

from core.access_matrix import render_markdown


def test_the_committed_matrix_document_matches_the_table():
    doc = Path(settings.BASE_DIR) / "docs" / "authorization-matrix.md"
    assert doc.read_text() == render_markdown(), "Run: manage.py render_access_matrix"
