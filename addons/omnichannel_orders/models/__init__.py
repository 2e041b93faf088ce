from . import omni_channel
from . import omni_channel_product
from . import omni_order_event
from . import sale_order
from . import sale_order_line
from . import stock_picking
