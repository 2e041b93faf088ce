"""IT distributor simulator: drop-ship purchase orders received electronically, stock
and price feeds, real-time stock/price queries and dispatch notifications.

One server hosts several distributors (default ``ingram``, ``techdata``, ``exertis``).
Each has its own purchase-order format, credentials, currency, catalogue and whether it
answers real-time queries. See API_FACTS sections 6 (purchase-order standards) and 7
(distributor feeds).

Distributors (defaults; override with the ``distributors`` option, a list of codes or
of dicts merged over the defaults)::

    code      format     real-time  PO authentication
    ingram    cxml       yes        Header/Sender/Credential/Identity + SharedSecret
    techdata  ubl        yes        HTTP Basic (username/password) or X-Api-Key
    exertis   opentrans  no         HTTP Basic (username/password) or X-Api-Key

Default credentials (visible in ``GET /_sim/state`` under ``distributors``):
username ``reseller``, password ``{code}-password``, API key ``{code}-api-key``;
cXML: From/Sender identity ``RESELLER-001``, To identity ``{CODE}`` (upper case),
SharedSecret ``{code}-shared-secret``. Dispatch notifications are signed with
``{code}-webhook-secret``.

Routes (API routes are subject to fault injection):

- ``POST /{code}/orders``  the PO document in the distributor's format.
  * ``cxml``: cXML ``OrderRequest``; answer is a cXML ``Response/Status``: code 200
    (text ``OK``, content summarises the line results), 400 for a missing or invalid
    element (the text content names it), 401 for wrong credentials, 406 for
    ``type="update"`` (not supported: delete and resend), 409 when a ``delete`` comes
    after dispatch. The HTTP status equals the cXML status code.
    ``type="delete"`` cancels an accepted PO (stock is given back).
  * ``ubl``: UBL 2.1 ``Order``; answer is a UBL 2.1 ``OrderResponse`` with
    ``cbc:OrderResponseCode`` AP (all lines accepted), CA (some lines changed or
    rejected) or RE (nothing accepted), and per line ``cbc:LineStatusCode``
    5 accepted / 3 changed (quantity reduced) / 7 not accepted, ``cbc:Quantity`` the
    accepted quantity, ``cac:Price`` the distributor's price (the invoiced one) and a
    ``cbc:Note`` with the reason. Peppol BIS Ordering 3 documents
    (``cbc:CustomizationID`` urn:fdc:peppol.eu:poacc:trns:order:3) must also carry
    ``cbc:ProfileID``, ``cbc:DocumentCurrencyCode``, ``cac:AnticipatedMonetaryTotal``
    and ``cbc:Quantity@unitCode``.
  * ``opentrans``: openTRANS 2.1 ``ORDER``; answer is an openTRANS 2.1
    ``ORDERRESPONSE`` whose items carry the accepted ``QUANTITY``, the distributor's
    ``PRODUCT_PRICE_FIX/bme:PRICE_AMOUNT`` and ``REMARKS type="line_status"``
    (accepted / partial / rejected: reason).
  * UBL/openTRANS errors are HTTP 400 JSON ``{"error": "invalid_order", "message",
    "element"}``; bad credentials HTTP 401 JSON with ``WWW-Authenticate: Basic``.
  * Every acknowledgement also has the headers ``X-Order-Status``
    (accepted/partial/rejected/cancelled) and ``X-Distributor-Order-Id``.
  * Line policy: the line's part number (cXML ``SupplierPartID``, UBL Sellers/
    Manufacturers/Standard/Buyers item identification, openTRANS
    ``bme:SUPPLIER_PID``) is matched against the distributor part number, the
    manufacturer part number (the SKUs of ``data.catalogue()``) or the EAN. Unknown
    part: line rejected (``unknown_part``); no stock: rejected (``out_of_stock``);
    less stock than ordered: partially accepted, the rest is not backordered
    (``insufficient_stock``). A PO whose every line is rejected has status
    ``rejected`` (still acknowledged). The price charged is always the distributor's
    current price; a different requested price is recorded as ``price_mismatch``.
  * A PO id already received is acknowledged again with the stored acknowledgement
    (same body, header ``X-Duplicate: true``), never a second order.
- ``GET /{code}/orders/{po_id}``  JSON status of a PO (lines, carrier, tracking).
- ``DELETE /{code}/orders/{po_id}``  cancel a PO that is not dispatched yet.
- ``GET /{code}/feed.csv`` and ``GET /{code}/feed.xml``  the stock/price feed. Columns
  (CSV header / XML ``<product>`` children): part_number (distributor part no), mpn,
  brand, description, ean, category, stock, price (no currency symbol, 2 decimals),
  rrp, currency, lead_time_days, weight_kg. Distributors with ``stock_band`` (exertis:
  100) publish larger stock as ``>100``. Stock and prices drift deterministically every
  ``drift_period`` simulated seconds (default 3600: hourly feeds). Faults:
  ``malformed`` breaks rows (empty part number, non-numeric stock or price),
  ``duplicates`` repeats rows.
- ``GET /{code}/realtime?parts=A,B`` or ``POST /{code}/realtime`` with JSON
  ``{"parts": ["A", "B"]}`` (at most 50): exact stock, price, currency and lead time
  per part. Distributors without real-time answer HTTP 501 ``realtime_not_supported``.
- Feeds, real-time queries, order status and DELETE authenticate with HTTP Basic, the
  ``X-Api-Key`` header or the ``api_key`` query parameter.

Dispatch notifications: ``dispatch_after`` simulated seconds (default 3600) after a PO
was (partly) accepted, or at once on ``POST /_sim/{code}/orders/{po_id}/dispatch``,
the PO gets a carrier and tracking number and a JSON notification is POSTed to the
dispatch URL from a background thread::

    {"event": "order.dispatched", "event_id", "distributor", "po_id",
     "distributor_order_id", "dispatch_id", "dispatched_at" (ISO 8601 UTC),
     "carrier", "service", "tracking_number", "tracking_url", "weight_kg",
     "ship_to", "lines": [{"line_id", "part_number", "mpn", "quantity"}]}

with headers ``X-Distributor``, ``X-Event-Id`` and
``X-Signature: sha256=<hex HMAC-SHA256 of the body with the distributor's
webhook_secret>``. Failed deliveries (connection
error or 5xx) are retried twice. The ``duplicates`` fault sends a notification twice.

Control routes (never faulted):

- ``POST /_sim/dispatch_config`` ``{"url": ..., "code": optional}``  dispatch URL
  (for all distributors, or one).
- ``POST /_sim/{code}/orders/{po_id}/dispatch``  dispatch now.
- ``POST /_sim/{code}/parts/{part}`` ``{"stock", "price", "lead_time_days"}``  set a
  part's values (part = distributor part number or MPN).

Options: ``distributors``, ``dispatch_url``, ``dispatch_after``, ``drift_period``,
``dispatch_timeout`` (seconds, default 5), ``dispatch_retry_delay`` (seconds, default
0.2, multiplied by the attempt number).
"""

# the public names of the former single-module simulator (``from ... import X``)
from .acks import UBL_LINE_CODES, UBL_ORDER_CODES, cxml_response, opentrans_ack, ubl_ack
from .common import CARRIERS, DATA_BRANDS, DEFAULT_DISTRIBUTORS, EXTRA_PARTS
from .common import FEED_COLUMNS, FORMATS, NS_BME, NS_CAC, NS_CBC, NS_OT, NS_UBL_ORDER
from .common import NS_UBL_RESPONSE, OT_NS, OrderError, PEPPOL_ORDER, REALTIME_MAX_PARTS
from .common import UBL_NS
from .control import DistributorControl
from .documents import UBL_ITEM_IDS, cxml_credentials, parse_cxml, parse_opentrans
from .documents import parse_ubl
from .feeds import DistributorFeeds
from .logistics import DistributorLogistics
from .orders import DistributorOrders
from .server import DistributorSimulator
from .state import DistributorState
