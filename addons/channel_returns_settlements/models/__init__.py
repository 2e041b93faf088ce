from . import channel_return
