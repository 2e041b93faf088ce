"""Shopee Open Platform v2 simulator (orders, logistics, shipping documents, stock,
auth and push). Loopback HTTP server; no Odoo import.

Protocol (see /work/shared/API_FACTS.md section 2 and its sources):

- Common parameters always in the query string: ``partner_id``, ``timestamp``
  (epoch seconds, accepted within 5 minutes of the *real* clock: clients cannot know
  the simulated clock), ``sign``; plus ``access_token`` and ``shop_id`` for shop APIs.
- ``sign`` = lowercase hex HMAC-SHA256(partner_key, base string), base string =
  ``partner_id + api_path + timestamp`` (public API) ``+ access_token + shop_id`` (shop
  API). The body is not signed.
- Envelope ``{request_id, error, message, warning, response}``; ``error`` is "" on
  success. The auth endpoints answer with their fields at the top level (as the docs'
  samples show). HTTP status codes of errors are not documented: this simulator answers
  403 for sign/auth errors (common in public client code), 400 for parameter and
  business errors, 429 / 500 / 503 for the injected faults, 400 ``error_busy`` for
  the ``busy`` fault. UNVERIFIED.
- ``get_order_detail`` returns only the basic fields unless ``response_optional_fields``
  names the others (``item_list``, ``package_list``, ``recipient_address``,
  ``total_amount``, ``buyer_username``...), as the real API does.
- ``get_order_list`` sorts by the requested time field, newest first (tie-breaker
  order_sn); ``next_cursor`` is an opaque key of the last returned record, so a full
  paging pass returns every matching order exactly once even if orders are added.

Time-driven state (``tick``, simulated clock, ``POST /_sim/clock``): integrated
channels get their tracking number ``TRACKING_DELAY`` seconds after ``ship_order``
(empty before); PROCESSED -> SHIPPED ``PICKUP_DELAY`` after arrangement (once every
package has a tracking number) -> TO_CONFIRM_RECEIVE after ``DELIVERY_DELAY`` ->
COMPLETED after ``CONFIRM_DELAY``; shipping documents are PROCESSING for ``DOC_DELAY``
seconds, then READY.

Push (``push_url`` option or ``POST /_sim/push_config``): codes 3 (order status), 4
(tracking number) and 15 (shipping document status) are POSTed from a background
thread with header ``Authorization`` = hex HMAC-SHA256(partner_key, url + "|" + body).
Code 3 body follows API_FACTS; the data fields of codes 4 and 15 are UNVERIFIED.

Payment (settlements, see :class:`ShopeeFinance`): ``GET get_escrow_list``,
``GET get_escrow_detail``, ``POST get_escrow_detail_batch``,
``GET get_wallet_transaction_list`` under ``/api/v2/payment/``.

Products (MORE_API_FACTS section 2, :class:`ShopeeListings`): ``GET get_item_list``
(offset, ``page_size`` ≤ 100, ``item_status``, ``update_time_from/to``) →
``GET get_item_base_info`` (≤ 50 ``item_id_list``) → ``GET get_model_list``; the
prices are in the shop's currency, the stock what is left per ``location_id``.

Stock (:class:`~simulators.core.SellerStock`): ``update_stock`` sets a model's
quantity (per ``location_id``); the orders created since take their units away and
the buyers stop at 0 (fewer units, another model, or no order). Before any update a
model sells from its seeded stock without limit.

Returns and refunds (MORE_API_FACTS section 1, :class:`ShopeeReturns`): ``GET
get_return_list``, ``GET get_return_detail``, ``POST confirm``, ``accept_offer``,
``offer`` and ``dispute`` under ``/api/v2/returns/``; buyers ask with ``POST
/_sim/returns/new``, their parcels arrive with
``POST /_sim/returns/{return_sn}/parcel``.

Control endpoints (besides the core ones): ``POST /_sim/auth/code``,
``POST /_sim/orders/new {"count"[, "status", "lines", "force"]}`` (-> ``order_sn_list``,
``not_created``; ``lines`` = [{"sku", "qty"}] orders those SKUs, ``force`` beyond the
stock left, counted as ``oversold``), ``GET /_sim/seller_stock`` (per SKU: pushed,
sold since, available, oversold), ``POST /_sim/orders/{order_sn}/buyer_cancel``,
``POST /_sim/orders/{order_sn}/pay``, ``POST /_sim/push``, ``POST /_sim/push_config``,
``POST /_sim/orders/{order_sn}/complete {"refund"?}``,
``POST /_sim/finance/adjust {"order_sn", "amount", "reason" | "field"}``.
"""

# the public names of the former single-module simulator (``from ... import X``)
from .auth import ShopeeAuth
from .common import ACCESS_TOKEN_TTL, AUTH_ERRORS, BRANCHES, BUYER_CANCEL_REASONS
from .common import CANCEL_REASONS, CHANNELS, CODE_TTL, CONFIRM_DELAY, CURRENCIES, DAY
from .common import DELIVERY_DELAY, DOC_DELAY, DOC_TYPES, FILTER_STATUSES, MAX_WINDOW
from .common import MESSAGES, PICKUP_DELAY, REFRESH_TOKEN_TTL, SHOP_ADDRESSES, STATES
from .common import STATUSES, TIMESTAMP_WINDOW, TRACKING_DELAY
from .control import ShopeeControl
from .finance import ADJUSTMENT_ADD, ADJUSTMENT_MINUS, COMMISSION_RATE, ESCROW_ADD
from .finance import ESCROW_BATCH, ESCROW_MAX_PAGE, ESCROW_MINUS, RETURN_REFUND_RATE
from .finance import SERVICE_RATE, SHIPPING_REBATE_RATE, ShopeeFinance, TRANSACTION_RATE
from .finance import WALLET_MAX_PAGE, WALLET_NAMES, WITHDRAWAL_CREATED
from .listings import ShopeeListings
from .logistics import ShopeeLogistics, build_pdf
from .orders import ShopeeOrders
from .push import ShopeePush
from .returns import ShopeeReturns
from .server import ShopeeSimulator
from .state import ShopeeState
from .stock import ShopeeStock, build_items
