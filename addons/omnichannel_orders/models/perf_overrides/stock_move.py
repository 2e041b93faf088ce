from odoo import models
from odoo.osv import expression
from odoo.tools import float_compare, groupby

from .mail_thread import BATCH_KEY


class StockMove(models.Model):
    _inherit = "stock.move"

    def _assign_picking(self):
        """In a batch of channel orders (``_omni_mail_batch``), put the moves of
        all the orders into their pickings with one search for the pickings to
        append to and one ``create`` of the new pickings, instead of one search
        and one ``create`` per order. Same pickings as Odoo's: the same grouping
        key, the same search domain (``_search_picking_for_assignation_domain``,
        evaluated on the candidates in Odoo's picking order), the same new picking
        values and post-processing."""
        if not self.env.context.get(BATCH_KEY) or len(self) < 2:
            return super()._assign_picking()
        groups = []
        for _key, moves in groupby(self, key=lambda m: m._key_assign_picking()):
            moves = self.env["stock.move"].concat(*moves)
            groups.append((moves, moves[0]._search_picking_for_assignation_domain()))
        if len(groups) < 2:
            return super()._assign_picking()
        candidates = self.env["stock.picking"].search(
            expression.OR([domain for _moves, domain in groups])
        )
        assigned, to_create = [], []
        for moves, domain in groups:
            picking = candidates.filtered_domain(domain)[:1] if candidates else None
            if picking:
                vals = moves._assign_picking_values(picking)
                if vals:
                    picking.write(vals)
                assigned.append((moves, picking, False))
                continue
            # no picking for negative moves: they are reversed into another one
            moves = moves.filtered(
                lambda m: float_compare(
                    m.product_uom_qty, 0.0, precision_rounding=m.product_uom.rounding
                )
                >= 0
            )
            if moves:
                to_create.append(moves)
        pickings = self.env["stock.picking"].create(
            [moves._get_new_picking_values() for moves in to_create]
        )
        assigned += [
            (moves, picking, True)
            for moves, picking in zip(to_create, pickings, strict=True)
        ]
        for moves, picking, new in assigned:
            moves.write({"picking_id": picking.id})
            moves._assign_picking_post_process(new=new)
        return True
