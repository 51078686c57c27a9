"""Admin site: user accounts (the system administrator's tool).

Access follows the platform's roles, not Django's per-model permissions: the policy registry
already lets only the system administrator open ``admin:*`` pages, and every ModelAdmin here also
answers "may view / change" by role (``SysadminOnly``), so no permission rows have to be granted.
Permissions come from the role, so groups, per-user permissions and the superuser flag are
hidden, and accounts are deactivated rather than deleted (audit rows refer to them). Every change
made here is written to the audit trail inside the admin's own transaction.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from roadcredit.audit.services import audit_record

from .access import user_role
from .models import User
from .roles import Role


def is_sysadmin(request: HttpRequest) -> bool:
    return user_role(request.user) == Role.SYSADMIN


class SysadminOnly:
    """Mixin for ModelAdmins: only the system administrator sees the model (三员分立)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_sysadmin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_sysadmin(request)


class ReadOnlyForSysadmin(SysadminOnly):
    """Mixin for registry models whose writes must go through the services (see each user)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _check_holder_link(cleaned: dict[str, Any] | None) -> dict[str, Any]:
    cleaned = cleaned or {}
    role = cleaned.get("role")
    errors: dict[str, str] = {}
    if role == Role.OPERATOR.value and not cleaned.get("operator"):
        errors["operator"] = str(_("An operator account must be linked to an operator."))
    if role == Role.PRACTITIONER.value and not cleaned.get("practitioner"):
        errors["practitioner"] = str(_("A practitioner account must be linked to a practitioner."))
    if role != Role.OPERATOR.value and cleaned.get("operator"):
        errors["operator"] = str(_("Only an operator account may be linked to an operator."))
    if role != Role.PRACTITIONER.value and cleaned.get("practitioner"):
        errors["practitioner"] = str(
            _("Only a practitioner account may be linked to a practitioner.")
        )
    if errors:
        raise forms.ValidationError(errors)
    return cleaned


class UserCreateForm(AdminUserCreationForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ("username", "last_name", "first_name", "role", "operator", "practitioner")

    def clean(self) -> dict[str, Any]:
        return _check_holder_link(super().clean())


class UserEditForm(UserChangeForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = (
            "username",
            "last_name",
            "first_name",
            "email",
            "role",
            "operator",
            "practitioner",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        return _check_holder_link(super().clean())


def user_snapshot(user: User) -> dict[str, Any]:
    """What the audit trail records about an account (never the password hash)."""
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "role": user.role,
        "operator": user.operator.public_id if user.operator is not None else None,
        "practitioner": (user.practitioner.public_id if user.practitioner is not None else None),
        "is_active": user.is_active,
    }


@admin.register(User)
class UserAdmin(SysadminOnly, DjangoUserAdmin):  # type: ignore[type-arg]
    form = UserEditForm
    add_form = UserCreateForm
    list_display = ("username", "get_full_name", "role", "operator", "practitioner", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name")
    ordering = ("username",)
    autocomplete_fields = ("operator", "practitioner")
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("last_name", "first_name", "email")}),
        (_("Role"), {"fields": ("role", "operator", "practitioner", "is_active")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "last_name",
                    "first_name",
                    "role",
                    "operator",
                    "practitioner",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_sysadmin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_sysadmin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: audit entries keep pointing at the account

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Runs inside the admin's transaction.atomic(), so the audit row commits with the change.
        before = user_snapshot(User.objects.get(pk=obj.pk)) if change else None
        obj.is_staff = obj.role == Role.SYSADMIN.value  # the admin site admits staff only
        obj.is_superuser = False
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            action="accounts.user.update" if change else "accounts.user.create",
            target=obj,
            before=before,
            after=user_snapshot(obj),
        )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            changed = (
                request.method == "POST"
                and isinstance(response, HttpResponseRedirect)
                and response.url != request.get_full_path()
            )
            if changed:
                target = User.objects.get(pk=id)
                audit_record(
                    actor=request.user,  # type: ignore[arg-type]
                    action="accounts.user.password_set",
                    target=target,
                    after={"username": target.username},
                )
        return response


# Permissions come from roles; Django's groups would only suggest otherwise.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
