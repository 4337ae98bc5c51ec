from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from partspool.network import models
from partspool.network.rules import BUILDERS, defaults_as_json


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


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = models.RuleSet
        fields = ["key", "values"]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        key, values = data.get("key"), data.get("values")
        if key not in BUILDERS:
            raise forms.ValidationError(_("Unknown rule set; known: %(keys)s") % {"keys": ", ".join(BUILDERS)})
        if not isinstance(values, dict):
            raise forms.ValidationError(_("The values must be a JSON object."))
        try:
            BUILDERS[key](values)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        return data


@admin.register(models.RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    form = RuleSetForm
    list_display = ("key", "updated_at")
    readonly_fields = ("defaults",)

    @admin.display(description=_("defaults"))
    def defaults(self, obj):  # type: ignore[no-untyped-def]
        import json

        key = obj.key if obj and obj.key in BUILDERS else None
        shown = {k: defaults_as_json(k) for k in ([key] if key else BUILDERS)}
        return json.dumps(shown, ensure_ascii=False, indent=1)


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
