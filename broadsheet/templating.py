"""Jinja helpers for the theme that concern rendering itself rather than what it shows.

``rendered_once`` (pelicanconf ``JINJA_FILTERS``): ``{{ story_card|rendered_once(article,
SITEURL) }}`` calls the macro the first time a build's template environment
asks for those arguments and hands back the same markup after. A story's card appears
on the home page, its section's, its outlet's and each of its tags' pages: about eight
list pages per story, 170,000 cards at 10,000 stories, rendered once each instead.

The macro must be a function of its arguments alone (``story_card`` reads only the
story's own fields and the site root it is given). The memo lives on the environment,
which Pelican makes afresh with each generator of each build, so a build never sees
another's cards; it holds each content it was called with, so an id stays that
content's while the environment lives. A macro is known by its compiled code (one per
template, however often it is imported), the content by identity, the other arguments
by value.
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_environment
from jinja2.environment import Environment

MEMO = "_broadsheet_rendered"  # the Environment attribute holding its memo


@pass_environment
def rendered_once(environment: Environment, macro: Any, content: Any, *args: Any) -> Any:
    """The macro's output for ``(content, *args)``, rendered once per environment."""
    memo = environment.__dict__.get(MEMO)
    if memo is None:
        memo = environment.__dict__[MEMO] = {}
    code = getattr(getattr(macro, "_func", None), "__code__", None) or macro
    key = (code, id(content), args)
    found = memo.get(key)
    if found is None:
        found = memo[key] = (macro(content, *args), content)
    return found[0]
