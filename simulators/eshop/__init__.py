"""Web shop <-> ERP XML order exchange simulator (Comarch e-Sklep style).

The ERP is the master: it pulls orders from the shop during a sync and pushes order
statuses back. What this simulator models (seed 003, API_FACTS section 5a):

- The customer picks a delivery and a payment method from the shop's
  delivery/payment matrix (``GET /api/matrix``).
- Order states (``State@Code`` / Polish label)::

      awaiting_customer       oczekuje na potwierdzenie klienta
      awaiting_shipping_cost  oczekuje na ustalenie kosztów przesyłki
      awaiting_payment        oczekuje na płatność online
      awaiting_instalment     oczekuje na decyzję serwisu ratalnego
      awaiting_shop           oczekuje na potwierdzenie sklepu
      confirmed               Potwierdzone
      fulfilled               Zrealizowane
      cancelled               Anulowane

  awaiting_customer -> (awaiting_shipping_cost) -> (awaiting_payment |
  awaiting_instalment) -> awaiting_shop -> confirmed -> fulfilled; cancelled from any
  state before fulfilled. Only ``awaiting_shop``, ``confirmed``, ``fulfilled`` and
  ``cancelled`` orders are importable; the others are exported with their state,
  ``Importable="false"`` and a ``NotImportableReason``.
- An order is exported no sooner than ``export_delay`` seconds after placement.

API (header ``X-Api-Key: <api_key>``; every answer is UTF-8 XML with a declaration):

- ``GET  /api/matrix``                          delivery/payment matrix
- ``GET  /api/orders/export?since=<cursor>&limit=N``  orders changed since the cursor,
  oldest change first, ``<OrderExport NextCursor=.. HasMore=..>``. Every change gives
  the order a new ``Version`` (a global change sequence number); the cursor is the
  last version served. An order appears once per page sequence per change.
- ``GET  /api/orders/{id}``                     one order (``<Order>``)
- ``POST /api/orders/status``                   ``<StatusUpdates><StatusUpdate>
  <OrderId/><Status>Potwierdzone|Zrealizowane|Anulowane</Status>
  <Document Type="RO|FS|WZ">number</Document>* <TrackingNumber/>? <Carrier/>?
  </StatusUpdate>*</StatusUpdates>`` -> ``<StatusUpdateResults>`` with one
  ``<Result OrderId=.. Success="true|false">`` per update (``<Error Code=..>``).
  English names Confirmed/Fulfilled/Cancelled are accepted too.
- ``POST /api/orders/{id}/confirm_for_customer``  the shop confirms on the customer's
  behalf (admin panel "Więcej" -> confirm for the customer).

Money (``Currency`` PLN): prices are gross (VAT included). Each ``<Line>`` has its
``UnitPriceGross``, ``LineTotalGross`` and its product's ``TaxRate`` (23, 8 or 5 %);
``<CostLines>`` hold the delivery fee and the payment (COD) fee (``TaxRate`` 23) and
the voucher (a negative amount). ``TotalPrice`` = lines + cost lines. ``TotalTax`` is
the sum of the VAT of each line rounded to the cent (the lines', the fees', less the
voucher's: the voucher reduces the goods of each rate in proportion to their gross
value, highest rate first, the last rate taking the rest); ``TotalNet`` =
``TotalPrice`` - ``TotalTax``.

Control (JSON, never on a real shop):

- ``POST /_sim/orders/new``   JSON ``{"delivery", "payment", "lines": [{"sku", "qty"}],
  "customer_confirmed": bool, "voucher"}`` (all optional) places an order now
- ``POST /_sim/orders/{id}/customer_confirm``  the customer confirms the order
- ``POST /_sim/orders/{id}/event``  ``{"event": "payment_received" | "payment_failed"
  | "instalment_approved" | "instalment_rejected" | "shipping_cost_approved"
  (+ "amount") | "cancel"}``

Faults (in exports): ``malformed`` serves a schema-broken ``<Order Malformed..>`` (no
lines, unparsable total) and re-queues the order so a good copy follows at a later
cursor; ``duplicates`` repeats an order right after itself; ``out_of_order`` serves an
older version (lower ``Version``) right after the current one. 429/5xx answer
``<Error><Code/><Message/></Error>``.
"""

# the public names of the former single-module simulator (``from ... import X``)
from .common import CENT, COMPANIES, DELIVERIES, ERP_STATUS_NAMES, ERP_TRANSITIONS
from .common import MATRIX, NOT_IMPORTABLE, PAYMENTS, PRODUCT_CODES, SHOP_STATUS, STATES
from .common import COST_VAT_RATE, STANDARD_VAT_RATE, VAT_RATES, gross_vat, vat_rate
from .common import VAT, VOUCHERS, XML_CT, error_xml, money, split_sku, sub, xml_bytes
from .common import xml_response
from .control import EshopControl
from .orders import EshopOrders
from .server import EshopSimulator
from .state import EshopState
