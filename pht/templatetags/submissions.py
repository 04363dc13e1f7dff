"""``{% submission_key %}``: the hidden field that makes a form safe to submit twice.

Put it inside every ``<form method="post">`` whose view is decorated with
``@submissions.once`` (pht/submissions.py). Each rendering carries a fresh key.
"""

from django import template
from django.utils.html import format_html

from pht import submissions

register = template.Library()


@register.simple_tag
def submission_key() -> str:
    return format_html(
        '<input type="hidden" name="{}" value="{}">', submissions.FIELD, submissions.new_key()
    )
