"""Shopee shipping labels: the shipping document of an order's packages, created,
polled until ready and downloaded as a PDF.

:class:`ShopeeLabels` is a mixin of :class:`~.shopee.ShopeeAdapter`.
"""

import time

from .base import AdapterError, TokenExpired

DEFAULT_DOCUMENT_TYPE = "THERMAL_AIR_WAYBILL"
DOCUMENT_POLLS = 12
DOCUMENT_POLL_DELAY = 0.5


class ShopeeLabels:
    """Shipping documents of Shopee orders (mixin of the adapter)."""

    def get_label(self, order):
        order_sn = self._order_sn(order)
        entries = self._label_entries(order_sn, order)
        doc_type = self._document_type(entries)
        for entry in entries:
            entry["shipping_document_type"] = doc_type
        keys = [
            {
                k: e[k]
                for k in ("order_sn", "package_number", "shipping_document_type")
                if k in e
            }
            for e in entries
        ]
        # a retry after "still processing" finds the document made by the first call
        if self._document_statuses(keys, check=False) != {"READY"}:
            self._create_document(order_sn, entries, keys)
        return self._download_document(order_sn, doc_type, entries)

    def _label_entries(self, order_sn, order):
        """One ``{"order_sn", "tracking_number", "package_number"?}`` per package
        (retryable until each has its tracking number)."""
        entries = []
        for package_number in self._package_numbers(order):
            tracking = self.get_tracking_number(order_sn, package_number)
            if not tracking:
                raise AdapterError(
                    f"Shopee {order_sn}: no tracking number yet, no label",
                    retryable=True,
                    retry_after=60,
                )
            entry = {"order_sn": order_sn, "tracking_number": tracking}
            if package_number:
                entry["package_number"] = package_number
            entries.append(entry)
        return entries

    def _create_document(self, order_sn, entries, keys):
        """Create the shipping document and poll until it is ready."""
        created = self.call(
            "POST",
            "/api/v2/logistics/create_shipping_document",
            body={"order_list": entries},
        )
        self._document_failures(order_sn, created)
        for attempt in range(DOCUMENT_POLLS):
            statuses = self._document_statuses(keys)
            if statuses == {"READY"}:
                return
            if "FAILED" in statuses:
                raise AdapterError(f"Shopee {order_sn}: shipping document FAILED")
            if attempt + 1 < DOCUMENT_POLLS:
                time.sleep(DOCUMENT_POLL_DELAY)
        raise AdapterError(
            f"Shopee {order_sn}: shipping document still processing",
            retryable=True,
            retry_after=5,
        )

    def _download_document(self, order_sn, doc_type, entries):
        """The PDF of the ready shipping document."""
        path = "/api/v2/logistics/download_shipping_document"
        resp = self._request(
            "POST",
            path,
            body={
                "shipping_document_type": doc_type,
                "order_list": [
                    {k: e[k] for k in ("order_sn", "package_number") if k in e}
                    for e in entries
                ],
            },
        )
        self._check_http(path, resp)
        content_type = resp.headers.get("Content-Type") or ""
        if "json" in content_type or not resp.content.startswith(b"%PDF"):
            self._decode(path, resp)  # raises the envelope's error if any
            raise AdapterError(f"Shopee {order_sn}: the shipping document is not a PDF")
        return resp.content

    def _document_type(self, entries):
        try:
            response = self.call(
                "POST",
                "/api/v2/logistics/get_shipping_document_parameter",
                body={
                    "order_list": [
                        {k: e[k] for k in ("order_sn", "package_number") if k in e}
                        for e in entries
                    ]
                },
            )
        except TokenExpired:
            raise
        except AdapterError as exc:
            if exc.retryable:
                raise
            return DEFAULT_DOCUMENT_TYPE
        for result in response.get("result_list") or []:
            if result.get("suggest_shipping_document_type"):
                return result["suggest_shipping_document_type"]
        return DEFAULT_DOCUMENT_TYPE

    def _document_statuses(self, keys, check=True):
        """Set of the documents' statuses; with ``check=False`` an error (e.g. not
        created yet) gives an empty set."""
        try:
            result = self.call(
                "POST",
                "/api/v2/logistics/get_shipping_document_result",
                body={"order_list": keys},
            )
        except TokenExpired:
            raise
        except AdapterError as exc:
            if check or exc.retryable:
                raise
            return set()
        rows = result.get("result_list") or []
        if check:
            self._document_failures(keys[0]["order_sn"], result)
        elif any(r.get("fail_error") for r in rows):
            return set()
        return {r.get("status") for r in rows}

    @staticmethod
    def _document_failures(order_sn, response):
        failed = [r for r in response.get("result_list") or [] if r.get("fail_error")]
        if failed:
            raise AdapterError(
                f"Shopee {order_sn}: shipping document: "
                + "; ".join(
                    f"{r['fail_error']}: {r.get('fail_message') or ''}" for r in failed
                ),
                payload=response,
            )
