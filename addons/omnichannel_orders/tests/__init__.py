from . import test_install
from . import test_lifecycle
from . import test_history
from . import test_unlinked
from . import test_invoice_dispatch
from . import test_cancel_request
from . import test_dashboard
from . import test_export
