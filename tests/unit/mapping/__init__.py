"""Tests of the mapping engine (hrhub.mapping)."""
