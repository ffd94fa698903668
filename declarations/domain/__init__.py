"""The pure domain: typed, immutable records of every CEB document and message.

Standard library only (an import-linter contract forbids I/O libraries here). The document
records are generated from `schemas.definition`; see `declarations.codec.record_generator`.
"""
