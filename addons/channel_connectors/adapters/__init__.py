"""Platform adapters: plain Python (``requests``), no ORM. The sync engine
(models/) gives each adapter a connection dict and gets normalised orders back."""

from .base import (
    ADAPTERS,
    AdapterError,
    ChannelAdapter,
    ParseError,
    TokenExpired,
    get_adapter_class,
    register,
)
from . import lazada
from . import eshop
from . import shopee
from . import tiktok
from . import rest
