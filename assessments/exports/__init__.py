"""Exports of the stored evaluation snapshot: summary PDF, FHIR R4 Bundle, streamed CSV.

Every export reads what was stored when the clinician saved or signed (``evaluated_findings``,
``evaluation``, ``rules_version``), never a fresh evaluation, so an export always says what the
clinician saw. The builders here are pure over model instances and plain values; the views in
``assessments/export_views.py`` do the scoped lookups, the audit entries and the HTTP.
"""
