"""The ``jifen`` command line."""
