"""Forms for the caseload pages' lists and reports: the follow-ups due by a date, a report's period."""

from __future__ import annotations

from django import forms

from support.forms.common import DateInput


class DueForm(forms.Form):
    until = forms.DateField(label="Due by", required=False, widget=DateInput())


class ReportForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())
