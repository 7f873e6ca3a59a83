"""Encrypted packages between stores: age (X25519) around a tar stream, never whole in memory."""
