"""The patient record's "Rehab plans" card, asked for by the assessments app's record page.

A template tag, so that ``assessments`` (below ``rehab``) never imports rehab code: the record
page loads this library by name and rehab answers with its own selector and partial.
"""

from django import template

from rehab.selectors import plans_for_patient

register = template.Library()


@register.inclusion_tag("rehab/_patient_plans.html")
def patient_plans(patient):
    return {"plans": plans_for_patient(patient)}
