"""Thin entrypoints: the HTTP API, the command line and (later) the worker and web pages."""
