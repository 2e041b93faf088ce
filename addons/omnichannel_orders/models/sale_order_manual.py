"""sale.order: manual orders: the payment proof, the confirmation check and the
confirmation e-mail."""

from odoo import api, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------ manual orders
    def _omni_missing_payment_proof(self):
        """The manual orders of channels that require a payment proof and have none."""
        return self.filtered(
            lambda o: o.channel_id.channel_type == "manual"
            and o.channel_id.require_payment_proof
            and not o.payment_proof_attachment_id
        )

    def _confirmation_error_message(self):
        message = super()._confirmation_error_message()
        if not message and self._omni_missing_payment_proof():
            message = self.env._(
                "%(order)s cannot be confirmed without a payment proof: channel "
                "%(channel)s requires one. Upload it on the order first.",
                order=self.name,
                channel=self.channel_id.display_name,
            )
        return message

    def _action_confirm(self):
        res = super()._action_confirm()
        if not self.env.context.get("send_email"):
            self.filtered(
                lambda o: o.channel_id.channel_type == "manual"
            )._omni_send_manual_confirmation()
        return res

    def _get_confirmation_template(self):
        if self.channel_id.channel_type == "manual":
            template = self.env.ref(
                "omnichannel_orders.mail_template_manual_order_confirmation",
                raise_if_not_found=False,
            )
            if template:
                return template
        return super()._get_confirmation_template()

    def _omni_send_manual_confirmation(self):
        """E-mail the customer the details of their confirmed manual order."""
        for order in self:
            if not order.partner_id.email:
                order._message_log(
                    body=self.env._(
                        "No order confirmation was e-mailed: %(customer)s has no "
                        "e-mail address.",
                        customer=order.partner_id.display_name,
                    )
                )
                continue
            order._send_order_notification_mail(order._get_confirmation_template())

    @api.depends("payment_proof_attachment_id")
    def _compute_payment_proof(self):
        for order in self:
            order.payment_proof = order.payment_proof_attachment_id.datas or False

    @api.depends("payment_proof_attachment_id")
    def _compute_payment_proof_filename(self):
        for order in self:
            order.payment_proof_filename = (
                order.payment_proof_attachment_id.name or False
            )

    def _inverse_payment_proof(self):
        """An upload becomes a new attachment (the file name is written with it)."""
        for order in self:
            attachment = order.payment_proof_attachment_id
            if not order.payment_proof:
                order.payment_proof_attachment_id = False
            elif not attachment or attachment.datas != order.payment_proof:
                order._omni_attach_payment_proof(
                    order.payment_proof, order.payment_proof_filename
                )

    def _inverse_payment_proof_filename(self):
        for order in self:
            attachment = order.payment_proof_attachment_id
            if (
                attachment
                and order.payment_proof_filename
                and attachment.datas == order.payment_proof
            ):
                attachment.name = order.payment_proof_filename

    def _omni_attach_payment_proof(self, datas, filename):
        """Store a payment proof (base64 ``datas``) as an attachment of the order:
        it shows among the order's attachments, with the other documents."""
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename or self.env._("Payment proof"),
                "datas": datas,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.payment_proof_attachment_id = attachment
        self._message_log(
            body=self.env._("Payment proof attached: %(name)s", name=attachment.name),
            attachment_ids=attachment.ids,
        )
        return attachment
