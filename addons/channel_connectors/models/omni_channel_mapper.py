"""omni.channel: the ``_prepare_*`` value builders and partner matching."""

from odoo import Command, fields, models

from .omni_channel import _dumps


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    # ---- values ------------------------------------------------------------------
    def _prepare_binding_vals(self, order, normalised):
        return {
            "channel_id": self.id,
            "order_id": order.id,
            "external_id": normalised["external_id"],
            "external_updated_at": normalised["updated_at"],
            "raw_payload": _dumps(normalised.get("raw")),
            "sync_date": fields.Datetime.now(),
        }

    def _prepare_order_vals(self, normalised, cache=None):
        """Values of a new sale.order (extension point)."""
        cache = cache or self._import_cache([normalised])
        partner = cache["partners"][id(normalised.get("customer") or {})]
        shipping = cache["shipping"][id(normalised)]
        warehouse = (
            cache["branch_map"].get(normalised.get("branch_key") or "")
            or self.warehouse_id
        )
        lines = [
            line for line in normalised["lines"] if not line.get("cancelled")
        ] or normalised["lines"]
        cache["order_prices_include_tax"] = normalised.get(
            "prices_include_tax", self.price_tax_mode == "included"
        )
        line_vals = [self._prepare_order_line_vals(line, cache) for line in lines]
        money_vals = self._prepare_money_line_vals(normalised, line_vals, cache)
        vals = {
            "partner_id": partner.id,
            "partner_invoice_id": partner.id,
            "partner_shipping_id": shipping.id,
            "company_id": self.company_id.id,
            "channel_id": self.id,
            "channel_order_ref": normalised["external_id"],
            "client_order_ref": normalised["external_id"],
            "channel_status": normalised.get("status"),
            "channel_updated_at": normalised["updated_at"],
            "date_order": normalised.get("created_at") or fields.Datetime.now(),
            "channel_payment_method": normalised.get("payment_method") or False,
            "courier_name": normalised.get("courier") or False,
            "tracking_ref": normalised.get("tracking_ref") or False,
            **self._prepare_order_amount_vals(normalised),
            "order_line": [Command.create(v) for v in line_vals + money_vals],
        }
        if self.fiscal_position_id:
            vals["fiscal_position_id"] = self.fiscal_position_id.id
        if any(v.get("is_delivery") for v in money_vals):
            vals["carrier_id"] = cache["carrier"].id
        if warehouse:
            vals["warehouse_id"] = warehouse.id
        if self.pricelist_id:
            vals["pricelist_id"] = self.pricelist_id.id
        if self.team_id:
            vals["team_id"] = self.team_id.id
        return vals

    def _prepare_order_line_vals(self, line, cache):
        """Values of a new sale.order.line (extension point): the product through
        the SKU mapping, else the item mapping, else the unlinked placeholder."""
        product = (
            cache["sku_map"].get(line["sku"])
            or cache["item_map"].get(line.get("item_ref") or "")
            or cache["item_map"].get(line["sku"])
            or cache["placeholder"]
        )
        vals = {
            "product_id": product.id,
            "name": line.get("name") or line["sku"],
            "product_uom_qty": line.get("quantity") or 1.0,
            "price_unit": line.get("price_unit") or 0.0,
            "channel_sku": line["sku"],
            "channel_item_ref": line.get("item_ref") or line.get("external_id"),
        }
        if line.get("tax_rate") is not None:
            # the platform's rate: the company's tax of that rate (none at 0 %),
            # else the product's taxes as Odoo maps them
            taxes = self._connector_rate_taxes(
                line["tax_rate"], cache, cache.get("order_prices_include_tax")
            )
            if taxes or not line["tax_rate"]:
                vals["tax_id"] = [Command.set(taxes.ids)]
        if cache.get("no_analytic_model"):
            vals["analytic_distribution"] = False
        return vals

    def _prepare_order_update_vals(self, normalised, order):
        """Values written on an existing order by a newer version (extension
        point): the channel's status, shipping and amounts; never lines or
        partners."""
        vals = {
            "channel_status": normalised.get("status"),
            "channel_updated_at": normalised["updated_at"],
            **self._prepare_order_amount_vals(normalised),
        }
        if normalised.get("courier"):
            vals["courier_name"] = normalised["courier"]
        if normalised.get("tracking_ref"):
            vals["tracking_ref"] = normalised["tracking_ref"]
        return {key: value for key, value in vals.items() if order[key] != value}

    # ---- partners ----------------------------------------------------------------
    def _connector_find_partners(self, customers):
        """{id(customer dict): partner} found by external id (customer mapping),
        e-mail or phone, else created (in one batch). By e-mail or phone, only
        an active partner the channel's company may use (its own or a shared
        one) is reused: never an archived one, nor another company's."""
        by_ext, by_email, by_phone = self._connector_known_partners(customers)
        result, new_vals, new_keys = {}, [], {}
        for customer in customers:
            key = (
                customer.get("external_id")
                or (customer.get("email") or "").strip().lower()
                or customer.get("phone")
                or customer.get("name")
            )
            partner = (
                by_ext.get(customer.get("external_id"))
                or by_email.get((customer.get("email") or "").strip().lower())
                or by_phone.get(customer.get("phone"))
            )
            if partner:
                result[id(customer)] = partner
                continue
            if key in new_keys:
                new_keys[key].append(customer)
                continue
            new_keys[key] = [customer]
            new_vals.append(self._prepare_partner_vals(customer))
        if new_vals:
            self._connector_create_partners(new_vals, new_keys, result)
        return result

    def _connector_known_partners(self, customers):
        """The partners the customers may be: ({external id: partner}, {e-mail:
        partner}, {phone: partner}), the oldest one of each e-mail and phone."""
        Partner = self.env["res.partner"]
        match_domain = [
            ("parent_id", "=", False),
            ("active", "=", True),
            *Partner._check_company_domain(self.company_id),
        ]
        ext_ids = {c.get("external_id") for c in customers if c.get("external_id")}
        emails = {
            (c.get("email") or "").strip().lower() for c in customers if c.get("email")
        }
        phones = {c.get("phone") for c in customers if c.get("phone")}
        by_ext = {
            m.external_key: m.partner_id
            for m in self.env["channel.field.mapping"].search(
                [
                    ("channel_id", "=", self.id),
                    ("kind", "=", "customer"),
                    ("external_key", "in", list(ext_ids)),
                ]
            )
            if m.partner_id
        }
        by_email, by_phone = {}, {}
        if emails:
            for partner in Partner.search(
                [("email_normalized", "in", list(emails)), *match_domain], order="id"
            ):
                by_email.setdefault(partner.email_normalized, partner)
        if phones:
            for partner in Partner.search(
                [("phone", "in", list(phones)), *match_domain], order="id"
            ):
                by_phone.setdefault(partner.phone, partner)
        return by_ext, by_email, by_phone

    def _connector_create_partners(self, new_vals, new_keys, result):
        """Create the new customers in one batch (``new_vals``, one per group of
        ``new_keys``), map them in ``result`` and remember their external ids
        (customer mappings)."""
        # as Odoo's marketplace connectors do: no "Contact created" note and
        # no follower (the job's user) on each customer a channel brings
        created = (
            self.env["res.partner"].with_context(tracking_disable=True).create(new_vals)
        )
        mapping_vals = []
        for partner, group in zip(created, new_keys.values(), strict=True):
            for customer in group:
                result[id(customer)] = partner
            if group[0].get("external_id"):
                mapping_vals.append(
                    {
                        "channel_id": self.id,
                        "kind": "customer",
                        "external_key": group[0]["external_id"],
                        "partner_id": partner.id,
                    }
                )
        if mapping_vals:
            self.env["channel.field.mapping"].sudo().create(mapping_vals)

    def _connector_country(self, address):
        """The country of an address (by ISO code, else by name), read once per
        transaction for all addresses."""
        cache = self.env.cr.cache.setdefault("channel_connectors.countries", {})
        if not cache:
            for country in self.env["res.country"].search([]):
                cache[country.code.upper()] = country.id
                cache[country.with_context(lang="en_US").name.lower()] = country.id
        code = (address.get("country_code") or "").upper()
        name = (address.get("country_name") or "").lower()
        country_id = cache.get(code) or cache.get(name)
        return self.env["res.country"].browse(country_id)

    def _prepare_partner_vals(self, customer, parent=None):
        """Values of a customer created from a channel order (extension point)."""
        country = self._connector_country(customer)
        vals = {
            "name": customer.get("name") or customer.get("phone") or self.name,
            "email": customer.get("email") or False,
            "phone": customer.get("phone") or False,
            "street": customer.get("street") or False,
            "street2": customer.get("street2") or False,
            "city": customer.get("city") or False,
            "zip": customer.get("zip") or False,
            "country_id": country.id or False,
            "vat": customer.get("vat") or False,
            "is_company": bool(customer.get("is_company")),
            "customer_rank": 1,
        }
        if parent:
            vals.update(parent_id=parent.id, type="delivery", is_company=False)
        return vals

    def _connector_shipping_partners(self, normalised_list, partners):
        """{id(normalised): delivery partner} of a page of orders: the customer
        when the order ships to the customer's address, else the customer's
        delivery contact with that name and street, else a new one (all the new
        ones created in one batch). ``partners``: what
        ``_connector_find_partners`` returned for these orders' customers."""
        result, new_vals, new_keys = {}, [], {}
        for normalised in normalised_list:
            partner = partners[id(normalised.get("customer") or {})]
            shipping = normalised.get("shipping") or {}
            if not shipping or (
                (shipping.get("name") or "") == (partner.name or "")
                and (shipping.get("street") or "") == (partner.street or "")
                and (shipping.get("city") or "") == (partner.city or "")
            ):
                result[id(normalised)] = partner
                continue
            existing = partner.child_ids.filtered(
                lambda p, shipping=shipping: p.type == "delivery"
                and p.name == shipping.get("name")
                and (p.street or "") == (shipping.get("street") or "")
            )[:1]
            if existing:
                result[id(normalised)] = existing
                continue
            key = (partner.id, shipping.get("name"), shipping.get("street") or "")
            if key not in new_keys:
                new_keys[key] = []
                new_vals.append(self._prepare_partner_vals(shipping, parent=partner))
            new_keys[key].append(normalised)
        if new_vals:
            created = (
                self.env["res.partner"]
                .with_context(tracking_disable=True)
                .create(new_vals)
            )
            for contact, group in zip(created, new_keys.values(), strict=True):
                for normalised in group:
                    result[id(normalised)] = contact
        return result
