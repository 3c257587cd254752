"""Articles other apps' pages show, asked for from the template.

The booking confirmation lists reading about the patient's joints. Education depends on booking
(articles are tagged with booking's joints), so booking must not import education back: its page
passes the joints to this tag, and the project-level template is where the two apps meet.
"""

from __future__ import annotations

from django import template

from education.models import Article
from education.selectors import articles_for_joints

register = template.Library()


@register.simple_tag
def reading_for_joints(joints, limit: int = 3) -> list[Article]:
    """Live articles about these joints, newest first: `{% reading_for_joints joints as x %}`."""
    return articles_for_joints(list(joints or []), limit=limit)
