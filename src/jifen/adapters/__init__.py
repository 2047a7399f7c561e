"""Adapters: the database and every outside system, behind the services' ports."""
