"""Earning: orders and activities in, points out, every point explained."""
