"""The SDK coverage suite (issue 25): every method of the official ``voucherify`` SDK (6.1.1)
whose resource Sendout serves, called against a real ``sendout serve`` and checked for values.

Which methods are in scope is decided per SDK class, by introspection (``sdk_methods``): every
public method of an in-scope ``*Api`` class, so a method a new SDK release adds lands in the
table or fails ``test_every_in_scope_sdk_method_is_walked``. A class is in scope when Sendout
serves its resource; the methods Sendout does not answer yet (or answers wrongly) stay in the
table, marked as expected failures with their reason (``table.py``).

In scope: AsyncActionsApi, CampaignsApi, CustomersApi, EventsApi, ExportsApi, LoyaltiesApi,
OrdersApi, PromotionsApi, PublicationsApi, QualificationsApi, RedemptionsApi, ReferralsApi,
RewardsApi, SegmentsApi, ValidationsApi, VouchersApi. ExportsApi and ReferralsApi have no
path served yet, nor PromotionsApi's promotion stacks (its tiers are served): they are in
scope because they read or change resources Sendout serves (exports of vouchers,
redemptions, customers...; referral codes; promotion tiers of promotion campaigns), and
issue 25 asks for their routes.

Out of scope, one reason per class (``OUT_OF_SCOPE``; a test checks that Sendout serves none
of their paths, so the day it does, the class must move in scope):
- ProductsApi: the product and SKU catalogue (Sendout takes products and SKUs as ids and
  prices on order items; it keeps no catalogue).
- ProductCollectionsApi: collections of catalogue products, same reason.
- ValidationRulesApi: validation rules and their assignments (Sendout's campaigns carry no
  rule objects; distributions have their own conditions).
- LocationsApi: geographic locations for validation rules, same reason.
- CategoriesApi: campaign categories (Sendout answers ``category: null`` and keeps none).
- MetadataSchemasApi: metadata schemas (Sendout keeps metadata as free JSON, unvalidated).
- TemplatesApi: campaign templates (a campaign is created from its full body only).
- BinApi: the trash bin (Sendout deletes for good; nothing is restorable).
- ManagementApi: the management API (projects, users, brands, stacking rules under
  /management/v1): Sendout manages projects in its dashboard and CLI.
- ClientSideApi: the client-side API (/client/v1 with publishable keys): Sendout serves
  server-side keys only.
"""

from __future__ import annotations

import inspect
import re

import pytest
import voucherify.api

# The modules of checks, one per group of SDK classes (table.all_checks imports them).
WALKS = (
    "walk_campaigns",
    "walk_customers",
    "walk_loyalties",
    "walk_members",
    "walk_promotions",
    "walk_redemptions",
    "walk_rewards",
    "walk_vouchers",
)
# The checks are not test modules: pytest rewrites their asserts only when asked, and without
# that a failing check shows no values.
pytest.register_assert_rewrite(*(f"{__name__}.{name}" for name in (*WALKS, "world")))

IN_SCOPE = (
    "AsyncActionsApi",
    "CampaignsApi",
    "CustomersApi",
    "EventsApi",
    "ExportsApi",
    "LoyaltiesApi",
    "OrdersApi",
    "PromotionsApi",
    "PublicationsApi",
    "QualificationsApi",
    "RedemptionsApi",
    "ReferralsApi",
    "RewardsApi",
    "SegmentsApi",
    "ValidationsApi",
    "VouchersApi",
)

OUT_OF_SCOPE = {
    "ProductsApi": "the product and SKU catalogue: order items carry ids and prices only",
    "ProductCollectionsApi": "collections of catalogue products: no catalogue",
    "ValidationRulesApi": "validation rules: campaigns carry no rule objects",
    "LocationsApi": "locations exist for validation rules only",
    "CategoriesApi": "campaign categories: none are kept",
    "MetadataSchemasApi": "metadata is free JSON, no schemas",
    "TemplatesApi": "campaign templates: campaigns are created from their full body",
    "BinApi": "the trash bin: deletions are final",
    "ManagementApi": "the management API: projects are managed in the dashboard and CLI",
    "ClientSideApi": "the client-side API: server-side keys only",
}

# The generated variants of each method (same call, other return shapes) are not methods of
# their own: walking the plain one covers them.
_VARIANTS = ("_with_http_info", "_without_preload_content")


def api_classes() -> list[str]:
    """Every ``*Api`` class the SDK ships."""
    return sorted(name for name in dir(voucherify.api) if name.endswith("Api"))


def sdk_methods(classes: tuple[str, ...] | list[str] = IN_SCOPE) -> list[str]:
    """``Class.method`` for every public method of ``classes``, variants left out."""
    found = []
    for name in classes:
        cls = getattr(voucherify.api, name)
        for method, value in vars(cls).items():
            if callable(value) and not method.startswith("_") and not method.endswith(_VARIANTS):
                found.append(f"{name}.{method}")
    return sorted(found)


def sdk_route(method: str) -> tuple[str, str]:
    """The HTTP verb and path template (``/v1/vouchers/{code}``) ``Class.method`` calls, read
    from the generated request builder (the SDK exposes them nowhere else)."""
    name, attribute = method.split(".")
    builder = getattr(getattr(voucherify.api, name), f"_{attribute}_serialize")
    source = inspect.getsource(builder)
    verb = re.search(r"method='(\w+)'", source)
    path = re.search(r"resource_path='([^']+)'", source)
    assert verb, f"no verb in {method}'s request builder"
    assert path, f"no path in {method}'s request builder"
    return verb.group(1), path.group(1)
