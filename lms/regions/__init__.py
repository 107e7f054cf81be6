"""Kemendagri region codes, the koperasi registry and the one region-scoping function."""
