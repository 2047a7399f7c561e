"""What a batch has decided to write and not yet written, and how it is written."""

from __future__ import annotations

from jifen.services.earning.ports import BatchWrites, EarningWork


class Kept(BatchWrites):
    """Writes not yet written, in the order they were made (see ``BatchWrites``)."""

    def write(self, uow: EarningWork, program_id: int) -> None:
        """Everything, in as few statements as the database allows."""
        uow.earning.write_batch(program_id, self)
