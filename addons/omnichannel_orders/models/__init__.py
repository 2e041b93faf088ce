from . import omni_channel
from . import sale_order
