"""Logging in on the web and in the admin: the lockout message, and the demo accounts box."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from kefu.org.lockout import locked_until, lockout_message

__all__ = ("LoginForm", "AdminLoginForm", "LoginView")


class LockoutMessageMixin:
    """Says that logging in is locked, and until when, instead of "wrong password".

    django-axes refuses a locked login inside authenticate() (which then returns None), so the form
    would only say the password was wrong; a person told that keeps trying a right password.
    """

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            until = locked_until(self.request, self.cleaned_data.get("username"))
            if until is not None:
                raise ValidationError(lockout_message(until), code="locked_out") from None
            raise


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = LoginForm
