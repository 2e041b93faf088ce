from . import channel_sync_log
