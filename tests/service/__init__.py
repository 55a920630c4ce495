"""Tests of the REST service (v2v.service)."""
