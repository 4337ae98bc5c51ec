from django.contrib import admin

from partspool.network import models


class ContactInline(admin.TabularInline):
    model = models.Contact
    extra = 0


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en")


@admin.register(models.Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "kind", "region", "city_zh", "active")
    list_filter = ("kind", "region", "active")
    search_fields = ("code", "name_zh", "name_en", "city_zh", "city_en")
    inlines = [ContactInline]


@admin.register(models.Part)
class PartAdmin(admin.ModelAdmin):
    list_display = ("number", "name_zh", "name_en", "category", "unit_cost", "safety_critical")
    list_filter = ("category", "safety_critical")
    search_fields = ("number", "name_zh", "name_en")


@admin.register(models.Supersession)
class SupersessionAdmin(admin.ModelAdmin):
    list_display = ("old", "new", "effective_on")
    raw_id_fields = ("old", "new")


@admin.register(models.Compatibility)
class CompatibilityAdmin(admin.ModelAdmin):
    list_display = ("part", "alternative", "level", "conditions")
    raw_id_fields = ("part", "alternative")


@admin.register(models.RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("key", "updated_at")


@admin.register(models.ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("kind", "filename", "by", "at", "rows")
    readonly_fields = ("kind", "filename", "by", "at", "rows", "summary")


@admin.register(models.StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ("at", "stock", "kind", "by", "on_hand_before", "on_hand_after", "reason")
    list_select_related = ("stock", "by")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
