"""Provider credentials in the admin: visible without their secrets, never editable there."""

from django.contrib import admin

from .models import ProviderCredential


@admin.register(ProviderCredential)
class ProviderCredentialAdmin(admin.ModelAdmin):
    """Read-only apart from deleting: secrets are managed by workspace owners on the site."""

    list_display = ["name", "workspace", "kind", "base_url", "masked_key", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "workspace__name", "base_url"]
    fields = ["public_id", "workspace", "name", "kind", "base_url", "api_version", "masked_key", "masked_header_list", "created_at"]
    readonly_fields = fields
    exclude = ["api_key_encrypted", "extra_headers_encrypted"]

    @admin.display(description="API key")
    def masked_key(self, credential):
        return credential.masked_key

    @admin.display(description="Extra headers")
    def masked_header_list(self, credential):
        return ", ".join(credential.masked_headers) or "(none)"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, credential=None):
        return False
