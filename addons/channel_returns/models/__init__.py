from . import account_move
from . import channel_return
from . import omni_channel
from . import rma
