from . import account_move
from . import channel_return
from . import omni_channel
from . import rma
from . import sale_order
from . import sale_order_line
from . import stock_warehouse
