"""Template helpers of the order page's photo section."""

import secrets

from django import template

register = template.Library()


@register.simple_tag
def new_upload_id() -> str:
    """A fresh upload id for one photo form: a repeated submit of the same form adds the photo once."""
    return secrets.token_hex(16)


@register.simple_tag
def may_add_photos(order, user) -> bool:
    from kefu.workorders.services import supervises

    return order.technician_id == user.pk or supervises(user, order.unit)
