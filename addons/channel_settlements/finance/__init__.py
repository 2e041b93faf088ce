"""Finance API clients (plain Python + requests): settlements and payouts of each
platform, normalised (see :mod:`.base`)."""

from .base import (
    CATEGORIES,
    CLIENTS,
    FEE_CATEGORIES,
    FinanceClient,
    FinanceError,
    get_client_class,
)
from . import lazada
from . import shopee
from . import tiktok
