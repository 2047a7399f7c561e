"""Engagement's repositories: consents."""
