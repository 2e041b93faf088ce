"""dropship.po.transmission: the sending itself, the PDF by e-mail or the
document over HTTP, and the reading of the distributor's acknowledgement."""

import requests

from odoo import fields, models

from .dropship_po_transmission import RETRY_SECONDS, TransientTransmissionError

MAX_STORED_BODY = 200000


class DropshipPoTransmission(models.Model):
    _inherit = "dropship.po.transmission"

    def _send(self):
        self.ensure_one()
        if self.po_format == "pdf":
            return self._send_mail()
        return self._send_http()

    def _mail_recipient(self):
        distributor = self.distributor_id
        if self.kind == "account_manager":
            return distributor.account_manager_email
        return (
            distributor.order_email
            or distributor.account_manager_email
            or distributor.partner_id.email
        )

    def _send_mail(self):
        recipient = self._mail_recipient()
        if not recipient:
            return self._reject(
                self.env._("No e-mail address to send the PDF purchase order to.")
            )
        template = self.env.ref("supplier_dropship.mail_template_dropship_po")
        order = self.purchase_order_id
        mail_id = template.send_mail(
            order.id,
            force_send=False,
            email_values={"email_to": recipient, "recipient_ids": []},
        )
        self.write(
            {
                "state": "sent",
                "mail_id": mail_id,
                "endpoint": recipient,
                "sent_at": fields.Datetime.now(),
                "attempt_count": self.attempt_count + 1,
                "request_body": self.env._(
                    "PDF purchase order %(order)s e-mailed to %(to)s",
                    order=order.name,
                    to=recipient,
                ),
            }
        )
        return True

    def _send_http(self):
        distributor = self.distributor_id
        order = self.purchase_order_id
        if not distributor.endpoint_url:
            return self._reject(self.env._("The distributor has no PO endpoint."))
        response = self._post_document(distributor, order)
        text = response.content.decode("utf-8", "replace")[:MAX_STORED_BODY]
        self.write({"response_status": response.status_code, "response_body": text})
        if response.status_code == 429 or response.status_code >= 500:
            retry = response.headers.get("Retry-After", "")
            raise TransientTransmissionError(
                self.env._(
                    "%(order)s not transmitted: HTTP %(status)s %(text)s",
                    order=order.name,
                    status=response.status_code,
                    text=text[:500],
                ),
                retry_after=int(retry) if retry.isdigit() else RETRY_SECONDS,
            )
        if response.status_code != 200:
            return self._reject(
                self.env._(
                    "The distributor refused the document (HTTP %(status)s): %(text)s",
                    status=response.status_code,
                    text=text[:2000],
                )
            )
        return self._apply_ack(response)

    def _post_document(self, distributor, order):
        """POST the document of ``order`` to ``distributor``'s endpoint (the
        request is recorded first); the response. A network error is
        transient."""
        body, content_type = self.env["dropship.po.document"]._build(order, distributor)
        headers, auth = distributor._http_auth()
        headers["Content-Type"] = content_type
        if distributor.po_format == "cxml":
            auth = None  # cXML carries its credentials in the document
            headers.pop("X-Api-Key", None)
        self.write(
            {
                "request_body": body.decode("utf-8"),
                "endpoint": distributor.endpoint_url,
                "attempt_count": self.attempt_count + 1,
            }
        )
        try:
            return requests.post(
                distributor.endpoint_url,
                data=body,
                headers=headers,
                auth=auth,
                timeout=distributor.timeout,
            )
        except requests.RequestException as exc:
            raise TransientTransmissionError(
                self.env._(
                    "%(order)s not transmitted: %(error)s", order=order.name, error=exc
                )
            ) from exc

    def _apply_ack(self, response):
        """Record the distributor's acknowledgement (``response``, HTTP 200):
        acknowledged or sent, or rejected when it refused every line."""
        distributor = self.distributor_id
        ack = self.env["dropship.po.document"]._parse_ack(
            distributor.po_format, response.content, response.headers
        )
        vals = {
            "sent_at": fields.Datetime.now(),
            "distributor_order_ref": ack["reference"],
            "ack_status": ack["status"]
            if ack["status"] in ("accepted", "partial", "rejected")
            else False,
            "message": ack["message"],
        }
        if ack["status"] == "rejected":
            self.write(vals)
            return self._reject(
                self.env._("The distributor rejected every line: %s", ack["message"]),
                keep_ack=True,
            )
        vals["state"] = "acknowledged" if ack["status"] else "sent"
        self.write(vals)
        self.purchase_order_id.message_post(
            body=self.env._(
                "Purchase order transmitted to %(dist)s (%(format)s): %(status)s. "
                "%(message)s",
                dist=distributor.name,
                format=self.po_format,
                status=ack["status"] or self.env._("sent"),
                message=ack["message"],
            )
        )
        return True
