"""A unit of work that keeps a batch's writes and writes them a table at a time.

``WriteBehind(uow, program_id)`` wraps a unit of work that is already open and
is itself an :class:`~jifen.services.earning.ports.EarningWork`, so the use
cases run on it unchanged (``record_order_in`` for an import's batch), one
after another. What they read was read for the whole batch beforehand (the
members, locked; their rule usage; their months of activity); what they write
is kept in memory, applied to what they read next, and written by ``flush()``
in a few statements per table instead of a dozen per order.

It takes the ledger as money all the same: every credit is written with its
lots and its member's balance in the same transaction, with the ids the
ledger reserved for it, and ``commit()`` flushes first. It has no savepoints:
a batch that fails is rolled back whole by its caller.

What it keeps, for the batch's own programme:

- :mod:`.members`: ``lock``/``get`` of a member it knows, with its balances,
  order counts and tier as the batch's writes left them;
- :mod:`.ledger`: ``apply`` of a plain credit (new lots only), under a reserved id;
- :mod:`.records`: ``claim``/``record`` of the keys it claimed, and outbox
  ``add``/``add_many``;
- :mod:`.earning`: usage, campaign spends, orders and their counts on members
  (``reserve`` takes the budget in the database at once);
- :mod:`.tiers`: monthly activity, tier saves, tier changes;
- :mod:`.programmes`: the current version, read once;
- :mod:`.challenges`: a round's progress; a badge given is kept on the member;
- :mod:`.leaderboards`: a member's scores and the counts they move.

Everything else passes through: each other method of those repositories, and
every method of the repositories it does not wrap (the audit log, programmes,
the verifier, the outbox relay), first writes what is kept (``Through.written``)
and then calls the wrapped repository, so a read always sees every earlier
write. Each is written out, so ``mypy`` proves the whole of ``EarningWork`` is
there, and a new port method fails the type check until it is added here.

The parts: :mod:`.kept` (the writes not yet written, and how they are
written), :mod:`.batch` (what the batch knows, and ``flush``),
:mod:`.through` (the base of every repository here), :mod:`.work`
(:class:`WriteBehind` itself).
"""

from jifen.services.earning.write_behind.work import WriteBehind

__all__ = ["WriteBehind"]
