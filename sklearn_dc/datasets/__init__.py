"""Loaders for clinical data sets (files the user has; nothing is downloaded)."""

from ._support2 import load_support2

__all__ = ["load_support2"]
