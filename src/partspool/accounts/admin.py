from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from partspool.accounts.models import ApiToken, User


@admin.register(User)
class PartsPoolUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, (_("PartsPool"), {"fields": ("role", "home_node", "region")}))
    list_display = ("username", "role", "home_node", "region", "is_active")
    list_filter = ("role", "region", "is_active")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
