"""Exports: a runnable PyTorch script that rebuilds a chain program or a network spec (no torch imported here)."""
