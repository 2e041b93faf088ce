from odoo import Command, models


class MailFollowers(models.Model):
    _inherit = "mail.followers"

    def _omni_insert_default_followers(self, res_model, partners_by_doc):
        """Subscribe each document of ``res_model`` to its own partners
        (``{res_id: partner ids}``) with the default subtypes, in one insert: what
        ``message_subscribe`` does document by document (inactive partners
        skipped, existing followers kept as they are, customers with the external
        default subtypes)."""
        partner_ids = (
            set().union(*partners_by_doc.values()) if partners_by_doc else set()
        )
        if not partner_ids:
            return self.browse()
        partners = (
            self.env["res.partner"]
            .sudo()
            .search_fetch(
                [("id", "in", list(partner_ids)), ("active", "=", True)],
                ["partner_share"],
            )
        )
        if not partners:
            return self.browse()
        active = set(partners.ids)
        customers = set(partners.filtered("partner_share").ids)
        default, _internal, external = self.env[
            "mail.message.subtype"
        ].default_subtypes(res_model)
        existing = {
            (res_id, partner_id)
            for _fid, res_id, partner_id, _sids in self._get_subscription_data(
                [(res_model, list(partners_by_doc))], partners.ids
            )
        }
        vals_list = [
            {
                "res_model": res_model,
                "res_id": res_id,
                "partner_id": partner_id,
                "subtype_ids": [
                    Command.set(
                        external.ids if partner_id in customers else default.ids
                    )
                ],
            }
            for res_id, doc_partners in partners_by_doc.items()
            for partner_id in sorted(doc_partners & active)
            if (res_id, partner_id) not in existing
        ]
        return self.sudo().with_context(default_partner_id=False).create(vals_list)
