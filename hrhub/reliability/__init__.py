"""Reliability checks of the whole hub: properties a run must keep, proven on real runs."""
