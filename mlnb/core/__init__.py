"""Shared computation for mlnb's checks: no UI, no optional dependencies."""
