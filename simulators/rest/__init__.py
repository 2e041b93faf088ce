"""Generic REST/JSON order source simulator (BigLedger "Ecomsync" sales-order hub).

Marketplace orders (Lazada/Shopee) land in a sales-order hub; a scheduled job pulls
them with a token, a tenant code, a page limit, external-key mappings for branch,
item and customer, and a status filter (seed 000). Status changes made by the user
(confirm, prepare shipment, delivered) are pushed back and relayed to the marketplace.

Authentication: ``Authorization: Bearer <token>`` (option ``token``, default
``rest-token``; wrong or missing -> 401) and ``X-Tenant-Code: <tenant>`` (option
``tenant``, default ``TENANT1``; wrong or missing -> 403). Errors are
``{"error": {"code": .., "message": ..}}``.

API:

- ``GET /api/v1/sales-orders?limit=N&cursor=C&updated_since=T&<filters>``
  ``{"data": [order..], "paging": {"limit", "count", "next_cursor", "has_more"}}``.
  Orders come oldest change first; every change gives the order a new ``version``
  (a global change sequence) and moves it behind the cursor, so paging from a cursor
  returns each changed order exactly once. ``next_cursor`` is opaque; keep the last
  one to resume the next run. ``limit`` 1..100 (default 20). ``updated_since`` is
  ISO 8601 (``2025-01-31T10:00:00Z``) or epoch seconds, compared with ``updated_at``.
- ``GET /api/v1/sales-orders/{id}``  one order (``{"data": order}``)
- ``POST /api/v1/sales-orders/{id}/status``  ``{"action": "confirm" |
  "prepare_shipment" | "delivered" | "cancel", "tracking_number"?,
  "shipping_provider"?, "remark"?}`` (``{"status": "CONFIRMED" | "READY_TO_SHIP" |
  "DELIVERED" | "CANCELLED"}`` is accepted too). 200 ``{"data": order,
  "unchanged": bool}``; 409 ``invalid_transition`` / ``order_deleted``.

Filter syntax (all conditions are ANDed):

- query parameters ``<field>=v`` (equal), ``<field>__ne=v``, ``<field>__in=a,b``,
  ``<field>__nin=a,b``;
- and/or ``filter=<field> = 'v' and <field> != 'v' and <field> in ('a','b')``
  (``<>`` and ``not in`` work too; a ``hdr.`` prefix on header fields is allowed).

Fields: header ``id doc_number status order_status marketplace branch_key
customer_key currency``; extension ``extension.<name>`` (alias ``ext.<name>``), e.g.
``extension.marketplace_status``; line fields ``item_status item_key item_code``
(alias ``lines.<name>``): ``=``/``in`` match when ANY line matches, ``!=``/``not in``
when NO line matches. Values compare as exact strings. The seed's job filter is
``status__ne=DELETED&item_status=ready_to_ship``.

Order: ``id`` (guid), ``doc_number``, ``status`` (ACTIVE | DELETED), ``order_status``
(NEW -> CONFIRMED -> READY_TO_SHIP -> SHIPPED -> DELIVERED, or CANCELLED),
``marketplace``, ``branch_key``/``branch_code``, ``customer_key``/``customer``,
``extension`` {marketplace_status, marketplace_order_id, marketplace_shop}, ``lines``
[{line_no, item_key, item_code, item_name, qty, unit_price, discount, amount,
tax_rate, item_status (pending | ready_to_ship | shipped | delivered | canceled),
extension}], amounts (``amount_subtotal amount_discount amount_shipping amount_tax
amount_total``, ``currency`` MYR), ``tracking_number``, ``created_at``,
``updated_at``, ``version``.

Money: the marketplace's, what the buyer paid. ``unit_price`` is the marketplace
price (tax included: the item's SST ``tax_rate`` %, 10, 5 or 0, is in it);
``discount`` the seller's discount on the line (``amount = qty × unit_price -
discount``); ``amount_subtotal`` = Σ qty × unit_price, ``amount_discount`` = Σ
discount, ``amount_shipping`` the shipping fee the buyer paid, ``amount_tax`` the
tax the hub adds on top of the prices (0: marketplace prices include it), and
``amount_total = amount_subtotal - amount_discount + amount_shipping + amount_tax``.

Control (never on the real hub): ``POST /_sim/sales-orders/new`` (JSON, all optional:
marketplace, branch_key, item_status) and ``POST /_sim/sales-orders/{id}/update``
(JSON: ``status``, ``order_status``, ``item_status`` for every line) simulate
marketplace-side changes.

Faults in pages: ``malformed`` serves a broken record (``lines`` not a list, amounts
not numbers, no doc_number) and re-queues the order so a good copy follows later;
``duplicates`` repeats a record right after itself; ``out_of_order`` serves an older
version (lower ``version``, older ``updated_at``) right after the current one.
"""

# the public names of the former single-module simulator (``from ... import X``)
from .common import ACTIONS, BRANCHES, FILTER_TERM, HEADER_FIELDS, ITEM_STATUSES
from .common import LINE_FIELDS, MARKETPLACES, OPS, ORDER_STATUSES, RESERVED_PARAMS
from .common import STATUS_TO_ACTION, decode_cursor, encode_cursor, error
from .common import marketplace_status, matches, parse_filter_expression, parse_time
from .common import STANDARD_TAX_RATE, TAX_RATES, resolve_field, tax_rate
from .control import RestControl
from .orders import RestOrders
from .server import RestSimulator
from .state import RestState
