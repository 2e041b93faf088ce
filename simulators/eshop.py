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

import copy
import datetime
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal

from . import data
from .core import (
    OrderFeedMixin,
    Response,
    SimServer,
    constant_time_equal,
    iso_utc,
    json_response,
    route,
)

XML_CT = "application/xml; charset=utf-8"
CENT = Decimal("0.01")
VAT = Decimal("0.23")

STATES = {
    "awaiting_customer": "oczekuje na potwierdzenie klienta",
    "awaiting_shipping_cost": "oczekuje na ustalenie kosztów przesyłki",
    "awaiting_payment": "oczekuje na płatność online",
    "awaiting_instalment": "oczekuje na decyzję serwisu ratalnego",
    "awaiting_shop": "oczekuje na potwierdzenie sklepu",
    "confirmed": "Potwierdzone",
    "fulfilled": "Zrealizowane",
    "cancelled": "Anulowane",
}
NOT_IMPORTABLE = {
    "awaiting_customer": "awaiting_customer_confirmation",
    "awaiting_shipping_cost": "awaiting_shipping_cost_approval",
    "awaiting_payment": "awaiting_online_payment",
    "awaiting_instalment": "awaiting_instalment_approval",
}
# e-Sklep order status as the ERP sees it
SHOP_STATUS = {
    "confirmed": "Potwierdzone",
    "fulfilled": "Zrealizowane",
    "cancelled": "Anulowane",
}
ERP_STATUS_NAMES = {
    "potwierdzone": "confirmed",
    "confirmed": "confirmed",
    "zrealizowane": "fulfilled",
    "fulfilled": "fulfilled",
    "anulowane": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}
# target state -> states the ERP may move it from
ERP_TRANSITIONS = {
    "confirmed": ("awaiting_shop",),
    "fulfilled": ("confirmed",),
    "cancelled": ("awaiting_shop", "confirmed"),
}

DELIVERIES = [
    ("DPD", "Kurier DPD", "14.99", False),
    ("INPOST", "InPost Paczkomat 24/7", "12.99", False),
    ("POCZTA", "Poczta Polska – paczka pocztowa", "9.99", False),
    ("PICKUP", "Odbiór osobisty – sklep Kraków, ul. Floriańska", "0.00", False),
    ("PALLET", "Przesyłka paletowa (koszt ustalany indywidualnie)", "0.00", True),
]
PAYMENTS = [
    ("TRANSFER", "transfer", "Przelew tradycyjny", "0.00"),
    ("COD", "cod", "Za pobraniem", "5.00"),
    ("PAYU", "online", "Płatność online PayU", "0.00"),
    ("RATY", "instalment", "Raty – Santander Consumer Bank", "0.00"),
    ("CASH", "cash", "Gotówka przy odbiorze osobistym", "0.00"),
]
MATRIX = {
    "DPD": ("TRANSFER", "COD", "PAYU", "RATY"),
    "INPOST": ("TRANSFER", "COD", "PAYU", "RATY"),
    "POCZTA": ("TRANSFER", "COD", "PAYU"),
    "PICKUP": ("CASH", "TRANSFER", "PAYU"),
    "PALLET": ("TRANSFER", "PAYU"),
}
VOUCHERS = [("RABAT10", "fixed", Decimal("10.00")), ("LATO5", "percent", Decimal(5))]
COMPANIES = [
    ("Hurtownia Żółć Sp. z o.o.", "6762460122"),
    (
        "Przedsiębiorstwo Handlowo-Usługowe „Łoś” Grzegorz Brzęczyszczykiewicz",
        "5261040828",
    ),
    ("Zakład Usług Informatycznych ĘĄŚ s.c.", "9451957532"),
]
PRODUCT_CODES = sorted((p[0] for p in data.PRODUCTS), key=len, reverse=True)


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def xml_bytes(root):
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def xml_response(root, status=200, headers=None):
    return Response(status, xml_bytes(root), XML_CT, headers)


