"""The pure domain of jifen: points, programmes, members and the ledger.

Nothing here imports a framework, a database driver or the network; it is
plain Python over the standard library so that it can be reasoned about and
tested on its own.
"""
