"""E-shop <-> ERP XML order exchange (Comarch e-Sklep style).

The ERP (Odoo) is the master: it pulls orders from the shop's export and pushes the
order statuses back. Protocol (see ``simulators/eshop.py``, the only spec we have):

- header ``X-Api-Key: <api_key>``; every answer is UTF-8 XML;
- ``GET /api/orders/export?since=<cursor>&limit=N`` ->
  ``<OrderExport NextCursor=.. HasMore=..><Order Id=.. Version=.. Importable=..>``;
  the cursor is the shop's change sequence number (``Version``);
- ``GET /api/orders/{id}``, ``POST /api/orders/{id}/confirm_for_customer``;
- ``POST /api/orders/status`` ``<StatusUpdates><StatusUpdate>`` ->
  ``<StatusUpdateResults><Result OrderId=.. Success=..>`` (one result per order).

Conventions of this adapter:

- ``external_id`` is the shop's order ``Id`` (what the API takes); the human order
  number (``ZAM/1001/2025``) is ``order_number``.
- Paging: the export is cursor based. When the connection carries ``cursor`` the
  export resumes there, otherwise it starts at the beginning (``since`` is not used
  as a time filter: the shop releases an order to the export a while after it was
  placed without moving its ``ModifiedAt``, so a time watermark would lose orders).
  After paging, ``self.next_cursor`` holds the cursor to store for the next run; it
  moves page by page, only once the caller has asked for the next page.
- Orders the shop does not allow to import yet (awaiting the customer's confirmation,
  online payment, instalment decision or shipping cost) are listed and parsed with
  ``"importable": False`` and ``"not_importable_reason"``; the caller must not import
  them. They come back with a new version once they move on.
- Within one ``list_orders`` run a repeated or stale (lower ``Version``) copy of an
  order already served is dropped.
- Raw payloads are the ``<Order>`` elements as XML text.
- ``updated_at`` is ``ModifiedAt`` (whole seconds) with the order's ``Version`` (the
  shop's change sequence) in the microseconds, so that of two changes within one
  second the later one wins.
- Money (see the ``amounts`` contract in ``base``): prices are gross (VAT included,
  ``prices_include_tax``), each line with its product's ``TaxRate`` (``tax_rate``).
  Cost lines: ``delivery`` -> ``shipping``, ``voucher`` -> ``seller_discount`` (the
  shop's own voucher, a positive number; ``platform_discount`` is 0), any other
  (payment/COD fee) -> ``fees``; ``tax`` is 0 (nothing is added on top):
  ``total = items + shipping + fees - seller_discount``. The VAT the prices contain
  (``TotalTax``) is ``amounts["tax_included"]``.
- The shop rounds the VAT of each line (items; delivery and payment fees at the
  standard rate; the voucher split over the VAT rates in proportion to their gross
  value, highest rate first, the lowest taking the rest). Odoo's ``amount_tax``
  equals ``TotalTax`` when the company rounds per line (``Round per Line``, Odoo's
  default), the shop's rates exist as sale taxes (created highest rate first, so
  that the voucher's discount lines take the rest on the same rate) and the
  products of the delivery and payment fees carry the standard rate.
"""

import xml.etree.ElementTree as ET

from .base import AdapterError, ChannelAdapter, ParseError, register
from .eshop_orders import EshopOrderParser, _bool, _parse_xml, _text
from .tools import iso_datetime as _datetime
from .tools import with_version as _with_version

STATUS_NAMES = {
    "potwierdzone": "Potwierdzone",
    "confirmed": "Potwierdzone",
    "confirm": "Potwierdzone",
    "zrealizowane": "Zrealizowane",
    "fulfilled": "Zrealizowane",
    "fulfil": "Zrealizowane",
    "done": "Zrealizowane",
    "anulowane": "Anulowane",
    "cancelled": "Anulowane",
    "canceled": "Anulowane",
    "cancel": "Anulowane",
}
#: keyword of update_status() -> ERP document type sent with the status
DOCUMENT_KEYWORDS = {
    "reservation_number": "RO",
    "invoice_number": "FS",
    "delivery_number": "WZ",
}
#: shop states in which the order needs no Potwierdzone any more
ALREADY_CONFIRMED = ("confirmed", "fulfilled")
MAX_PAGES = 10000


