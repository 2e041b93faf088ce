"""Shared machinery of the simulators: an HTTP server on loopback, a routing table,
a controllable clock, seeded fault injection and an inspection/control API.

Nothing here imports Odoo. Every simulator subclasses :class:`SimServer`, declares its
routes with :func:`route`, and keeps its state in plain Python objects guarded by
``self.lock``.

Control API (available on every simulator, never on a real platform):

- ``GET  /_sim/state``   the simulator's inspection view (``inspect()``), as JSON
- ``POST /_sim/faults``  JSON body replaces the fault switches (see :class:`Faults`)
- ``POST /_sim/clock``   ``{"advance": seconds}`` moves the simulated clock forward
- ``POST /_sim/reset``   regenerate the initial state from the seed
"""

from .control import ControlRoutes
from .faults import Faults
from .feed import OrderFeedMixin
from .oauth import AuthCodes
from .pdf import a6_pdf, pdf_escape, pdf_file
from .protocol import constant_time_equal, hmac_sha256_hex, iso_utc, json_object
from .push import PushOutbox, PushReceiver, post_push
from .routing import Request, Response, json_response, route
from .seller_stock import SellerStock, SellerStockRoutes
from .server import SimServer
