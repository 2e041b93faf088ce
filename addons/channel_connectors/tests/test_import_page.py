"""A page of imported orders: customers, delivery contacts, what Odoo would
derive line by line."""

import copy
import json
from datetime import timedelta

from odoo.tests import tagged

from .test_lazada import LazadaCommon


@tagged("post_install", "-at_install")
class TestImportPage(LazadaCommon):
    def page_of_variants(self):
        """Four orders built from one imported Lazada payload: A ships to the
        buyer's address, B and C ship to one other address, D is another buyer."""
        self.pull()
        order = self.channel_orders()[:1]
        raw = json.loads(order.channel_binding_ids.raw_payload)
        newer = order.channel_updated_at + timedelta(hours=1)
        billing = raw["address_billing"]
        variants = {}
        for suffix in "ABCD":
            copy_ = copy.deepcopy(raw)
            copy_["order_id"] = int(f"77{suffix.encode()[0]}{order.id}")
            copy_["order_number"] = copy_["order_id"]
            copy_["buyer_id"] = 9_700_001
            copy_["customer_email"] = "page.buyer@example.com"
            copy_["updated_at"] = newer.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            copy_["address_billing"] = dict(
                billing, email="page.buyer@example.com", phone="+60119700001"
            )
            copy_["address_shipping"] = dict(copy_["address_billing"])
            for item in copy_["items"]:
                item["buyer_id"] = 9_700_001
            variants[suffix] = copy_
        for suffix in "BC":
            variants[suffix]["address_shipping"] = dict(
                billing,
                first_name="Warehouse",
                last_name="Reception",
                address1="12 Dock Road",
            )
        other = variants["D"]
        other["buyer_id"] = 9_700_002
        other["customer_email"] = "other.buyer@example.com"
        other["address_billing"] = dict(
            billing, email="other.buyer@example.com", phone="+60119700002"
        )
        other["address_billing"]["first_name"] = "Other"
        other["address_shipping"] = dict(other["address_billing"])
        for item in other["items"]:
            item["buyer_id"] = 9_700_002
        return variants

    def test_page_shares_customers_and_delivery_contacts(self):
        variants = self.page_of_variants()
        adapter = self.channel._get_adapter()
        normalised = [adapter.parse_order(raw) for raw in variants.values()]
        Partner = self.env["res.partner"].with_context(active_test=False)
        before = Partner.search_count([])
        channel = self.channel.with_context(tracking_disable=False)
        result = channel._import_normalised(normalised, adapter=adapter)
        self.assertEqual(result["created"], 4)
        orders = {
            n["external_id"]: self.channel_orders().filtered(
                lambda o, ref=n["external_id"]: o.channel_order_ref == ref
            )
            for n in normalised
        }
        a, b, c, d = (orders[n["external_id"]] for n in normalised)
        # one customer for A, B, C; one for D
        self.assertEqual(a.partner_id, b.partner_id)
        self.assertEqual(a.partner_id, c.partner_id)
        self.assertNotEqual(a.partner_id, d.partner_id)
        # A and D ship to their customer, B and C to one new delivery contact
        self.assertEqual(a.partner_shipping_id, a.partner_id)
        self.assertEqual(d.partner_shipping_id, d.partner_id)
        contact = b.partner_shipping_id
        self.assertEqual(c.partner_shipping_id, contact)
        self.assertEqual(contact.parent_id, b.partner_id)
        self.assertEqual(contact.type, "delivery")
        self.assertEqual(contact.street, "12 Dock Road")
        self.assertEqual(Partner.search_count([]), before + 3)
        # no "Contact created" note, no follower on the customers the channel
        # brings, and the job's user does not follow the imported orders
        new_partners = a.partner_id | d.partner_id | contact
        self.assertFalse(new_partners.message_ids)
        self.assertFalse(new_partners.message_follower_ids)
        for order in (a, b, c, d):
            self.assertNotIn(
                self.env.user.partner_id, order.message_follower_ids.partner_id
            )
        # the creation is in the history, the chatter stays quiet
        self.flush_history()
        self.assertIn("channel_status", a.omni_event_ids.mapped("event_type"))
        for order in (a, b, c, d):
            notes = order.message_ids.filtered(lambda m: "— →" in (m.body or ""))
            self.assertFalse(
                notes,
                f"no chatter note for the values an order was created with: "
                f"{notes.mapped('body')}",
            )

    def test_known_delivery_contact_is_reused(self):
        variants = self.page_of_variants()
        adapter = self.channel._get_adapter()
        first = adapter.parse_order(variants["B"])
        self.channel._import_normalised([first], adapter=adapter)
        contact = (
            self.channel_orders()
            .filtered(lambda o: o.channel_order_ref == first["external_id"])
            .partner_shipping_id
        )
        second = adapter.parse_order(variants["C"])
        self.channel._import_normalised([second], adapter=adapter)
        order = self.channel_orders().filtered(
            lambda o: o.channel_order_ref == second["external_id"]
        )
        self.assertEqual(order.partner_shipping_id, contact)
        self.assertEqual(len(contact.parent_id.child_ids), 1)

    def test_analytic_distribution_as_odoo_derives_it(self):
        variants = self.page_of_variants()
        adapter = self.channel._get_adapter()
        first = adapter.parse_order(variants["A"])
        self.channel._import_normalised([first], adapter=adapter)
        order = self.channel_orders().filtered(
            lambda o: o.channel_order_ref == first["external_id"]
        )
        self.assertTrue(order.order_line)
        self.assertFalse(any(order.order_line.mapped("analytic_distribution")))
        # a distribution model for the company: Odoo's own rule applies again
        plan = self.env["account.analytic.plan"].create({"name": "Channels"})
        account = self.env["account.analytic.account"].create(
            {"name": "Marketplaces", "plan_id": plan.id}
        )
        self.env["account.analytic.distribution.model"].create(
            {
                "company_id": self.env.company.id,
                "analytic_distribution": {str(account.id): 100},
            }
        )
        second = adapter.parse_order(variants["D"])
        self.channel._import_normalised([second], adapter=adapter)
        order = self.channel_orders().filtered(
            lambda o: o.channel_order_ref == second["external_id"]
        )
        self.assertTrue(order.order_line)
        for line in order.order_line.filtered("channel_sku"):
            self.assertEqual(line.analytic_distribution, {str(account.id): 100})
