"""sale.order: the order history (omni.order.event): the snapshot of the tracked
fields, the precommit that writes their changes, other events, the history action."""

from odoo import api, models
from odoo.tools import SQL

from .sale_order import EVENT_FIELDS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------ history
    def _omni_snapshot(self, field_names, new=False):
        """Remember the values ``field_names`` had at the start of the transaction,
        so that the changes are written to the history at commit time (like mail
        tracking: one event per order and field, however many intermediate writes)."""
        records = self.filtered("id")
        if not records:
            return
        data = self.env.cr.precommit.data.setdefault("omni.order.event", {})
        if not data:
            self.env.cr.precommit.add(self._omni_flush_history)
        actor = self.env["omni.order.event"]._current_actor()
        missing = [
            (order.id, name)
            for order in records
            for name in field_names
            if (order.id, name) not in data
        ]
        if missing and not new:
            rows = self.env.execute_query(
                SQL(
                    "SELECT id, %s FROM sale_order WHERE id IN %s",
                    SQL(", ").join(SQL.identifier(name) for name in field_names),
                    tuple({order_id for order_id, _name in missing}),
                )
            )
            stored = {row[0]: row[1:] for row in rows}
        else:
            stored = {}
        for order_id, name in missing:
            values = stored.get(order_id)
            old = values[field_names.index(name)] if values else None
            data[(order_id, name)] = {"old": old, "actor": actor, "uid": self.env.uid}
        for order in records:
            for name in field_names:
                data[(order.id, name)]["actor"] = actor
                data[(order.id, name)]["uid"] = self.env.uid

    def _omni_history_old_values(self, field_name):
        """Public hook for the add-ons built on the order desk: the value the
        tracked field ``field_name`` (a key of ``EVENT_FIELDS``) had at the start
        of the transaction, ``{order id: value}``, for the orders of ``self`` whose
        change will be written to the history at commit time (the others are
        left out: no change pending)."""
        data = self.env.cr.precommit.data.get("omni.order.event") or {}
        return {
            order_id: data[(order_id, field_name)]["old"]
            for order_id in self._ids
            if (order_id, field_name) in data
        }

    def _omni_mark_created(self):
        """The first values of new orders go to the history but not to the
        chatter, which tells the creation already (as mail tracking does)."""
        data = self.env.cr.precommit.data.get("omni.order.event") or {}
        for order in self:
            for name in EVENT_FIELDS:
                info = data.get((order.id, name))
                if info is not None:
                    info["created"] = True

    def _omni_flush_history(self):
        """Precommit: write one event per changed field, and a chatter note
        (none for the values an order was created with)."""
        # the pending computations first: they snapshot into the same data
        self.env.flush_all()
        data = self.env.cr.precommit.data.pop("omni.order.event", {})
        if not data:
            return
        env = self.env(su=True)
        orders = env["sale.order"].browse({key[0] for key in data}).exists()
        existing = set(orders.ids)
        events, notes = [], {}
        for (order_id, name), info in data.items():
            if order_id not in existing:
                continue
            order = orders.browse(order_id)
            new = order[name]
            if (info["old"] or False) == (new or False):
                continue
            field = order._fields[name]
            labels = (
                dict(field._description_selection(env))
                if field.type == "selection"
                else {}
            )
            old_label = labels.get(info["old"], info["old"]) or ""
            new_label = labels.get(new, new) or ""
            events.append(
                {
                    "order_id": order_id,
                    "event_type": EVENT_FIELDS[name],
                    "from_value": old_label,
                    "to_value": new_label,
                    "actor": info["actor"],
                    "user_id": info["uid"],
                }
            )
            if info.get("created"):
                continue
            notes.setdefault(order_id, []).append(
                env._(
                    "%(field)s: %(old)s → %(new)s",
                    field=field.string,
                    old=old_label or "—",
                    new=new_label,
                )
            )
        if events:
            env["omni.order.event"].create(events)
            orders.browse(list(notes))._message_log_batch(
                bodies={order_id: "; ".join(lines) for order_id, lines in notes.items()}
            )
            env.flush_all()

    def _omni_log_event(self, event_type, note, from_value=False, to_value=False):
        """Record an event of another kind (picking, label, cancellation...)."""
        return self._omni_log_events(
            [(order, event_type, note, from_value, to_value) for order in self]
        )

    @api.model
    def _omni_log_events(self, events):
        """Record many events at once: ``events`` is a list of
        (order, event_type, note, from_value, to_value)."""
        actor = self.env["omni.order.event"]._current_actor()
        return (
            self.env["omni.order.event"]
            .sudo()
            .create(
                [
                    {
                        "order_id": order.id,
                        "event_type": event_type,
                        "note": note,
                        "from_value": from_value,
                        "to_value": to_value,
                        "actor": actor,
                        "user_id": self.env.uid,
                    }
                    for order, event_type, note, from_value, to_value in events
                ]
            )
        )

    # ------------------------------------------------------------------ actions
    def action_omni_view_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "omnichannel_orders.omni_order_event_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {}
        return action
