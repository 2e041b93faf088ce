"""Lazada Open Platform ("lazop") simulator.

Behaves like ``https://api.lazada.{sg,...}/rest`` and ``https://auth.lazada.com/rest``
(both served by this one server under ``/rest``), as described in
``/work/shared/API_FACTS.md`` section 1 and the scraped open.lazada.com pages it cites.

Protocol
  - every call carries ``app_key``, ``timestamp`` (epoch ms, or ISO 8601),
    ``sign_method=sha256`` and ``sign``; seller APIs also ``access_token``. The
    signature is :func:`sign` over all query + form parameters except ``sign``.
  - answers are HTTP 200 with ``{"code": "0", "data"|"result": ..., "request_id"}``
    or the error envelope ``{"code", "type", "message", "request_id"}``. Fault
    injection answers HTTP 429 (``ApiCallLimit``, with ``Retry-After``) or HTTP
    500/503, still with the envelope so a client may read either.

Shapes (from the doc samples): order-level money is a string with two decimals
(``"price": "106.00"``); order timestamps are ``2018-02-09T22:44:30+08:00``; item
timestamps are ``2014-10-15 19:12:15 +0800``; item money is a JSON number (public
client code adds ``paid_price + voucher_platform`` directly). One order item is one
unit: an order line of quantity 2 is two order items with the same SKU, as on Lazada.

API routes (``/rest`` + path)
  auth/token/create, auth/token/refresh, orders/get, order/get, order/items/get,
  orders/items/get, order/shipment/providers/get, order/fulfill/pack (POST),
  order/package/rts (POST), order/package/document/get, order/invoice_number/set (POST),
  order/reverse/cancel/validate, order/reverse/cancel/create,
  order/reverse/cancel/seller/decide, products/get (the seller's products, see
  :class:`LazadaListings`), product/price_quantity/update (POST),
  product/stock/sellable/update (POST), finance/transaction/details/get,
  finance/payout/status/get, finance/transaction/accountTransactions/query (POST)
  (settlements: see :class:`LazadaFinance`)

Control routes (besides core's /_sim/state, /_sim/faults, /_sim/clock, /_sim/reset)
  POST /_sim/auth/code                    -> {"code", "expires_in"} single-use, 30 min
  POST /_sim/push_config {"url"}          set (or clear with null) the webhook target
  POST /_sim/push {"order_id"[, "order_item_id"]}   send one push now
  POST /_sim/orders/new {"count"[, "status", "lines", "force"]}   create orders
                                          now -> {"order_ids", "not_created"}
  GET  /_sim/seller_stock                 per SellerSku: pushed, sold since, left
  POST /_sim/orders/{order_id}/buyer_cancel {"order_item_ids"?} buyer cancel request
  POST /_sim/orders/{order_id}/pay        unpaid -> pending
  POST /_sim/orders/{order_id}/deliver {"return_item_ids"?}  deliver (and return) now
  POST /_sim/finance/transaction {"fee_type", "amount"[, "fee_name", "order_id"]}

Constructor options: ``app_key`` ("123456"), ``app_secret`` ("helloworld"),
``push_url``, ``country`` ("sg"), ``seller_id``, ``access_ttl`` (7 d),
``refresh_ttl`` (14 d), ``ship_after`` (6 h: ready_to_ship -> shipped),
``deliver_after`` (48 h: shipped -> delivered), ``cancel_confirm_after`` (48 h: an
unanswered buyer cancellation auto-cancels), ``cancel_pending_after`` (1 h: logistics
confirms an agreed cancellation), ``push_timeout`` (2 s), ``settle_after`` (3 d:
delivered -> credited), ``payout_after`` (4 d: statement closed -> paid out),
``tax_rate`` (the country's, :data:`TAX_RATES`: the tax included in the prices).

Stock (:class:`~simulators.core.SellerStock`): a price/quantity or sellable
update sets a SellerSku's quantity; the orders created since take their units away
(each item that is not cancelled at creation is one unit) and the buyers stop at 0:
they order fewer units, another SKU, or nothing. ``lines`` ([{"sku", "qty"}]) makes
``/_sim/orders/new`` order those SKUs, ``force`` beyond what is left (counted as
``oversold``). Before any update a SKU is not limited.

Money (MORE_API_FACTS section 5; GetOrders / GetOrderItems field descriptions): an
item's ``paid_price`` is its ``item_price`` less the seller's and Lazada's vouchers
(``voucher_seller``, ``voucher_platform``), its ``tax_amount`` the part of the paid
price that is tax (prices include tax). The order's ``shipping_fee`` is what the
buyer pays for shipping: ``shipping_fee_original`` less the shipping fee discounts
of the seller and of Lazada (``shipping_fee_discount_seller`` / ``_platform``),
carried by the order's first item (``shipping_amount``). The buyer pays the paid
prices of the items that are not cancelled plus that shipping fee.
"""

# the public names of the former single-module simulator (``from ... import X``)
from .auth import LazadaAuth, push_signature, sign
from .cancellation import LazadaCancellation
from .common import AGGREGATES, ApiError, BUYER_CANCEL_REASONS, CANCELLABLE_BY_BUYER
from .common import CANCELLABLE_BY_SELLER, CANCEL_REASONS, COUNTRY, DAY, EXTRA_STATUSES
from .common import HOUR, MAX_BATCH, MAX_ORDER_IDS, MAX_PAGE, MAX_SKUS, PAYMENT_METHODS
from .common import PREVIOUS, PRINTABLE, SHIPMENT_PROVIDERS, STATUSES, TAX_RATES
from .common import TIMESTAMP_WINDOW
from .control import LazadaControl
from .finance import ADS_FEE, COMMISSION_RATE, FEE_TYPES, FINAL_STATUSES
from .finance import FINANCE_MAX_DAYS, FINANCE_MAX_LIMIT, LazadaFinance
from .finance import PAYMENT_FEE_RATE, SELLER_SHIPPING
from .listings import LazadaListings
from .logistics import LazadaLogistics, minimal_pdf
from .orders import LazadaOrders
from .push import LazadaPush
from .server import API, LazadaSimulator
from .state import LazadaState
from .stock import LazadaStock
