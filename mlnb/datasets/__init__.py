"""Small data sets shipped with mlnb for tutorials and tests (no downloads)."""

from __future__ import annotations

from .transactions import load_transactions, make_transactions

__all__ = ["load_transactions", "make_transactions"]
