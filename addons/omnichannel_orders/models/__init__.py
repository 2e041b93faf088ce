from . import omni_bulk_operation
from . import omni_bulk_operation_line
from . import omni_channel
from . import omni_channel_product
from . import omni_order_event
from . import sale_order
from . import sale_order_line
from . import stock_picking
