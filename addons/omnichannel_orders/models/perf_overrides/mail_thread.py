from collections import defaultdict
from contextlib import contextmanager

from markupsafe import Markup

from odoo import models

BATCH_KEY = "omni_mail_batch"


class MailThread(models.AbstractModel):
    """Batched chatter side effects for the order desk's batch operations.

    Confirming, delivering and invoicing N orders makes Odoo subscribe each
    customer to each order, delivery and invoice, and log an origin note ("This
    document has been created from...") on each delivery and invoice: one
    ``message_subscribe`` and one ``message_post`` per document, each with its own
    queries (access check, existing followers, recipients, reply-to...). Inside
    ``_omni_mail_batch()`` these calls are collected and written at the end of the
    block, one insert of followers and one batch of notes per model, with the same
    result: the same followers with the same default subtypes, the same notes by
    the same author. A note on a document someone follows for notes is still
    posted one by one, so that they are notified as before. ``_omni_log_creation``
    does the same for the creation messages of records created with
    ``mail_create_nolog`` (the invoices of a batch)."""

    _inherit = "mail.thread"

    @contextmanager
    def _omni_mail_batch(self):
        """Yield ``self`` with the batching context; write what was collected when
        the block ends without error (the block's savepoint, if any, discards the
        documents otherwise)."""
        stack = self.env.cr.cache.setdefault(BATCH_KEY, [])
        batch = {"subscribe": [], "notes": []}
        stack.append(batch)
        try:
            yield self.with_context(**{BATCH_KEY: True})
            self._omni_mail_batch_flush(batch)
        finally:
            stack.remove(batch)

    def _omni_current_mail_batch(self):
        if not self.env.context.get(BATCH_KEY):
            return None
        stack = self.env.cr.cache.get(BATCH_KEY)
        return stack[-1] if stack else None

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        batch = self._omni_current_mail_batch()
        if (
            batch is None
            or not self
            or not partner_ids
            or subtype_ids
            or set(partner_ids) == {self.env.user.partner_id.id}
        ):
            return super().message_subscribe(
                partner_ids=partner_ids, subtype_ids=subtype_ids
            )
        batch["subscribe"].append((self, list(partner_ids)))
        return True

    def message_post_with_source(
        self,
        source_ref,
        render_values=None,
        message_type="notification",
        subtype_xmlid=False,
        subtype_id=False,
        **kwargs,
    ):
        batch = self._omni_current_mail_batch()
        if batch is not None and self and not kwargs and message_type == "notification":
            xmlid_to_res_id = self.env["ir.model.data"]._xmlid_to_res_id
            note_id = xmlid_to_res_id("mail.mt_note")
            subtype = (
                xmlid_to_res_id(subtype_xmlid) if subtype_xmlid else subtype_id
            ) or note_id
            template, view = self._get_source_from_ref(source_ref)
            if view and not template and subtype == note_id:
                # rendered now, as message_post_with_source would, with the
                # values of the moment
                bodies = self.env["mail.render.mixin"]._render_template_qweb_view(
                    view, self._name, self.ids, add_context=render_values
                )
                batch["notes"].append((self, bodies))
                return self.env["mail.message"]
        return super().message_post_with_source(
            source_ref,
            render_values=render_values,
            message_type=message_type,
            subtype_xmlid=subtype_xmlid,
            subtype_id=subtype_id,
            **kwargs,
        )

    def _omni_mail_batch_flush(self, batch):
        subscriptions = defaultdict(lambda: defaultdict(set))
        records_of = {}
        for records, partner_ids in batch["subscribe"]:
            key = (records._name, records.env.uid, records.env.su)
            records_of.setdefault(key, records)
            for res_id in records.ids:
                subscriptions[key][res_id].update(partner_ids)
        for key, partners_by_doc in subscriptions.items():
            records = records_of[key].browse(list(partners_by_doc))
            # the access check message_subscribe makes, once for the batch
            records.check_access("write")
            self.env["mail.followers"]._omni_insert_default_followers(
                records._name, partners_by_doc
            )
        notes = defaultdict(list)
        for records, bodies in batch["notes"]:
            key = (records._name, records.env.uid, records.env.su)
            records_of.setdefault(key, records)
            notes[key].extend(bodies.items())
        for key, bodies in notes.items():
            records_of[key]._omni_log_notes(bodies)

    def _omni_log_notes(self, bodies):
        """Log ``bodies`` ([(res_id, body)], in order) as notes."""
        note_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        return self._omni_log_messages(bodies, note_id)

    def _omni_log_messages(self, bodies, subtype_id, author_id=None):
        """Log ``bodies`` ([(res_id, body)], in order) with ``subtype_id``: one
        ``_message_log_batch`` per round of distinct documents, ``message_post``
        for the documents someone other than the author follows for that subtype
        (they get notified, as before)."""
        note_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        author_id = author_id or self.env.user.partner_id.id
        res_ids = list({res_id for res_id, _body in bodies})
        followed = {
            res_id
            for _fid, res_id, partner_id, subtype_ids in self.env[
                "mail.followers"
            ]._get_subscription_data([(self._name, res_ids)], None)
            if subtype_id in subtype_ids and partner_id != author_id
        }
        rounds = []
        for res_id, body in bodies:
            if res_id in followed:
                self.browse(res_id).message_post(
                    body=body,
                    message_type="notification",
                    subtype_id=subtype_id,
                    author_id=author_id,
                )
                continue
            for batch in rounds:
                if res_id not in batch:
                    batch[res_id] = body
                    break
            else:
                rounds.append({res_id: body})
        messages = self.env["mail.message"]
        for batch in rounds:
            messages |= self.browse(list(batch))._message_log_batch(
                bodies=batch, author_id=author_id
            )
        if messages and subtype_id != note_id:
            # _message_log_batch logs notes: the subtype of a posted message
            messages.write({"subtype_id": subtype_id, "is_internal": False})
        return messages

    def _omni_log_creation(self):
        """The creation messages ``create`` writes without ``mail_create_nolog``
        (a message with the model's creation subtype, which notifies its
        followers, or else a note), for records created with it: in batch."""
        bodies, notes = defaultdict(list), {}
        for record in self:
            subtype = record._creation_subtype()
            if subtype:
                bodies[subtype.id].append(
                    (
                        record.id,
                        Markup('<div summary="o_mail_notification"><p>%s</p></div>')
                        % record._creation_message(),
                    )
                )
            else:
                notes[record.id] = record._creation_message()
        if notes:
            self.browse(list(notes))._message_log_batch(bodies=notes)
        for subtype_id, subtype_bodies in bodies.items():
            self.sudo()._omni_log_messages(subtype_bodies, subtype_id)
