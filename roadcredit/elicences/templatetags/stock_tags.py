"""``{% policy_allows "namespace:name" as allowed %}``: whether the current user's role may use a
page or operation (the policy registry decides), to show a button only to those who may press it.
"""

from __future__ import annotations

from django import template

from roadcredit.accounts.access import user_role
from roadcredit.accounts.policy import policy_for

register = template.Library()


@register.simple_tag(takes_context=True)
def policy_allows(context: template.Context, key: str) -> bool:
    request = context.get("request")
    policy = policy_for(key)
    if request is None or policy is None:
        return False
    return policy.allows(user_role(getattr(request, "user", None)))
