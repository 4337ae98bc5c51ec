"""Users with a role and a home node or region; personal API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CENTER_MANAGER = "center_manager", _("Center manager (服务经理)")
    REGIONAL_COORDINATOR = "regional_coordinator", _("Regional coordinator (区域负责人)")
    PLANNER = "planner", _("Supply-chain planner (供应链)")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    home_node = models.ForeignKey(
        "network.Node", on_delete=models.PROTECT, null=True, blank=True, related_name="users",
        verbose_name=_("home node"),
    )
    region = models.ForeignKey(
        "network.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="users",
        verbose_name=_("region"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="center_manager") | models.Q(home_node__isnull=False),
                name="center_manager_has_home_node",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="regional_coordinator") | models.Q(region__isnull=False),
                name="coordinator_has_region",
            ),
        ]


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token; only its hash is stored, the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
