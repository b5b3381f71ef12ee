"""Request bodies: the only place pydantic lives, one module per resource (mirroring
``routes/``). Each model converts to domain values.

Models are strict (a number where a string belongs is a 400, not a silent conversion) and
ignore unknown keys, as Voucherify does; the shared bases are in ``common``.
"""