@register
class EshopXmlAdapter(EshopOrderParser, ChannelAdapter):
    platform = "eshop_xml"
    list_returns_details = True
    #: the states the shop does not let the ERP import yet (``Importable="false"``)
    hold_statuses = frozenset(
        (
            "awaiting_customer",
            "awaiting_shipping_cost",
            "awaiting_payment",
            "awaiting_instalment",
        )
    )
    cancelled_statuses = frozenset(("cancelled",))
    shipped_statuses = frozenset(("fulfilled",))
    #: the shop's state codes (``<State Code=..>``), with the shop's own name
    status_labels = {
        "awaiting_customer": "Awaiting the Customer's Confirmation",
        "awaiting_shipping_cost": "Awaiting Shipping Cost Approval",
        "awaiting_payment": "Awaiting Online Payment",
        "awaiting_instalment": "Awaiting Instalment Approval",
        "awaiting_shop": "Awaiting the Shop's Confirmation",
        "confirmed": "Confirmed (Potwierdzone)",
        "fulfilled": "Fulfilled (Zrealizowane)",
        "cancelled": "Cancelled (Anulowane)",
    }

    def __init__(self, connection, session=None):
        super().__init__(connection, session=session)
        self.base_url = (self.connection.get("base_url") or "").rstrip("/")
        self.api_key = (
            self.connection.get("api_key")
            or self.connection.get("app_key")
            or self.connection.get("access_token")
            or ""
        )
        self.page_limit = min(max(int(self.connection.get("page_limit") or 50), 1), 500)
        cursor = self.connection.get("cursor")
        self.cursor = int(cursor) if cursor not in (None, "", False) else None
        self.next_cursor = self.cursor

    # ---- HTTP ------------------------------------------------------------------------
    def _request(self, method, path, params=None, data=None, what=None):
        what = what or f"{method} {path}"
        if not self.base_url:
            raise AdapterError("The e-shop connection has no base URL.")
        if not self.api_key:
            raise AdapterError("The e-shop connection has no API key (X-Api-Key).")
        headers = {"X-Api-Key": self.api_key, "Accept": "application/xml"}
        if data is not None:
            headers["Content-Type"] = "application/xml; charset=utf-8"
        response = self._send(
            method,
            self.base_url + path,
            what,
            "e-shop",
            params=params,
            data=data,
            headers=headers,
        )
        if response.status_code >= 400:
            raise self._http_error(response, what)
        try:
            return _parse_xml(response.content)
        except (ValueError, ET.ParseError) as exc:
            raise AdapterError(
                f"e-shop: {what} answered with a body that is not XML: {exc}",
                retryable=True,
                payload=response.text[:2000],
            ) from exc

    def _http_error(self, response, what):
        status = response.status_code
        code = message = retry = ""
        try:
            root = _parse_xml(response.content)
            code = _text(root, "Code")
            message = _text(root, "Message")
            retry = _text(root, "RetryAfter")
        except (ValueError, ET.ParseError):
            message = response.text[:300]
        retry = response.headers.get("Retry-After") or retry
        try:
            retry_after = float(retry) if retry else None
        except ValueError:
            retry_after = None
        detail = f"{message} ({code})" if code else message or response.reason or ""
        if status in (401, 403):
            return AdapterError(
                f"e-shop rejected the API key (wrong X-Api-Key): {detail}",
                payload=response.text[:2000],
            )
        if status == 429 or status >= 500:
            return AdapterError(
                f"e-shop: {what} answered HTTP {status}, retry later: {detail}",
                retryable=True,
                retry_after=retry_after,
                payload=response.text[:2000],
            )
        return AdapterError(
            f"e-shop: {what} answered HTTP {status}: {detail}",
            payload=response.text[:2000],
        )

    # ---- orders ----------------------------------------------------------------------
    def list_orders(self, since=None, until=None):
        """Pages of ``<Order>`` XML texts from the export, from ``cursor`` on.

        ``since``/``until`` are not used as time filters (see the module doc); an
        integer ``since`` is taken as a cursor when the connection has none."""
        cursor = self.cursor
        if cursor is None and isinstance(since, int) and not isinstance(since, bool):
            cursor = since
        cursor = cursor or 0
        seen = {}
        for _page in range(MAX_PAGES):
            root = self._request(
                "GET",
                "/api/orders/export",
                params={"since": cursor, "limit": self.page_limit},
                what="order export",
            )
            if root.tag != "OrderExport":
                raise AdapterError(
                    f"e-shop: the order export answered <{root.tag}>, "
                    "expected <OrderExport>",
                    payload=ET.tostring(root, encoding="unicode")[:2000],
                )
            try:
                next_cursor = int(root.get("NextCursor", cursor))
            except ValueError as exc:
                raise AdapterError(
                    f"e-shop: unreadable NextCursor {root.get('NextCursor')!r}"
                ) from exc
            has_more = _bool(root.get("HasMore"))
            page = []
            for elem in root.findall("Order"):
                order_id = elem.get("Id")
                try:
                    version = int(elem.get("Version") or 0)
                except ValueError:
                    version = 0
                if order_id in seen and version <= seen[order_id]:
                    continue  # a repeated or stale copy
                if elem.get("Malformed") is None and order_id:
                    seen[order_id] = version
                page.append(ET.tostring(elem, encoding="unicode"))
            if page:
                yield page
            self.next_cursor = max(next_cursor, cursor)
            if not has_more:
                return
            if next_cursor <= cursor and not page:
                raise AdapterError(
                    f"e-shop: the export says HasMore but its cursor stays at {cursor}"
                )
            cursor = max(next_cursor, cursor)
        raise AdapterError(f"e-shop: the export did not end after {MAX_PAGES} pages")

    def external_id_of(self, raw):
        try:
            order_id = _parse_xml(raw).get("Id")
        except (ValueError, ET.ParseError, TypeError) as exc:
            raise ParseError(f"e-shop: unreadable order: {exc}", payload=raw) from exc
        if not order_id:
            raise ParseError("e-shop: an order without an Id", payload=raw)
        return order_id

    def updated_at_of(self, raw):
        """The order's ``ModifiedAt`` (naive UTC) without a full parse."""
        try:
            elem = _parse_xml(raw)
            return _with_version(
                _datetime(_text(elem, "ModifiedAt"), "ModifiedAt"),
                int(elem.get("Version") or 0),
            )
        except (ValueError, ET.ParseError, TypeError) as exc:
            raise ParseError(f"e-shop: unreadable order: {exc}", payload=raw) from exc

    def get_orders(self, external_ids):
        orders = []
        for external_id in external_ids:
            root = self._request(
                "GET", f"/api/orders/{external_id}", what=f"reading order {external_id}"
            )
            orders.append(ET.tostring(root, encoding="unicode"))
        return orders

    # ---- status ----------------------------------------------------------------------
    @staticmethod
    def _order_id(order):
        if isinstance(order, dict):
            order_id = order.get("external_id")
            if not order_id and order.get("raw"):
                try:
                    order_id = _parse_xml(order["raw"]).get("Id")
                except (ValueError, ET.ParseError, TypeError):
                    order_id = None
        else:
            order_id = order
        if not order_id:
            raise AdapterError("e-shop: the order has no shop Id")
        return str(order_id)

    @staticmethod
    def _status_name(status):
        name = STATUS_NAMES.get(str(status or "").strip().lower())
        if not name:
            raise AdapterError(
                f"e-shop: cannot send status {status!r}; use Confirmed (Potwierdzone), "
                "Fulfilled (Zrealizowane) or Cancelled (Anulowane)"
            )
        return name

    @staticmethod
    def _documents(values):
        documents = []
        docs = values.get("documents") or []
        if isinstance(docs, dict):
            docs = list(docs.items())
        for doc in docs:
            if isinstance(doc, dict):
                documents.append((doc.get("type"), doc.get("number")))
            else:
                documents.append(tuple(doc))
        for key, kind in DOCUMENT_KEYWORDS.items():
            numbers = values.get(key) or []
            if isinstance(numbers, str):
                # "WZ/1, WZ/2": one document per number
                numbers = numbers.split(",")
            elif not isinstance(numbers, list | tuple):
                numbers = [numbers]
            documents += [(kind, str(n).strip()) for n in numbers if str(n).strip()]
        return [(str(k), str(n)) for k, n in documents if k and n]

    def update_statuses(self, updates):
        """Send several status updates in one call. ``updates``: list of
        ``(order, status, values)``. Returns one dict per update, in order:
        ``{"external_id", "status", "success", "unchanged", "state", "version",
        "error_code", "message"}``; a rejected update does not raise."""
        root = ET.Element("StatusUpdates")
        sent = [
            self._status_update_element(root, order, status, values or {})
            for order, status, values in updates
        ]
        if not sent:
            return []
        body = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
        answer = self._request(
            "POST", "/api/orders/status", data=body, what="status update"
        )
        if answer.tag != "StatusUpdateResults":
            raise AdapterError(
                f"e-shop: the status update answered <{answer.tag}>, "
                "expected <StatusUpdateResults>",
                payload=ET.tostring(answer, encoding="unicode")[:2000],
            )
        results = {}
        for res in answer.findall("Result"):
            results.setdefault(res.get("OrderId") or "", []).append(res)
        out = []
        for order_id, name in sent:
            pending = results.get(order_id)
            out.append(
                self._status_result(order_id, name, pending.pop(0) if pending else None)
            )
        return out

    def _status_update_element(self, root, order, status, values):
        """Add the ``<StatusUpdate>`` of one update to ``root``: (order id, the
        shop's status name)."""
        order_id = self._order_id(order)
        name = self._status_name(status)
        update = ET.SubElement(root, "StatusUpdate")
        ET.SubElement(update, "OrderId").text = order_id
        ET.SubElement(update, "Status").text = name
        for kind, number in self._documents(values):
            ET.SubElement(update, "Document", Type=kind).text = number
        tracking = values.get("tracking_ref") or values.get("tracking_number")
        if tracking:
            ET.SubElement(update, "TrackingNumber").text = str(tracking)
        carrier = values.get("carrier") or values.get("courier")
        if carrier:
            ET.SubElement(update, "Carrier").text = str(carrier)
        return order_id, name

    @staticmethod
    def _status_result(order_id, name, res):
        """The result dict of one update from its ``<Result>`` (None: the shop
        gave none)."""
        if res is None:
            return {
                "external_id": order_id,
                "status": name,
                "success": False,
                "unchanged": False,
                "state": "",
                "version": None,
                "error_code": "no_result",
                "message": f"the shop gave no result for order {order_id}",
            }
        error = res.find("Error")
        version = _text(res, "Version")
        return {
            "external_id": order_id,
            "status": name,
            "success": _bool(res.get("Success")),
            "unchanged": _bool(res.get("Unchanged")),
            "state": res.find("State").get("Code", "")
            if res.find("State") is not None
            else "",
            "version": int(version) if version.isdigit() else None,
            "error_code": error.get("Code", "") if error is not None else "",
            "message": (error.text or "").strip() if error is not None else "",
        }

    def update_status(self, order, status, **values):
        """Push ``status`` (Confirmed/Potwierdzone, Fulfilled/Zrealizowane,
        Cancelled/Anulowane) with optional ``documents`` ([(type, number)] or
        {type: number}), ``invoice_number`` (FS), ``delivery_number`` (WZ),
        ``reservation_number`` (RO) (each a number, a list or comma-separated
        numbers), ``tracking_ref`` and ``carrier``. Returns the
        shop's result dict (see :meth:`update_statuses`); a rejection raises
        :class:`AdapterError` with the shop's message."""
        result = self.update_statuses([(order, status, values)])[0]
        if not result["success"]:
            raise AdapterError(
                f"e-shop refused status {result['status']} for order "
                f"{result['external_id']}: {result['message']} "
                f"({result['error_code']})",
                payload=result,
            )
        return result

    def accept_order(self, order):
        """Odoo confirmed the order (Comarch: the order leaves the buffer):
        ``Potwierdzone``. Nothing is sent when the shop already has the order
        confirmed or fulfilled."""
        if isinstance(order, dict) and order.get("status") in ALREADY_CONFIRMED:
            return {
                "external_id": self._order_id(order),
                "success": True,
                "unchanged": True,
                "state": order["status"],
            }
        return self.update_status(order, "Confirmed")

    def ship_order(self, order, method="dropoff", tracking_ref=None, pickup=None):
        """The shop has no shipping step: nothing is sent now. The tracking number
        goes to the shop with ``Zrealizowane`` once the order is delivered and
        invoiced (the engine's fulfilled push: :meth:`update_status` with the
        invoice (FS) and delivery (WZ) numbers)."""
        order = order if isinstance(order, dict) else {}
        return {
            "tracking_ref": tracking_ref or order.get("tracking_ref") or "",
            "courier": order.get("courier") or "",
            "package_id": None,
        }

    def cancel_order(self, order, reason=None):
        return self.update_status(order, "Cancelled")

    def confirm_for_customer(self, order):
        """The shop confirms the order on the customer's behalf (admin panel:
        Więcej -> potwierdź za klienta). Returns the order, normalised."""
        order_id = self._order_id(order)
        root = self._request(
            "POST",
            f"/api/orders/{order_id}/confirm_for_customer",
            what=f"confirming order {order_id} for the customer",
        )
        return self.parse_order(ET.tostring(root, encoding="unicode"))
