"""TikTok Shop Partner API (202309) simulator.

Tokopedia shops now live on TikTok Shop: with ``tokopedia=True`` the simulated shop is
a migrated Tokopedia shop (region ID, IDR, part of the orders placed on Tokopedia),
served through exactly the same TikTok Shop API (see API_FACTS section 4).

API surface (every API call is signed, see :func:`tts_sign`):

- ``GET  /authorization/202309/shops``
- ``GET|POST /api/v2/token/get`` and ``/api/v2/token/refresh`` (unsigned)
- ``POST /order/202309/orders/search``, ``GET /order/202309/orders?ids=``
- ``GET  /fulfillment/202309/packages/{id}/handover_time_slots``
- ``POST /fulfillment/202309/packages/{id}/ship``
- ``GET  /fulfillment/202309/packages/{id}``
- ``GET  /fulfillment/202309/packages/{id}/shipping_documents``
- ``GET  /fulfillment/202309/orders/{order_id}/tracking``
- ``POST /return_refund/202309/cancellations/search``
- ``POST /return_refund/202309/cancellations/{cancel_id}/approve|reject``
- ``POST /product/202309/products/search``, ``GET /product/202309/products/{id}``
  (the seller's products, see :class:`TikTokListings`)
- ``POST /product/202309/products/{product_id}/inventory/update``
- ``GET  /finance/202309/statements``, ``GET /finance/202309/withdrawals``,
  ``GET  /finance/202501/statements/{id}/statement_transactions`` (see
  :class:`TikTokFinance`)

Control API (besides the core ``/_sim/state|faults|clock|reset``):

- ``POST /_sim/auth/code``                      single-use auth_code, valid 30 min
- ``POST /_sim/push_config {"url": ...}``       webhook target
- ``POST /_sim/push {"order_id": ..., "type": 1|11}``  push on demand
- ``POST /_sim/orders/new {"count": N, "status"?, "shipping_type"?, "lines"?,
  "force"?}`` new orders -> ``{"order_ids", "not_created"}``
- ``GET  /_sim/seller_stock``                   per seller SKU: pushed, sold, left
- ``POST /_sim/orders/{order_id}/buyer_cancel {"reason": ...}``
- ``GET  /_sim/docs/{name}``                    shipping documents (doc_url)
- ``POST /_sim/orders/{order_id}/deliver {"refund"?}``  deliver now
- ``POST /_sim/finance/adjustment {"type", "amount"[, "order_id"]}``

Stock (:class:`~simulators.core.SellerStock`): an inventory update sets a SKU's
quantity (per warehouse); the orders created since take their units away (one line
item per unit) and the buyers stop at 0: fewer units, another SKU, or no order.
``lines`` ([{"sku", "qty"}]) makes ``/_sim/orders/new`` order those SKUs, ``force``
beyond what is left (counted as ``oversold``). Before any update a SKU is not
limited.

HTTP status codes: TikTok documents HTTP 429 for rate limiting and 503 for overload
(rate-limits.md). For sign/credential/token/parameter errors the docs only give the
``code`` in the body, so the simulator answers them with HTTP 200 and the error code
in the envelope (``ERROR_HTTP_STATUS``); clients must always check ``code``.
Error codes not listed in the docs we read are marked "UNVERIFIED".
"""

# the public names of the former single-module simulator (``from ... import X``)
from .auth import TikTokAuth, tts_sign, webhook_signature
from .cancellation import TikTokCancellation
from .common import ACCESS_TOKEN_LIFE, AUTH_CODE_LIFE, AWAITING_COLLECTION
from .common import AWAITING_SHIPMENT, ApiError, CANCELLED, CANCEL_RESPONSE_WINDOW
from .common import CANCEL_STATUS_ALIASES, COMPLETED, COMPLETE_AFTER, C_CANCELLED
from .common import C_COMPLETE, C_PENDING, C_SUCCESS, DAY, DELIVERED, DELIVER_AFTER
from .common import DOCUMENT_TYPES, DOC_URL_LIFE, DROP_OFF_COLLECT_AFTER, E_AUTH_GRANT
from .common import E_CIPHER_REQUIRED, E_CREDENTIALS, E_DOC_NOT_TIKTOK, E_DOC_STATUS
from .common import E_INTERNAL, E_INV_ALL_WAREHOUSES, E_INV_CHECK, E_INV_NOT_IN_PRODUCT
from .common import E_INV_NO_PRODUCT, E_INV_NO_WAREHOUSE, E_INV_QUANTITY
from .common import E_INV_SKU_REQUIRED, E_INV_WAREHOUSE_REQUIRED, E_ORDER_NOT_FOUND
from .common import E_PACKAGE_NOT_FOUND, E_PACKAGE_STATUS, E_RR_CANNOT_APPROVE
from .common import E_RR_CANNOT_REJECT, E_RR_NOT_FOUND, E_RR_ORDER_STATUS, E_RR_PARAM
from .common import E_SHIP_PARAM, E_SIGN, E_TOKEN_EXPIRED, E_TOO_MANY, FULFILLING, HOUR
from .common import IN_TRANSIT, MULTI_WAREHOUSE_PRODUCTS, ON_HOLD, ON_HOLD_WINDOW
from .common import PARTIALLY_SHIPPING, PICKUP_COLLECT_AFTER, PKG_CANCELLED
from .common import PKG_COMPLETED, PKG_DISPLAY, PREVIOUS_STATUS, PROCESSING
from .common import PUSH_RETRY_DELAYS, PUSH_TIMEOUT, REFRESH_TOKEN_LIFE, REFUND_AFTER
from .common import SELF_SHIP_COLLECT_AFTER, SELLER_PROVIDERS, SHIPPABLE, STATUSES
from .common import TIKTOK_PROVIDERS, TO_FULFILL, UNPAID, WAREHOUSE_MAIN
from .common import WAREHOUSE_SECOND, api
from .control import TikTokControl
from .finance import COMMISSION_RATE, FEE_KEYS, PAYMENT_AFTER, REFUND_RATE, SETTLE_AFTER
from .finance import TAX_KEYS, TRANSACTION_RATE, TikTokFinance
from .listings import TikTokListings
from .logistics import TikTokLogistics, build_pdf
from .orders import TikTokOrders
from .push import TikTokPush
from .server import TikTokSimulator
from .state import TikTokState
from .stock import TikTokStock
