from . import channel_return_decision