def sub(parent, tag, text=None, **attrs):
    elem = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        elem.text = str(text)
    return elem


def error_xml(code, message, status, headers=None, **extra):
    root = ET.Element("Error")
    sub(root, "Code", code)
    sub(root, "Message", message)
    for key, value in extra.items():
        sub(root, key, value)
    return xml_response(root, status, headers)


def split_sku(sku):
    for code in PRODUCT_CODES:
        if sku == code:
            return code, ""
        if sku.startswith(code + "-"):
            return code, sku[len(code) + 1 :]
    return sku, ""


class EshopSimulator(OrderFeedMixin, SimServer):
    name = "eshop"

    # ---- options ---------------------------------------------------------------------
    @property
    def api_key(self):
        return self.options.get("api_key", "eshop-key")

    @property
    def export_delay(self):
        return float(self.options.get("export_delay", 60))

    # ---- state -----------------------------------------------------------------------
    def setup_state(self):
        self.orders = {}
        self.history = {}  # id -> [snapshot of every exported version]
        self.seq = 0
        self.next_id = 1001
        self.status_updates = []
        self.errors = []
        self.exports = []
        self.deliveries = {d[0]: d for d in DELIVERIES}
        self.payments = {p[0]: p for p in PAYMENTS}
        now = self.now()
        rng = self.rng
        count = self.order_count
        targets = list(STATES) + [
            rng.choices(list(STATES), weights=[15, 5, 8, 5, 30, 15, 15, 7], k=1)[0]
            for _ in range(max(count - len(STATES), 0))
        ]
        targets = targets[:count]
        rng.shuffle(targets)
        ages = sorted(
            (rng.uniform(1800, 14 * 86400) for _ in range(count)), reverse=True
        )
        if count >= 5:
            ages[-1] = 15.0  # the newest order is still inside the export delay
            targets[-1] = "awaiting_shop"
        events = []
        for target, age in zip(targets, ages, strict=True):
            order = self._generate_order(target, now - age)
            path = self._path(order, target)
            last = min(order["placed_at"] + 3 * 86400, now - 1)
            times = sorted(rng.uniform(order["placed_at"], last) for _ in path[1:])
            events.append((order["placed_at"], order["id"], "placed", target))
            for state, when in zip(path[1:], times, strict=True):
                events.append((when, order["id"], "state", state))
            release = order["placed_at"] + self.export_delay
            if release <= now:
                events.append((release, order["id"], "release", None))
        for when, order_id, kind, state in sorted(events, key=lambda e: e[:2]):
            order = self.orders[order_id]
            if kind == "release":
                self._release(order, when)
            elif kind == "state":
                self._change(
                    order, when, state=state, **self._history_fields(order, state)
                )

    def _path(self, order, target):
        path = ["awaiting_customer"]
        if target == "awaiting_customer":
            return path
        delivery = self.deliveries[order["delivery"]]
        ptype = self.payments[order["payment"]][1]
        if delivery[3]:
            path.append("awaiting_shipping_cost")
        if target == "awaiting_shipping_cost":
            return path
        if target == "cancelled":
            return (
                path
                + (["awaiting_shop"] if self.rng.random() < 0.5 else [])
                + ["cancelled"]
            )
        if ptype == "online":
            path.append("awaiting_payment")
        elif ptype == "instalment":
            path.append("awaiting_instalment")
        if target in ("awaiting_payment", "awaiting_instalment"):
            return path
        path.append("awaiting_shop")
        if target in ("confirmed", "fulfilled"):
            path.append("confirmed")
        if target == "fulfilled":
            path.append("fulfilled")
        return path

    def _history_fields(self, order, state):
        """ERP documents and tracking of orders that moved before the simulation."""
        year = datetime.datetime.fromtimestamp(
            order["placed_at"], datetime.timezone.utc
        ).year
        number = order["id"] - 1000
        if state == "confirmed":
            return {"documents": [("RO", f"RO/{number}/{year}")]}
        if state != "fulfilled":
            return {}
        fields = {
            "documents": order["documents"]
            + [("FS", f"FS/{number}/{year}"), ("WZ", f"WZ/{number}/{year}")]
        }
        if order["delivery"] != "PICKUP":
            fields["tracking"] = f"PL{order['id']:06d}{self.rng.randint(1000, 9999)}"
            fields["carrier"] = order["delivery"]
        return fields

    def _pick_methods(self, target):
        rng = self.rng
        if target == "awaiting_payment":
            return rng.choice(["DPD", "INPOST", "POCZTA"]), "PAYU"
        if target == "awaiting_instalment":
            return rng.choice(["DPD", "INPOST"]), "RATY"
        if target == "awaiting_shipping_cost":
            return "PALLET", rng.choice(MATRIX["PALLET"])
        delivery = rng.choices(list(MATRIX), weights=[30, 30, 15, 15, 5], k=1)[0]
        return delivery, rng.choice(MATRIX[delivery])

    def _generate_order(self, target, placed_at):
        rng = self.rng
        delivery, payment = self._pick_methods(target)
        buyer = data.buyer(rng)
        lines = [
            {"sku": item["sku"], "qty": item["qty"]}
            for item in data.order_lines(rng, max_lines=5)
        ]
        voucher = rng.choice(VOUCHERS)[0] if rng.random() < 0.2 else None
        company = rng.choice(COMPANIES) if rng.random() < 0.25 else None
        comment = rng.choice(
            [
                "",
                "",
                "Proszę o kontakt telefoniczny przed dostawą.",
                "Prezent – bez paragonu w paczce 🎁",
            ]
        )
        return self._create_order(
            placed_at, buyer, lines, delivery, payment, voucher, company, comment
        )

    def _create_order(
        self, placed_at, buyer, lines, delivery, payment, voucher, company, comment
    ):
        catalogue = {item["sku"]: item for item in data.catalogue()}
        order_id = self.next_id
        self.next_id += 1
        year = datetime.datetime.fromtimestamp(placed_at, datetime.timezone.utc).year
        order = {
            "id": order_id,
            "number": f"ZAM/{order_id}/{year}",
            "state": "awaiting_customer",
            "placed_at": placed_at,
            "modified_at": placed_at,
            "released": False,
            "version": None,
            "customer": buyer,
            "company": company,
            "delivery": delivery,
            "payment": payment,
            "payment_status": self._payment_status(payment, "awaiting_customer"),
            "delivery_fee": money(self.deliveries[delivery][2]),
            "lines": [
                {
                    "sku": line["sku"],
                    "name": catalogue[line["sku"]]["name"],
                    "qty": int(line["qty"]),
                    "price": money(catalogue[line["sku"]]["price"]),
                }
                for line in lines
            ],
            "voucher": voucher,
            "comment": comment,
            "documents": [],
            "tracking": None,
            "carrier": None,
        }
        self.orders[order_id] = order
        self.history[order_id] = []
        return order

    def _payment_status(self, payment, state, previous=None):
        ptype = self.payments[payment][1]
        if state == "cancelled" and previous:
            return previous
        if ptype in ("cod", "cash"):
            if state == "fulfilled":
                return "paid"
            return "cash_on_delivery" if ptype == "cod" else "pay_at_pickup"
        if ptype in ("online", "instalment"):
            if state in ("awaiting_customer", "awaiting_shipping_cost"):
                return "not_started"
            if state in ("awaiting_payment", "awaiting_instalment"):
                return "pending"
            return "paid" if ptype == "online" else "approved"
        return "paid" if state == "fulfilled" else "unpaid"

    # ---- changes ---------------------------------------------------------------------
    def _release(self, order, when=None):
        order["released"] = True
        order["version"] = self._next_seq()
        self._snapshot(order)

    def _change(self, order, when=None, state=None, **fields):
        if state:
            order["payment_status"] = self._payment_status(
                order["payment"], state, order["payment_status"]
            )
            order["state"] = state
        order.update(fields)
        order["modified_at"] = self.now() if when is None else when
        if order["released"]:
            order["version"] = self._next_seq()
            self._snapshot(order)

    def tick(self):
        now = self.now()
        due = [
            o
            for o in self.orders.values()
            if not o["released"] and o["placed_at"] + self.export_delay <= now
        ]
        for order in sorted(due, key=lambda o: (o["placed_at"], o["id"])):
            self._release(order)

    def _after_customer_step(self, order, done):
        """Next state once the customer-side step ``done`` is over."""
        ptype = self.payments[order["payment"]][1]
        order_of_steps = ["customer", "shipping_cost", "payment"]
        rest = order_of_steps[order_of_steps.index(done) + 1 :]
        if "shipping_cost" in rest and self.deliveries[order["delivery"]][3]:
            return "awaiting_shipping_cost"
        if "payment" in rest and ptype == "online":
            return "awaiting_payment"
        if "payment" in rest and ptype == "instalment":
            return "awaiting_instalment"
        return "awaiting_shop"

    def customer_confirm(self, order):
        if order["state"] != "awaiting_customer":
            return f"order {order['id']} is {order['state']}, not awaiting_customer"
        self._change(order, state=self._after_customer_step(order, "customer"))
        return None

    # ---- totals ----------------------------------------------------------------------
    def totals(self, order):
        goods = sum((line["price"] * line["qty"] for line in order["lines"]), Decimal())
        costs = []
        if order["delivery_fee"]:
            costs.append(
                (
                    "delivery",
                    self.deliveries[order["delivery"]][1],
                    None,
                    order["delivery_fee"],
                )
            )
        pay_fee = money(self.payments[order["payment"]][3])
        if pay_fee:
            costs.append(
                ("payment_fee", self.payments[order["payment"]][2], None, pay_fee)
            )
        if order["voucher"]:
            code, kind, value = next(v for v in VOUCHERS if v[0] == order["voucher"])
            amount = value if kind == "fixed" else money(goods * value / 100)
            costs.append(
                ("voucher", f"Kupon rabatowy {code}", code, -min(amount, goods))
            )
        total = money(goods + sum((c[3] for c in costs), Decimal()))
        net = money(total / (1 + VAT))
        return {
            "goods": money(goods),
            "costs": costs,
            "total": total,
            "net": net,
            "tax": total - net,
        }

    # ---- XML -------------------------------------------------------------------------
    def _address(self, parent, tag, order):
        buyer = order["customer"]
        addr = sub(parent, tag)
        company = order["company"]
        sub(addr, "Name", buyer["name"])
        if company and tag == "InvoiceAddress":
            sub(addr, "Company", company[0])
            sub(addr, "TaxId", company[1])
        sub(addr, "Street", buyer["address1"])
        sub(addr, "Street2", buyer["address2"])
        sub(addr, "PostalCode", buyer["zip"])
        sub(addr, "City", buyer["city"])
        sub(addr, "CountryCode", buyer["country"])
        sub(addr, "Phone", buyer["phone"])
        return addr

    def order_element(self, order, malformed=False):
        state = order["state"]
        importable = state not in NOT_IMPORTABLE
        elem = ET.Element(
            "Order",
            {
                "Id": str(order["id"]),
                "Version": str(order["version"] or 0),
                "Importable": "true" if importable else "false",
            },
        )
        if malformed:
            elem.set("Malformed", "true")
            sub(elem, "Number", order["number"])
            sub(elem, "TotalPrice", "12,3.4.5 zł")
            return elem
        sub(elem, "Number", order["number"])
        sub(elem, "State", STATES[state], Code=state)
        sub(elem, "Status", SHOP_STATUS.get(state, "Nowe"))
        if not importable:
            sub(elem, "NotImportableReason", NOT_IMPORTABLE[state])
        sub(elem, "PlacedAt", iso_utc(order["placed_at"]))
        sub(elem, "ModifiedAt", iso_utc(order["modified_at"]))
        sub(elem, "Currency", "PLN")
        buyer = order["customer"]
        cust = sub(elem, "Customer", Id=f"K{buyer['buyer_id']}")
        sub(cust, "Name", buyer["name"])
        sub(cust, "Email", buyer["email"])
        sub(cust, "Phone", buyer["phone"])
        sub(cust, "InvoiceRequested", "true" if order["company"] else "false")
        self._address(elem, "InvoiceAddress", order)
        self._address(elem, "DeliveryAddress", order)
        delivery = self.deliveries[order["delivery"]]
        sub(elem, "DeliveryMethod", delivery[1], Id=delivery[0])
        payment = self.payments[order["payment"]]
        sub(elem, "PaymentMethod", payment[2], Id=payment[0], Type=payment[1])
        sub(elem, "PaymentStatus", order["payment_status"])
        lines = sub(elem, "Lines")
        for number, line in enumerate(order["lines"], 1):
            code, variant = split_sku(line["sku"])
            el = sub(lines, "Line", No=number)
            sub(el, "Sku", line["sku"])
            sub(el, "ProductCode", code)
            if variant:
                sub(el, "Variant", variant)
            sub(el, "Name", line["name"])
            sub(el, "Quantity", line["qty"])
            sub(el, "UnitPriceGross", line["price"])
            sub(el, "TaxRate", "23")
            sub(el, "LineTotalGross", money(line["price"] * line["qty"]))
        totals = self.totals(order)
        cost_lines = sub(elem, "CostLines")
        for kind, name, code, amount in totals["costs"]:
            cl = sub(cost_lines, "CostLine", Type=kind)
            if code:
                sub(cl, "Code", code)
            sub(cl, "Name", name)
            sub(cl, "AmountGross", amount)
        sub(elem, "TotalNet", totals["net"])
        sub(elem, "TotalTax", totals["tax"])
        sub(elem, "TotalPrice", totals["total"])
        if order["comment"]:
            sub(elem, "Comment", order["comment"])
        if order["documents"] or order["tracking"]:
            docs = sub(elem, "ErpDocuments")
            for kind, number in order["documents"]:
                sub(docs, "Document", number, Type=kind)
            if order["tracking"]:
                sub(
                    elem,
                    "TrackingNumber",
                    order["tracking"],
                    Carrier=order["carrier"] or "",
                )
        return elem

    # ---- API -------------------------------------------------------------------------
    def fault_response_429(self):
        retry = str(int(self.faults.get("retry_after")))
        return error_xml(
            "too_many_requests",
            "Przekroczono limit zapytań (too many requests)",
            429,
            {"Retry-After": retry},
            RetryAfter=retry,
        )

    def fault_response_5xx(self):
        return error_xml(
            "service_unavailable",
            "Usługa wymiany danych chwilowo niedostępna (service unavailable)",
            503,
        )

    def _log_error(self, endpoint, code, message, order_id=None):
        self.errors.append(
            {
                "at": self.now(),
                "endpoint": endpoint,
                "order_id": order_id,
                "code": code,
                "message": message,
            }
        )

    def _auth(self, req):
        key = req.headers.get("X-Api-Key")
        if constant_time_equal(key, self.api_key):
            return None
        message = "missing X-Api-Key header" if not key else "invalid API key"
        self._log_error(req.path, "unauthorized", message)
        return error_xml("unauthorized", message, 401)

    def _bad(self, req, code, message, status=400, order_id=None):
        self._log_error(req.path, code, message, order_id)
        return error_xml(code, message, status)

    @route("GET", "/api/matrix")
    def api_matrix(self, req):
        denied = self._auth(req)
        if denied:
            return denied
        root = ET.Element("DeliveryPaymentMatrix", Currency="PLN")
        dels = sub(root, "DeliveryMethods")
        for code, name, fee, to_agree in DELIVERIES:
            sub(
                dels,
                "DeliveryMethod",
                name,
                Id=code,
                Fee=fee,
                CostToAgree="true" if to_agree else "false",
            )
        pays = sub(root, "PaymentMethods")
        for code, ptype, name, fee in PAYMENTS:
            sub(pays, "PaymentMethod", name, Id=code, Type=ptype, Fee=fee)
        combos = sub(root, "Combinations")
        for delivery, payments in MATRIX.items():
            for payment in payments:
                sub(combos, "Combination", Delivery=delivery, Payment=payment)
        return xml_response(root)

    def _int_param(self, req, name, default, low, high):
        raw = req.query.get(name, "")
        if raw == "":
            return default, None
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            return None, self._bad(
                req,
                "invalid_parameter",
                f"{name} must be an integer between {low} and {high}, got {raw!r}",
            )
        return value, None

    @route("GET", "/api/orders/export")
    def api_export(self, req):
        denied = self._auth(req)
        if denied:
            return denied
        since, bad = self._int_param(req, "since", 0, 0, 10**12)
        if bad:
            return bad
        limit, bad = self._int_param(req, "limit", 20, 1, 500)
        if bad:
            return bad
        changed = sorted(
            (o for o in self.orders.values() if o["released"] and o["version"] > since),
            key=lambda o: o["version"],
        )
        page = changed[:limit]
        next_cursor = page[-1]["version"] if page else max(since, 0)
        root = ET.Element(
            "OrderExport",
            Since=str(since),
            NextCursor=str(next_cursor),
            HasMore="true" if len(changed) > limit else "false",
            GeneratedAt=iso_utc(self.now()),
        )
        served = {"malformed": [], "duplicates": [], "stale": []}
        requeue = []
        for order in page:
            if self.faults.roll("malformed"):
                root.append(self.order_element(order, malformed=True))
                served["malformed"].append(order["id"])
                requeue.append(order)
                continue
            self._serve_versions(
                order, self.order_element(order), self.order_element, root, served
            )
        for order in requeue:  # the good copy follows at a later cursor position
            self._requeue(order)
            root.set("HasMore", "true")
        root.set("Count", str(len(root)))
        self.exports.append(
            {
                "at": self.now(),
                "since": since,
                "next_cursor": next_cursor,
                "order_ids": [o["id"] for o in page],
                **served,
            }
        )
        return xml_response(root)

    def _find(self, req):
        raw_id = req.params["order_id"]
        try:
            order = self.orders.get(int(raw_id))
        except (TypeError, ValueError):
            order = None
        if order is None:
            return None, self._bad(
                req, "unknown_order", f"order {raw_id!r} does not exist", 404
            )
        return order, None

    @route("GET", "/api/orders/{order_id}")
    def api_order(self, req):
        order, bad = self._authorised_order(req)
        if bad:
            return bad
        if not order["released"]:
            return self._bad(
                req,
                "not_yet_exported",
                f"order {order['id']} is exported no sooner than "
                f"{int(self.export_delay)} s after placement",
                404,
                order["id"],
            )
        return xml_response(self.order_element(order))

    @route("POST", "/api/orders/{order_id}/confirm_for_customer")
    def api_confirm_for_customer(self, req):
        order, bad = self._authorised_order(req)
        if bad:
            return bad
        problem = self.customer_confirm(order)
        if problem:
            return self._bad(req, "illegal_transition", problem, 409, order["id"])
        return xml_response(self.order_element(order))

    @route("POST", "/api/orders/status")
    def api_status(self, req):
        denied = self._auth(req)
        if denied:
            return denied
        try:
            root = ET.fromstring(req.body)
        except ET.ParseError as exc:
            return self._bad(req, "invalid_xml", f"request body is not XML: {exc}")
        if root.tag == "StatusUpdate":
            updates = [root]
        elif root.tag == "StatusUpdates":
            updates = root.findall("StatusUpdate")
        else:
            return self._bad(
                req,
                "invalid_xml",
                f"root element must be <StatusUpdates>, got <{root.tag}>",
            )
        result = ET.Element("StatusUpdateResults")
        accepted = rejected = 0
        for update in updates:
            order_id, code, message, unchanged = self._apply_update(update)
            res = sub(result, "Result", OrderId=order_id or "")
            if code:
                rejected += 1
                res.set("Success", "false")
                sub(res, "Error", message, Code=code)
                self._log_error(req.path, code, message, order_id)
            else:
                accepted += 1
                res.set("Success", "true")
                if unchanged:
                    res.set("Unchanged", "true")
                order = self.orders[int(order_id)]
                sub(res, "State", STATES[order["state"]], Code=order["state"])
                sub(res, "Version", order["version"] or 0)
        result.set("Accepted", str(accepted))
        result.set("Rejected", str(rejected))
        return xml_response(result)

    def _apply_update(self, update):
        """Returns (order_id, error_code, message, unchanged)."""
        order_id = (update.findtext("OrderId") or "").strip()
        status = (update.findtext("Status") or "").strip()
        record = {"at": self.now(), "order_id": order_id, "status": status}
        self.status_updates.append(record)
        documents = [
            ((d.get("Type") or "").strip(), (d.text or "").strip())
            for d in update.findall("Document")
        ]
        tracking = (update.findtext("TrackingNumber") or "").strip() or None
        carrier = (update.findtext("Carrier") or "").strip() or None
        record.update(documents=documents, tracking=tracking, carrier=carrier)
        code, message, unchanged = self._check_update(order_id, status, documents)
        record.update(result="error" if code else "ok", error=code, message=message)
        if code or unchanged:
            return order_id, code, message, unchanged
        order = self.orders[int(order_id)]
        target = ERP_STATUS_NAMES[status.lower()]
        docs = list(order["documents"])
        docs += [d for d in documents if d not in docs]
        fields = {"documents": docs}
        if tracking:
            fields.update(tracking=tracking, carrier=carrier or order["carrier"])
        self._change(order, state=target, **fields)
        record["state"] = target
        return order_id, None, None, False

    def _check_update(self, order_id, status, documents):
        if not order_id:
            return "missing_field", "<OrderId> is missing or empty", False
        if not order_id.isdigit() or int(order_id) not in self.orders:
            return "unknown_order", f"order {order_id!r} does not exist", False
        if not status:
            return "missing_field", f"order {order_id}: <Status> is missing", False
        target = ERP_STATUS_NAMES.get(status.lower())
        if target is None:
            return (
                "unknown_status",
                f"order {order_id}: unknown status {status!r}; expected one of "
                "Potwierdzone (Confirmed), Zrealizowane (Fulfilled), "
                "Anulowane (Cancelled)",
                False,
            )
        for kind, number in documents:
            if not kind or not number:
                return (
                    "invalid_document",
                    f"order {order_id}: <Document> needs a Type attribute and a number",
                    False,
                )
        order = self.orders[int(order_id)]
        current = order["state"]
        if current == target:
            return None, None, True
        allowed = ERP_TRANSITIONS[target]
        if current not in allowed:
            why = ""
            if current in NOT_IMPORTABLE:
                why = f" and is not importable ({NOT_IMPORTABLE[current]})"
            return (
                "illegal_transition",
                f"order {order_id} is '{STATES[current]}' ({current}){why}; "
                f"it cannot become '{STATES[target]}' ({target}): allowed only from "
                + ", ".join(allowed),
                False,
            )
        return None, None, False

    # ---- control ---------------------------------------------------------------------
    @route("POST", "/_sim/orders/new", api=False)
    def sim_new_order(self, req):
        body = req.json()
        rng = self.rng
        delivery = body.get("delivery") or "DPD"
        payment = body.get("payment") or "TRANSFER"
        if payment not in MATRIX.get(delivery, ()):
            return json_response(
                {
                    "error": f"{delivery}/{payment} is not in the delivery/payment "
                    "matrix"
                },
                400,
            )
        catalogue = {item["sku"] for item in data.catalogue()}
        lines = body.get("lines") or [
            {"sku": i["sku"], "qty": i["qty"]} for i in data.order_lines(rng)
        ]
        unknown = [
            line.get("sku") for line in lines if line.get("sku") not in catalogue
        ]
        if unknown:
            return json_response({"error": f"unknown SKU(s) {unknown}"}, 400)
        voucher = body.get("voucher")
        if voucher and voucher not in {v[0] for v in VOUCHERS}:
            return json_response({"error": f"unknown voucher {voucher!r}"}, 400)
        order = self._create_order(
            self.now(),
            data.buyer(rng),
            lines,
            delivery,
            payment,
            voucher,
            None,
            body.get("comment", ""),
        )
        if body.get("customer_confirmed"):
            self.customer_confirm(order)
        return json_response(self._order_state(order), 201)

    @route("POST", "/_sim/orders/{order_id}/customer_confirm", api=False)
    def sim_customer_confirm(self, req):
        order = self._sim_order(req)
        if order is None:
            return json_response({"error": "unknown order"}, 404)
        problem = self.customer_confirm(order)
        if problem:
            return json_response({"error": problem}, 409)
        return json_response(self._order_state(order))

    @route("POST", "/_sim/orders/{order_id}/event", api=False)
    def sim_event(self, req):
        order = self._sim_order(req)
        if order is None:
            return json_response({"error": "unknown order"}, 404)
        body = req.json()
        problem = self.customer_event(order, body.get("event"), body.get("amount"))
        if problem:
            return json_response({"error": problem}, 409)
        return json_response(self._order_state(order))

    def _sim_order(self, req):
        raw = req.params["order_id"]
        return self.orders.get(int(raw)) if raw.isdigit() else None

    def customer_event(self, order, event, amount=None):
        state = order["state"]
        expected = {
            "payment_received": "awaiting_payment",
            "payment_failed": "awaiting_payment",
            "instalment_approved": "awaiting_instalment",
            "instalment_rejected": "awaiting_instalment",
            "shipping_cost_approved": "awaiting_shipping_cost",
        }
        if event == "cancel":
            if state in ("fulfilled", "cancelled"):
                return f"order {order['id']} is {state} and cannot be cancelled"
            self._change(order, state="cancelled")
            return None
        if event not in expected:
            return f"unknown event {event!r}"
        if state != expected[event]:
            return f"order {order['id']} is {state}, not {expected[event]}"
        if event == "payment_received":
            self._change(order, state="awaiting_shop", payment_status="paid")
        elif event == "payment_failed":
            self._change(order, payment_status="failed")
        elif event == "instalment_approved":
            self._change(order, state="awaiting_shop")
        elif event == "instalment_rejected":
            self._change(order, state="cancelled", payment_status="rejected")
        else:
            fee = money(amount if amount is not None else "149.00")
            self._change(
                order,
                state=self._after_customer_step(order, "shipping_cost"),
                delivery_fee=fee,
            )
        return None

    # ---- inspection ------------------------------------------------------------------
    def _order_state(self, order):
        totals = self.totals(order)
        return {
            "id": order["id"],
            "number": order["number"],
            "state": order["state"],
            "state_label": STATES[order["state"]],
            "importable": order["state"] not in NOT_IMPORTABLE,
            "released": order["released"],
            "version": order["version"],
            "placed_at": order["placed_at"],
            "modified_at": order["modified_at"],
            "delivery": order["delivery"],
            "payment": order["payment"],
            "payment_status": order["payment_status"],
            "voucher": order["voucher"],
            "total": str(totals["total"]),
            "lines": [
                {"sku": line["sku"], "qty": line["qty"], "price": str(line["price"])}
                for line in order["lines"]
            ],
            "documents": [list(d) for d in order["documents"]],
            "tracking": order["tracking"],
        }

    def inspect(self):
        return {
            "orders": {
                str(oid): self._order_state(o) for oid, o in self.orders.items()
            },
            "cursor": self.seq,
            "status_updates": copy.deepcopy(self.status_updates),
            "errors": list(self.errors),
            "exports": copy.deepcopy(self.exports),
            "calls": list(self.calls),
        }
