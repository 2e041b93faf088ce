"""Returns clients (plain Python + requests): each platform's return and refund
applications, normalised (see :mod:`.base`), and the seller's decisions."""

from .base import (
    CLIENTS,
    DECISIONS,
    STAGES,
    ReturnsClient,
    ReturnsError,
    get_client_class,
)
from . import shopee
