"""Admin for the planning settings (one row) and the forecast review notes."""

from __future__ import annotations

from django.contrib import admin

from partspool.planning import models


@admin.register(models.PlanningSettings)
class PlanningSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("abc_basis", "abc_a_cut", "abc_b_cut", "service_a", "service_b", "service_c", "updated_at",
                    "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not models.PlanningSettings.objects.exists()

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.ReviewNote)
class ReviewNoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("month", "node", "part", "cause", "action", "updated_by")
    list_filter = ("month",)
    search_fields = ("part__number", "node__code", "cause")
