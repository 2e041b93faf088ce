"""Overrides of Odoo internals for speed, all of them here.

Each one replaces, inside a batch of channel orders only (the ``omni_mail_batch``
context set by ``mail.thread._omni_mail_batch()``), work Odoo does document by
document with the same work done once for the batch, and gives Odoo's result.
Outside a batch, each calls Odoo's own code. Each has a test in
``tests/test_perf_overrides.py`` that compares its result with Odoo's own path:

- ``mail_thread.py``: ``mail.thread.message_subscribe`` (the customers'
  subscriptions, written by ``mail.followers._omni_insert_default_followers`` in
  ``mail_followers.py``: one insert per model), ``message_post_with_source`` (the
  origin notes "This document has been created from...": one
  ``_message_log_batch`` per model) and ``_omni_log_creation`` (the creation
  messages of the invoices created with ``mail_create_nolog``). Tests:
  ``TestMailBatch.test_*_matches_odoo``.
- ``stock_move.py``: ``stock.move._assign_picking`` (one search of the pickings
  to append to and one ``create`` of the new pickings for all the orders).
  Tests: ``TestBatchPickingAssignment.test_same_pickings_as_odoo``.
"""

from . import mail_followers
from . import mail_thread
from . import stock_move
