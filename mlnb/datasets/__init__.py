"""Small data sets shipped with mlnb for tutorials and tests (no downloads)."""

from __future__ import annotations

from .adult import ADULT_CITATION, load_adult
from .transactions import load_transactions, make_transaction_stream, make_transactions

__all__ = [
    "load_adult",
    "ADULT_CITATION",
    "load_transactions",
    "make_transactions",
    "make_transaction_stream",
]
