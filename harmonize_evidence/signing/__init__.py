"""The producer's signing identity: Evidence CA and signing certificate, entry signatures.

Above the domain and below the store, capture and export: it holds no store and does no I/O,
only certificates, keys and signatures, so the store (for custody entries) and the export (for
the manifest and the report) sign and check with the same code.
"""
