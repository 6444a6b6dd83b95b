"""The share URL's format, as the page uses it: see :mod:`optviz.links` (kept here so scripts and
tests that import ``optviz.ui.urlstate`` go on working)."""
from optviz.links import KEYS, parse, serialize, to_data

__all__ = ["parse", "serialize", "to_data", "KEYS"]
