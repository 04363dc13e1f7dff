"""Exports: the summary letter (print view and PDF), FHIR R4 Bundles and CSV files.

The top layer of the project (``pht`` ← ``assessments`` ← ``rehab`` ← ``exports``): it reads
patients, assessments and rehab plans, and nothing below imports it. Every export reads what
was stored when the clinician saved or signed (``evaluated_findings``, ``evaluation``,
``rules_version``) through the one snapshot presenter, never a fresh evaluation, so an export
always says what the clinician saw. The builders (``summary``, ``fhir``, ``csv``) are pure over
model instances and plain values; ``views`` does the scoped lookups, the access-log rows and the
HTTP.
"""
