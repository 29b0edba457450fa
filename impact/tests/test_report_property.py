"""A property test over the whole report: whatever the cohort, nothing a commissioner sees, in any
table, chart or spreadsheet cell, is a count from 1 to 4."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.roles import Role
from core.testing import make_person
from impact import presenting, queries
from impact.models import Measurement

pytestmark = pytest.mark.django_db
SMALL = re.compile(r"^[1-4]$")


class Rollback(Exception):
    pass


cohorts = st.lists(
    st.tuples(st.integers(0, 10), st.one_of(st.none(), st.integers(0, 10))),  # (baseline, follow-up or lost)
    min_size=1,
    max_size=14,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cohort=cohorts)
def test_no_small_count_reaches_a_commissioner(cast, cohort):
    try:
        with transaction.atomic():
            rows = []
            for i, (before, after) in enumerate(cohort):
                person = make_person(cast.hub, f"Prop{i} Test", Role.MEMBER, login=False)
                answers = {"satisfied": before, "worthwhile": 5, "happy": 5, "anxious": 5}
                rows.append(
                    Measurement(
                        hub=cast.hub,
                        person=person,
                        instrument="ons4",
                        moment="baseline",
                        taken_on=date(2025, 3, 1),
                        mode="paper",
                        answers=answers,
                        scores={"satisfied": before},
                        primary=before,
                    )
                )
                if after is not None:
                    rows.append(
                        Measurement(
                            hub=cast.hub,
                            person=person,
                            instrument="ons4",
                            moment="follow_up_3",
                            taken_on=date(2025, 7, 1),
                            mode="paper",
                            answers=answers,
                            scores={"satisfied": after},
                            primary=after,
                        )
                    )
            Measurement.objects.bulk_create(rows)
            report = queries.report(cast.hub, start=date(2025, 1, 1), end=date(2025, 12, 31), suppressed=True)
            change = report.changes[0].change
            counts = [change.improved, change.same, change.worse, change.lost]
            if any(0 < c < 5 for c in counts):
                # The breakdown is rounded: neither its exact total nor the exact number paired may
                # appear anywhere in the outcomes section, or subtraction would undo the rounding.
                outcomes = presenting.sections(report)[0]
                shown = {str(c).strip() for t in outcomes.tables for row in t.rows for c in row[1:]}
                assert str(sum(counts)) not in shown and str(change.n) not in shown or sum(counts) == 0
            for sec in presenting.sections(report):
                for table in sec.tables:
                    for row in table.rows:
                        for cell in row[1:]:
                            assert not SMALL.match(str(cell).strip()), (table.caption, row)
                        if "People (n)" in row[0] or "(n)" in row[0]:
                            assert len(cohort) >= 5
                for svg in sec.charts:
                    labels = re.findall(r">([^<>]*)</text>", svg)
                    drawn = [t for t in labels if SMALL.match(t.strip())]
                    # Axis ticks are scale values, not counts; bar and point labels are the table's text.
                    bar_labels = re.findall(r'font-size="10">([^<]*)</text>', svg)
                    assert not any(SMALL.match(t.strip()) for t in bar_labels), (svg, drawn)
            raise Rollback
    except Rollback:
        pass
