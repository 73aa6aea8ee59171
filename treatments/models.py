"""The clinical domain: visits, screening, IASTR sessions and home programs (built next)."""
