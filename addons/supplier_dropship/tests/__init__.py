from . import test_install
from . import test_feeds
from . import test_planner
from . import test_ship
from . import test_dispatch
from . import test_fuzz_feed
from . import test_ship_batch
from . import test_touchless_dispatch
