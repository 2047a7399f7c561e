"""Files in bulk: order history and opening balances, batched, idempotent, resumable.

- ``balance_records``: One row of a balance file, checked before the database sees it: a dict to
  an ``OpenBalance``.
- ``commands``: Imports' commands: an opening balance.
- ``opening_balances``: Opening balances: the points members bring from the system a brand
  leaves.
- ``lanes``: A file imported in lanes side by side, its rows split by member.
- ``order_records``: One imported record, checked before the database sees it: a dict to a
  ``PlaceOrder``.
- ``order_rows``: The rows of an order file, for ``imports.import_orders``: one order a row.
- ``ports``: The checkpoints of file imports.
- ``rows``: What an import reads and reports: a file, its rows, the handler of one kind of row,
  the summary.
- ``runner``: Importing files in bulk: batched, idempotent, resumable, in bounded memory.
"""

from jifen.services.imports.commands import (
    OpenBalance,
)
from jifen.services.imports.lanes import (
    MAX_LANES,
    Begun,
    Lane,
    begun_import,
    finish_lanes,
    lanes,
    merged,
)
from jifen.services.imports.rows import (
    BatchWriter,
    ImportFile,
    ImportOptions,
    ImportSummary,
    Rejected,
    Row,
    RowHandler,
    Written,
)
from jifen.services.imports.runner import (
    import_balances,
    import_orders,
    run_import,
)

__all__ = [
    "MAX_LANES",
    "BatchWriter",
    "Begun",
    "ImportFile",
    "ImportOptions",
    "ImportSummary",
    "Lane",
    "OpenBalance",
    "Rejected",
    "Row",
    "RowHandler",
    "Written",
    "begun_import",
    "finish_lanes",
    "import_balances",
    "import_orders",
    "lanes",
    "merged",
    "run_import",
]
